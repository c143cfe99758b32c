/**
 * Bearer tokens for the benchmarks: every buyer of a drop is a distinct customer with a token of their own, signed
 * with the stack's AUTH_JWT_SECRET. Signed synchronously (HS256 is one HMAC) because autocannon builds each request
 * synchronously; the API verifies them with jose like any other token.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Role } from '../api/auth/roles';

/** The secret of every stack this process starts. */
export const BENCH_AUTH_SECRET = randomBytes(32).toString('base64url');
/** The service's key at the payment stand-in of every stack this process starts (PAYMENTS_API_KEY). */
export const BENCH_PAYMENTS_API_KEY = `sk_bench_${randomBytes(24).toString('base64url')}`;
/** The secret the stand-in signs its events to the API with (PAYMENTS_WEBHOOK_SECRET). */
export const BENCH_PAYMENTS_WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

export function benchToken(sub: string, roles: Role[]): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = Buffer.from(JSON.stringify({ sub, roles, iat: now, exp: now + 6 * 3_600 })).toString('base64url');
  const signature = createHmac('sha256', BENCH_AUTH_SECRET).update(`${HEADER}.${payload}`).digest('base64url');
  return `${HEADER}.${payload}.${signature}`;
}

/** `authorization` header of a buyer (customer role, sub = the customer id). */
export const buyerAuth = (customerId: string): Record<string, string> => ({ authorization: `Bearer ${benchToken(customerId, ['customer'])}` });

/** `authorization` header of the catalogue admin (setup calls). */
export const adminAuth = (): Record<string, string> => ({ authorization: `Bearer ${benchToken('bench-admin', ['admin'])}` });
