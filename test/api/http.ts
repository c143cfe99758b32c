/** Small helpers the API tests share: requests with global fetch, the problem document check, polling, MySQL reads. */
import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import { forkSql, select } from '../../db/sql';
import type { Authorization } from '../../payments/types';
import { ADMIN, buyer, OPERATOR, tokenFor, type As } from '../support/auth';
import { TEST_PAYMENTS_API_KEY } from '../support/payments-keys';
import { expectPaymentFailuresOf } from '../support/temporal-warnings';
import { assertMatchesContract } from './contract';

export interface Answer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: any;
  contentType: string;
}

export interface RequestOptions {
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (with content-type application/json unless told otherwise). */
  raw?: string | Uint8Array;
  headers?: Record<string, string>;
  idempotencyKey?: string;
  /**
   * Who calls: a caller (a token is signed for it), 'anonymous' (no Authorization header), or by default 'auto':
   * the caller the route is meant for. Catalogue writes: admin. POST /orders: the buyer its body's customerId names.
   * An order's routes: the buyer who placed it (learned from earlier answers), else an operator. Anything else: an
   * operator. So every test runs authenticated as the right role unless it says otherwise.
   */
  as?: As | 'anonymous' | 'auto';
}

/** Order id → the customer who placed it, from every answer seen (any test file's requests in this process). */
const owners = new Map<string, string>();
const DEFAULT_BUYER = 'test-buyer';

/** A request's body as sent: parsed when it is raw JSON text, undefined when it is not JSON. */
function sentJson(body: unknown): unknown {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return body;
  try {
    return JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  } catch {
    return undefined;
  }
}

function customerIdIn(body: unknown): string | undefined {
  const customerId = (sentJson(body) as { customerId?: unknown } | null)?.customerId;
  // Only an id a token can carry: a malformed customerId is for the validation tests, sent by the default buyer.
  return typeof customerId === 'string' && /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/.test(customerId) ? customerId : undefined;
}

/** The caller 'auto' picks for a request (see RequestOptions.as). */
export function autoCaller(method: string, path: string, body: unknown): As {
  const [pathname, query = ''] = path.split('?');
  if (pathname.startsWith('/products')) return method === 'GET' ? buyer(DEFAULT_BUYER) : ADMIN;
  if (pathname === '/orders' || pathname === '/orders/') {
    if (method === 'POST') return buyer(customerIdIn(body) ?? DEFAULT_BUYER);
    const customerId = new URLSearchParams(query).get('customerId');
    return customerId ? buyer(customerId) : OPERATOR;
  }
  const orderId = /^\/orders\/([^/]+)/.exec(pathname)?.[1];
  const owner = orderId === undefined ? undefined : owners.get(orderId);
  if (owner !== undefined) return buyer(owner);
  // Only buyers pay: an order the helper has not seen is paid by the default buyer (who gets 404 unless it is theirs).
  return method === 'POST' && pathname.endsWith('/payment') ? buyer(DEFAULT_BUYER) : OPERATOR;
}

function learnOwners(body: unknown): void {
  const orders = [body, (body as { order?: unknown } | null)?.order, ...(((body as { data?: unknown } | null)?.data as unknown[] | undefined) ?? [])];
  for (const order of orders) {
    const { id, customerId } = (order ?? {}) as { id?: unknown; customerId?: unknown };
    if (typeof id === 'string' && id.startsWith('ord_') && typeof customerId === 'string') owners.set(id, customerId);
  }
}

export async function call(baseUrl: string, method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: string | Uint8Array | undefined;
  if (options.json !== undefined) body = JSON.stringify(options.json);
  if (options.raw !== undefined) body = options.raw;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
  const as = options.as ?? 'auto';
  if (as !== 'anonymous') {
    const caller = as === 'auto' ? autoCaller(method, path, options.json ?? options.raw) : as;
    headers.authorization = `Bearer ${await tokenFor(caller)}`;
  }
  Object.assign(headers, options.headers);
  // A payment with a token the stand-in fails on purpose: the SDK's warnings for that failure are expected.
  const paymentToken = (sentJson(options.json ?? options.raw) as { paymentToken?: unknown } | null)?.paymentToken;
  if (method === 'POST' && path.endsWith('/payment') && typeof paymentToken === 'string') expectPaymentFailuresOf(paymentToken);
  const response = await fetch(baseUrl + path, { method, headers, body, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  learnOwners(parsed);
  const answer = { status: response.status, headers: response.headers, body: parsed, contentType: response.headers.get('content-type') ?? '' };
  // Every answer the tests see is held to the OpenAPI document (on the path as sent: fetch resolves `%2e%2e` and the like).
  assertMatchesContract(method, new URL(baseUrl + path).pathname, answer);
  return answer;
}

/** A client bound to one service's base URL. */
export function apiClient(baseUrl: string) {
  return {
    get: (path: string, options?: RequestOptions) => call(baseUrl, 'GET', path, options),
    post: (path: string, json?: unknown, options: RequestOptions = {}) => call(baseUrl, 'POST', path, { json, ...options }),
    call: (method: string, path: string, options?: RequestOptions) => call(baseUrl, method, path, options),
  };
}
export type ApiClient = ReturnType<typeof apiClient>;

/** An RFC 9457 problem document as this API writes it: the media type, a stable code, a detail, the status echoed. */
export function expectProblem(answer: Answer, status: number, code?: string): void {
  const summary = `${answer.status} ${JSON.stringify(answer.body)}`;
  expect({ status: answer.status, summary }).toEqual({ status, summary });
  expect(answer.contentType).toMatch(/^application\/problem\+json\b/);
  expect(answer.body).toEqual(
    expect.objectContaining({
      status,
      code: code ?? expect.stringMatching(/^[A-Z][A-Z_]+$/),
      detail: expect.any(String),
      type: expect.any(String),
      title: expect.any(String),
    }),
  );
}

/** Retries an assertion until it passes or `timeoutMs` is up (then its last failure is thrown). */
export async function eventually<T>(assertion: () => Promise<T>, timeoutMs = 10_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(intervalMs);
    }
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A name no other test or run uses: for skus and customer ids. */
export const unique = (label: string) => `${label}-${randomUUID().slice(0, 12)}`;

/** Rows in `orders`, read straight from MySQL (past any identity map). */
export async function countOrderRows(orm: MikroORM, where: { id?: string; customerId?: string; customerIdPrefix?: string }): Promise<number> {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (where.id !== undefined) {
    clauses.push('id = ?');
    params.push(where.id);
  }
  if (where.customerId !== undefined) {
    clauses.push('customer_id = ?');
    params.push(where.customerId);
  }
  if (where.customerIdPrefix !== undefined) {
    clauses.push('customer_id LIKE ?');
    params.push(`${where.customerIdPrefix.replace(/[\\%_]/g, '\\$&')}%`);
  }
  const [row] = await select<{ n: number | string }>(forkSql(orm), `SELECT COUNT(*) AS n FROM orders WHERE ${clauses.join(' AND ') || '1 = 1'}`, params);
  return Number(row.n);
}

export async function countProductRows(orm: MikroORM, skuPrefix: string): Promise<number> {
  const [row] = await select<{ n: number | string }>(forkSql(orm), 'SELECT COUNT(*) AS n FROM product WHERE sku LIKE ?', [
    `${skuPrefix.replace(/[\\%_]/g, '\\$&')}%`,
  ]);
  return Number(row.n);
}

/** Every authorization the payments stand-in has made. */
export async function ledger(paymentsBaseUrl: string): Promise<Authorization[]> {
  const response = await fetch(`${paymentsBaseUrl}/v1/ledger`, { headers: { authorization: `Bearer ${TEST_PAYMENTS_API_KEY}` } });
  return ((await response.json()) as { authorizations: Authorization[] }).authorizations;
}
