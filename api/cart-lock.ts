import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';

const LOCK_MS = 30_000;
const WAIT_MS = 15_000;
const POLL_MS = 20;
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/**
 * Runs one change of a cart at a time, a checkout or a line change. Checkouts that wait (a double click, a retry, a
 * second client) then find the cart checked out and answer its order as a replay, instead of each meeting the buyer's
 * caps lock (429) or the admission gate. A line change waits for a checkout under way, so it lands before the checkout
 * reads the cart (and is in its order) or after it (409 CART_CHECKED_OUT), never between that read and the cart marked
 * checked out, which would leave an order placed and its cart open at a new version. The order id derived from the
 * cart's version is what makes one order per version, so a lock not had within WAIT_MS (its holder hangs) does not
 * stop the change.
 */
export async function oneCartChangeAtATime<T>(redis: Redis, cartId: string, change: () => Promise<T>): Promise<T> {
  const key = `lock:cart-checkout:${cartId}`;
  const token = randomUUID();
  const giveUpAt = Date.now() + WAIT_MS;
  let held = false;
  while (!(held = (await redis.set(key, token, 'PX', LOCK_MS, 'NX')) === 'OK') && Date.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  try {
    return await change();
  } finally {
    if (held) await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
  }
}
