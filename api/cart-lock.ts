import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';

const LOCK_MS = 30_000;
const WAIT_MS = 15_000;
const POLL_MS = 20;
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/**
 * Runs one checkout of a cart at a time (a double click, a retry, a second client): the ones that wait then find the
 * cart checked out and answer its order as a replay, instead of each meeting the buyer's caps lock (429) or the
 * admission gate. Only for the answers' sake: the order id derived from the cart's version is what makes one order.
 * So a lock not had within WAIT_MS (its holder hangs) does not stop the checkout.
 */
export async function oneCheckoutAtATime<T>(redis: Redis, cartId: string, checkout: () => Promise<T>): Promise<T> {
  const key = `lock:cart-checkout:${cartId}`;
  const token = randomUUID();
  const giveUpAt = Date.now() + WAIT_MS;
  let held = false;
  while (!(held = (await redis.set(key, token, 'PX', LOCK_MS, 'NX')) === 'OK') && Date.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  try {
    return await checkout();
  } finally {
    if (held) await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
  }
}
