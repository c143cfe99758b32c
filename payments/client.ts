import { request } from 'undici';
import type { Authorization, Refund } from './types';

/**
 * What the payment activities need from a provider. The HTTP client below talks to the stand-in;
 * a real adapter (Stripe, Toss Payments) would implement the same interface and error kinds.
 */
export interface PaymentsClient {
  authorize(input: AuthorizeRequest, idempotencyKey: string): Promise<Authorization>;
  capture(authorizationId: string, idempotencyKey: string): Promise<Authorization>;
  void(authorizationId: string, idempotencyKey: string): Promise<Authorization>;
  refund(authorizationId: string, idempotencyKey: string): Promise<Authorization>;
  /** One partial refund (after-sale); the key makes a retry replay it instead of refunding twice. */
  refundPart(input: RefundRequest, idempotencyKey: string): Promise<Refund>;
  listRefunds(authorizationId: string): Promise<Refund[]>;
  /** Null when the provider has no such authorization. */
  get(authorizationId: string): Promise<Authorization | null>;
  listByReference(reference: string): Promise<Authorization[]>;
}

export interface AuthorizeRequest {
  amountCents: number;
  currency?: string;
  paymentToken: string;
  reference: string;
}

export interface RefundRequest {
  authorizationId: string;
  amountCents: number;
  /** The merchant's own id for the refund, kept on the provider's record. */
  merchantReference?: string;
}

/**
 * declined: the card said no, asking again will not help. retryable: the outcome is unknown or the
 * provider is briefly unavailable; the same request with the same key is safe to repeat.
 * invalid_state: the authorization is not in a state that allows the action. rejected: the request
 * itself is wrong; repeating it will not help.
 */
export type PaymentsErrorKind = 'declined' | 'retryable' | 'invalid_state' | 'rejected';

export class PaymentsError extends Error {
  override readonly name = 'PaymentsError';
  constructor(
    readonly kind: PaymentsErrorKind,
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface PaymentsClientOptions {
  baseUrl: string;
  /** The merchant's secret key (PAYMENTS_API_KEY), sent as `Authorization: Bearer …` on every call. */
  apiKey: string;
  /** Per request, body included; past it the outcome is unknown and the error retryable. */
  timeoutMs: number;
  /**
   * Pauses before each re-send of a read the provider refused for a moment (5xx, 429, connection refused or
   * dropped); default READ_RETRY_DELAYS_MS. Reads change nothing, so they are repeated here, at once, as providers'
   * own SDKs do (Stripe's maxNetworkRetries): a compensation reads two or three times before it acts, and with each
   * read failing on its own, a flaky provider failed whole attempts often enough to stretch Temporal's backoff
   * past minutes. Writes are not repeated here: their retries belong to Temporal, under the same idempotency key.
   */
  readRetryDelaysMs?: readonly number[];
}

export const READ_RETRY_DELAYS_MS: readonly number[] = [100, 400];

interface ErrorPayload {
  error?: { code?: string; message?: string };
}

function kindOf(status: number, code: string | undefined): PaymentsErrorKind {
  if (status === 402) return 'declined';
  if (status >= 500 || status === 429 || code === 'idempotency_key_in_use') return 'retryable';
  if (code === 'invalid_state') return 'invalid_state';
  return 'rejected';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A refusal of the moment: asking again shortly may work. A timeout is not one (the wait was already spent). */
const isMomentary = (error: unknown) => error instanceof PaymentsError && error.kind === 'retryable' && error.code !== 'timeout';

export function createPaymentsClient(options: PaymentsClientOptions): PaymentsClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const readRetryDelaysMs = options.readRetryDelaysMs ?? READ_RETRY_DELAYS_MS;

  /**
   * On undici's request API (its keep-alive connection pool, as fetch's), without fetch's WHATWG layer (Request,
   * Response, Headers and web streams per call): every order calls the provider twice, in the worker's hot path.
   */
  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown, idempotencyKey?: string): Promise<T> {
    const what = `${method} ${path}`;
    let status: number;
    let text: string;
    try {
      const response = await request(baseUrl + path, {
        method,
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${options.apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        // The whole exchange, body included: the signal also ends a body that stops arriving.
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      const code = timedOut ? 'timeout' : 'network_error';
      const reason = timedOut ? `no answer within ${options.timeoutMs} ms` : (error as Error).message;
      throw new PaymentsError('retryable', code, `${what}: ${reason}`);
    }
    const payload = parseJson(text);
    if (status >= 200 && status < 300) {
      // A success we cannot read leaves the outcome unknown: repeating it under the same key is the safe move.
      if (payload === undefined) throw new PaymentsError('retryable', 'bad_response', `${what}: unreadable success body`, status);
      return payload as T;
    }
    const error = (payload as ErrorPayload | undefined)?.error;
    const code = error?.code ?? `http_${status}`;
    throw new PaymentsError(kindOf(status, error?.code), code, `${what}: ${error?.message ?? `HTTP ${status}`}`, status);
  }

  async function read<T>(path: string): Promise<T> {
    for (const delayMs of readRetryDelaysMs) {
      try {
        return await call<T>('GET', path);
      } catch (error) {
        if (!isMomentary(error)) throw error;
        await sleep(delayMs);
      }
    }
    return call<T>('GET', path);
  }

  const action = (name: string) => (authorizationId: string, idempotencyKey: string) =>
    call<Authorization>('POST', `/v1/authorizations/${encodeURIComponent(authorizationId)}/${name}`, {}, idempotencyKey);

  return {
    authorize: (input, idempotencyKey) => call<Authorization>('POST', '/v1/authorizations', input, idempotencyKey),
    capture: action('capture'),
    void: action('void'),
    refund: action('refund'),
    refundPart: (input, idempotencyKey) => call<Refund>('POST', '/v1/refunds', input, idempotencyKey),
    async listRefunds(authorizationId) {
      const page = await read<{ data: Refund[] }>(`/v1/refunds?authorizationId=${encodeURIComponent(authorizationId)}`);
      return page.data;
    },
    async get(authorizationId) {
      try {
        return await read<Authorization>(`/v1/authorizations/${encodeURIComponent(authorizationId)}`);
      } catch (error) {
        if (error instanceof PaymentsError && error.status === 404) return null;
        throw error;
      }
    },
    async listByReference(reference) {
      const page = await read<{ data: Authorization[] }>(`/v1/authorizations?reference=${encodeURIComponent(reference)}`);
      return page.data;
    },
  };
}
