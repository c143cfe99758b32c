import { availabilityKey } from '../inventory/keys';

/**
 * A drop's waiting room in Redis. Its keys carry the inventory's hash tag {inv}: admission reads the product's
 * availability in the same atomic step (Redis Cluster keeps them in one slot).
 */
export function queueKeys(productId: number) {
  const prefix = `{inv}:queue:${productId}`;
  return {
    /** hash: init, regatherUntil, tokens, tokensAt, lastScore, soldOut, admittedTotal, lapsedTotal */
    meta: `${prefix}:meta`,
    /** sorted set: waiting buyers by score (the lottery's draws in [0, 1), then arrivals after the start from 1 up) */
    waiting: `${prefix}:waiting`,
    /** sorted set: buyers holding an admission not yet ended, by when it lapses (ms) */
    admitted: `${prefix}:admitted`,
    /** hash: buyer → `code|place` once they leave the line: A admitted, U used by an order, E lapsed, L left */
    state: `${prefix}:state`,
    /** sorted set: buyers admitted in the last minute, by when (ms): the measured admission rate */
    rate: `${prefix}:rate`,
    /** hash: buyer → `min,max,rate` of the last estimate they were given (max -1: unknown) */
    eta: `${prefix}:eta`,
    available: availabilityKey(productId),
  };
}

export type QueueKeys = ReturnType<typeof queueKeys>;

/** The key order every waiting-room script takes (queue/scripts.ts). */
export const scriptKeys = (keys: QueueKeys): string[] => [keys.meta, keys.waiting, keys.admitted, keys.state, keys.rate, keys.eta, keys.available];
