import { createHmac, randomUUID } from 'node:crypto';

/**
 * Refund and return ids, like order ids (order-ids.ts): with an Idempotency-Key an HMAC under the server secret, so
 * a retried request names the same refund or return (and the same workflow update: it joins instead of repeating),
 * and nobody can compute one from what they send. A refund id is also the provider's idempotency key.
 */
const mac = (secret: string, ...parts: string[]) => createHmac('sha256', secret).update(parts.join('\n')).digest('base64url').slice(0, 40);

export const refundIdFor = (secret: string, orderId: string, idempotencyKey: string): string => `rf_k${mac(secret, 'refund', orderId, idempotencyKey)}`;

export function returnIdFor(secret: string, orderId: string, callerId: string, idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return `ret_${randomUUID().replaceAll('-', '')}`;
  return `ret_k${mac(secret, 'return', orderId, callerId, idempotencyKey)}`;
}
