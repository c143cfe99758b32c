/**
 * The Idempotency-Keys of the saga's own reversals of a payment. Provider events carry the key of the request that
 * caused them, so the service tells its own compensations from what was done at the provider by anyone else.
 */
export const sagaReversalKeys = (orderId: string, authorizationId: string) => ({
  void: `${orderId}:void:${authorizationId}`,
  refund: `${orderId}:refund:${authorizationId}`,
});

/** Whether a void or refund with this key was the saga's own. */
export const isSagaReversal = (idempotencyKey: string | null, orderId: string, authorizationId: string): boolean => {
  const keys = sagaReversalKeys(orderId, authorizationId);
  return idempotencyKey === keys.void || idempotencyKey === keys.refund;
};
