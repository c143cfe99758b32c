/** The one door to the API: every call goes through `api`, which adds the bearer token when the page holds one. */
import { currentSession } from './session';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

export interface CallOptions {
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** More request headers (e.g. Queue-Ticket: a waiting room's ticket travels in a header, never in a URL). */
  headers?: Record<string, string>;
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const session = currentSession();
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  Object.assign(headers, options.headers);
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: options.signal });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { detail: text };
  }
  if (!response.ok) {
    const code = typeof parsed.code === 'string' ? parsed.code : `HTTP_${response.status}`;
    const detail = typeof parsed.detail === 'string' ? parsed.detail : response.statusText;
    throw new ApiError(response.status, code, detail, parsed);
  }
  return parsed as T;
}
