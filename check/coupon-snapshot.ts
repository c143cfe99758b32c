import type { Redis } from 'ioredis';
import type { Sql } from '../db/sql';
import { select } from '../db/sql';
import { fromMysqlUtc } from '../db/sql';
import { couponLeftKey } from '../coupons/keys';
import type { OrderStatus } from '../workflows/order-types';
import type { CouponSnapshot } from './coupon-invariants';

type MysqlCoupon = Omit<CouponSnapshot, 'left'>;

/** Every coupon, its claims and the orders that redeemed them, in the caller's transaction (the snapshot's one view). */
export async function readCouponTables(em: Sql): Promise<MysqlCoupon[]> {
  const coupons = await select<{ id: number; code: string; quantity: number; issued: number; claims: number | string }>(
    em,
    'SELECT c.id, c.code, c.quantity, c.issued, (SELECT COUNT(*) FROM coupon_claim k WHERE k.coupon_id = c.id) AS claims FROM coupon c ORDER BY c.id',
  );
  const redeemed = await select<{ coupon_id: number; id: string; order_id: string; status: OrderStatus | null; redeemed_at: string | Date }>(
    em,
    `SELECT k.coupon_id, k.id, k.order_id, o.status, COALESCE(k.redeemed_at, k.claimed_at) AS redeemed_at
       FROM coupon_claim k LEFT JOIN orders o ON o.id = k.order_id WHERE k.order_id IS NOT NULL`,
  );
  return coupons.map((coupon) => ({
    id: Number(coupon.id),
    code: coupon.code,
    quantity: Number(coupon.quantity),
    issued: Number(coupon.issued),
    claims: Number(coupon.claims),
    redeemed: redeemed
      .filter((row) => Number(row.coupon_id) === Number(coupon.id))
      .map((row) => ({ claimId: row.id, orderId: row.order_id, orderStatus: row.status, redeemedAt: fromMysqlUtc(row.redeemed_at) })),
  }));
}

/** Redis's count of each coupon, read after MySQL. */
export async function withCouponCounts(redis: Redis, coupons: MysqlCoupon[]): Promise<CouponSnapshot[]> {
  if (coupons.length === 0) return [];
  const left = await redis.mget(coupons.map((coupon) => couponLeftKey(coupon.id)));
  return coupons.map((coupon, index) => ({ ...coupon, left: left[index] === null ? null : Number(left[index]) }));
}
