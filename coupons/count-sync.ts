import type { MikroORM } from '@mikro-orm/core';
import type { CouponGate } from './gate';
import { readCouponCounts } from './store';

/**
 * Rebuilds a coupon's count and buyers in Redis from MySQL when Redis has lost them, by the rule stock follows
 * (inventory/availability-sync.ts): Redis's epoch is read before MySQL, and the rebuild applies only if it is unchanged,
 * so a flush while MySQL is read makes the view stale and it is read again. A live count is never touched.
 * Returns false for a coupon that does not exist.
 */
export async function rebuildCouponCount(orm: MikroORM, gate: CouponGate, couponId: number): Promise<boolean> {
  for (let attempt = 1; ; attempt += 1) {
    const epoch = await gate.epoch();
    const counts = await readCouponCounts(orm, couponId);
    if (counts === null) return false;
    const outcome = await gate.rebuild(counts, epoch);
    if (outcome !== 'FLUSHED') return true;
    if (attempt === 5) throw new Error(`coupon ${couponId}: Redis was flushed during each of ${attempt} rebuilds`);
  }
}

/**
 * Brings Redis in line with MySQL after they drifted (the reconciler): the count is dropped and rebuilt by the same
 * rule, never overwritten with a computed number. Returns the rebuilt count of claims left.
 */
export async function resyncCouponCount(orm: MikroORM, gate: CouponGate, couponId: number): Promise<number | null> {
  await gate.forget(couponId);
  await rebuildCouponCount(orm, gate, couponId);
  return gate.left(couponId);
}
