import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { createPaymentsApp, type PaymentsAppOptions } from '../../payments/app';
import type { Authorization } from '../../payments/types';
import { OTHER_MERCHANT_API_KEY, TEST_PAYMENTS_API_KEY } from '../support/payments-keys';

export interface StandIn {
  baseUrl: string;
  close(): Promise<void>;
}

/** A fresh stand-in (empty books) on an ephemeral port of 127.0.0.1, knowing the tests' two merchants unless told. */
export async function startStandIn(options: Partial<PaymentsAppOptions> = {}): Promise<StandIn> {
  const server = createServer(createPaymentsApp({ apiKeys: [TEST_PAYMENTS_API_KEY, OTHER_MERCHANT_API_KEY], ...options }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * A fresh stand-in for each test of the file (its books empty at every test's start), closed after the test. Read
 * `baseUrl` inside tests (it exists once beforeEach has run).
 */
export function standInForEachTest(options: Partial<PaymentsAppOptions> = {}): { readonly baseUrl: string } {
  let standIn: StandIn | undefined;
  beforeEach(async () => {
    standIn = await startStandIn(options);
  });
  afterEach(() => standIn?.close());
  return {
    get baseUrl() {
      if (!standIn) throw new Error('the stand-in starts in beforeEach');
      return standIn.baseUrl;
    },
  };
}

export interface Answer {
  status: number;
  body: any;
  replayed: boolean;
}

export async function request(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; key?: string; contentType?: string; timeoutMs?: number; apiKey?: string | null } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  // The service's merchant unless told otherwise; null sends no key at all.
  const apiKey = options.apiKey === undefined ? TEST_PAYMENTS_API_KEY : options.apiKey;
  if (apiKey !== null) headers.authorization = `Bearer ${apiKey}`;
  if (options.key !== undefined) headers['idempotency-key'] = options.key;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(baseUrl + path, {
    method,
    headers,
    body,
    signal: options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed, replayed: response.headers.get('idempotent-replayed') === 'true' };
}

export async function ledger(baseUrl: string): Promise<Authorization[]> {
  return (await request(baseUrl, 'GET', '/v1/ledger')).body.authorizations;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
