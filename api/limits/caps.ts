import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { LimitsConfig } from '../../config/limits';
import { driverOf } from '../../db/driver';
import { select } from '../../db/sql';
import { Problem } from '../problem';

const LOCK_MS = 15_000;
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/**
 * The per-buyer caps of a drop, checked before an order is placed: units of each product across the buyer's unpaid
 * and confirmed orders (LIMIT_UNITS_PER_PRODUCT) and unpaid orders open (LIMIT_UNPAID_ORDERS). The check and the
 * placement run under a per-buyer lock in Redis, so a buyer's concurrent requests cannot both pass; a second one
 * while the first is placed gets 429 with Retry-After 1. Returns the release of the lock.
 */
export async function holdBuyerCaps(
  deps: { orm: MikroORM; redis: Redis; limits: LimitsConfig },
  customerId: string,
  items: Array<{ productId: number; quantity: number }>,
): Promise<() => Promise<void>> {
  const { orm, redis, limits } = deps;
  if (limits.LIMIT_UNITS_PER_PRODUCT === 0 && limits.LIMIT_UNPAID_ORDERS === 0) return async () => undefined;
  const lockKey = `lock:buyer:${customerId}`;
  const token = randomUUID();
  if ((await redis.set(lockKey, token, 'PX', LOCK_MS, 'NX')) !== 'OK') {
    throw new Problem('RATE_LIMITED', 'another order of yours is being placed; retry in a moment', { field: 'header.Authorization' }, { 'Retry-After': '1' });
  }
  const release = async () => {
    await redis.eval(RELEASE, 1, lockKey, token).catch(() => undefined);
  };
  try {
    await assertWithinCaps(orm, limits, customerId, items);
    return release;
  } catch (error) {
    await release();
    throw error;
  }
}

/**
 * Both caps from one statement (one round trip, on the driver: every placement asks): a row with product_id NULL
 * counts the buyer's unpaid orders, one row per product of the order the units the buyer already holds of it.
 */
async function assertWithinCaps(orm: MikroORM, limits: LimitsConfig, customerId: string, items: Array<{ productId: number; quantity: number }>): Promise<void> {
  const productIds = items.map((item) => item.productId);
  const parts: string[] = [];
  const params: unknown[] = [];
  if (limits.LIMIT_UNPAID_ORDERS > 0) {
    parts.push("SELECT NULL AS product_id, COUNT(*) AS n FROM orders WHERE customer_id = ? AND status IN ('PENDING', 'RESERVED')");
    params.push(customerId);
  }
  if (limits.LIMIT_UNITS_PER_PRODUCT > 0) {
    parts.push(`SELECT l.product_id, SUM(l.quantity) AS n FROM order_line l JOIN orders o ON o.id = l.order_id
       WHERE o.customer_id = ? AND o.status IN ('PENDING', 'RESERVED', 'CONFIRMED') AND l.product_id IN (${productIds.map(() => '?').join(', ')})
       GROUP BY l.product_id`);
    params.push(customerId, ...productIds);
  }
  const rows = await select<{ product_id: number | null; n: number | string }>(driverOf(orm), parts.join(' UNION ALL '), params);
  const unpaid = Number(rows.find((row) => row.product_id === null)?.n ?? 0);
  if (limits.LIMIT_UNPAID_ORDERS > 0 && unpaid >= limits.LIMIT_UNPAID_ORDERS) {
    throw new Problem('UNPAID_ORDERS_LIMIT_REACHED', `you have ${unpaid} unpaid order(s) open, the most one buyer may; pay or cancel one first`, {
      limit: limits.LIMIT_UNPAID_ORDERS,
    });
  }
  if (limits.LIMIT_UNITS_PER_PRODUCT > 0) {
    const heldOf = new Map(rows.filter((row) => row.product_id !== null).map((row) => [Number(row.product_id), Number(row.n)]));
    items.forEach((item, index) => {
      const already = heldOf.get(item.productId) ?? 0;
      if (already + item.quantity > limits.LIMIT_UNITS_PER_PRODUCT) {
        throw new Problem('UNIT_LIMIT_REACHED', `one buyer may hold at most ${limits.LIMIT_UNITS_PER_PRODUCT} unit(s) of product ${item.productId}; you hold ${already}`, {
          field: `body.items.${index}.quantity`,
          productId: item.productId,
          limit: limits.LIMIT_UNITS_PER_PRODUCT,
        });
      }
    });
  }
}
