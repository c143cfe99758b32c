import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { AuthConfig } from '../config/auth';

/**
 * Order ids are unguessable: random without an Idempotency-Key, and with one an HMAC, under a server secret, of the
 * caller and the key. So the same caller's retry names the same order (and workflow: two racing copies can never start
 * two orders, and no store that a Redis flush could lose is needed), two callers using the same key never meet, and
 * nobody can compute an order id from what they send.
 */
export interface OrderIdScope {
  /** ORDER_ID_SECRET (see orderIdSecretOf). */
  secret: string;
  /** The caller's `sub`. */
  callerId: string;
}

export function orderIdFor(idempotencyKey: string | undefined, scope: OrderIdScope): string {
  if (idempotencyKey === undefined) return `ord_${randomUUID().replaceAll('-', '')}`;
  const mac = createHmac('sha256', scope.secret).update(`${scope.callerId}\n${idempotencyKey}`).digest('base64url');
  return `ord_k${mac.slice(0, 40)}`;
}

/**
 * The order a cart's checkout places: an HMAC of the cart and its version, so every checkout of one version (a double
 * click, a retry, a second client racing the first) names one order and one workflow, and a cart changed (a new
 * version) is a new order.
 */
export function cartOrderIdFor(cartId: string, version: number, secret: string): string {
  const mac = createHmac('sha256', secret).update(`cart\n${cartId}\n${version}`).digest('base64url');
  return `ord_c${mac.slice(0, 40)}`;
}

/** ORDER_ID_SECRET, or a key derived from AUTH_JWT_SECRET (never the JWT secret itself). */
export function orderIdSecretOf(config: Pick<AuthConfig, 'ORDER_ID_SECRET' | 'AUTH_JWT_SECRET'>): string {
  if (config.ORDER_ID_SECRET !== undefined) return config.ORDER_ID_SECRET;
  if (config.AUTH_JWT_SECRET === undefined) throw new Error('ORDER_ID_SECRET or AUTH_JWT_SECRET must be set');
  return createHmac('sha256', config.AUTH_JWT_SECRET).update('order-id-secret').digest('base64url');
}

/**
 * The payment update's id for a request sent with an Idempotency-Key: the same caller, key and payment token name the
 * same update, so a retry after a lost answer or a 503 joins the payment it repeats. Another token under the same key
 * is another payment (a new update), as it is without a key.
 */
export function paymentUpdateIdFor(idempotencyKey: string, scope: { callerId: string; paymentToken: string }): string {
  const digest = createHash('sha256').update(`${scope.callerId}\n${idempotencyKey}\n${scope.paymentToken}`).digest('base64url');
  return `payment-${digest.slice(0, 40)}`;
}
