/**
 * I7 coupons, a pure check on a snapshot (check/coupon-snapshot.ts reads it), as the other invariants are:
 *   - issued <= quantity for every coupon, and the claims recorded are exactly `issued` (no claim outside the count);
 *   - redeemed <= issued;
 *   - every redeemed claim belongs to exactly one order (the unique key on coupon_claim.order_id makes "one" hold; the
 *     check sees the order) that is CONFIRMED or in flight (PENDING, RESERVED): an order that ended otherwise must have
 *     given its claim back. A claim redeemed by an order MySQL does not know yet is a warning for VISIBILITY_GRACE_MS
 *     (its workflow redeems before its first record may land), a breach after;
 *   - the Redis count, when loaded, is quantity - issued: a difference is a warning (claims being recorded move it;
 *     the reconciler repairs drift), below zero a breach.
 */
import type { OrderStatus } from '../workflows/order-types';
import type { Finding } from './invariants';

export interface CouponSnapshot {
  id: number;
  code: string;
  quantity: number;
  /** coupon.issued. */
  issued: number;
  /** coupon_claim rows of the coupon. */
  claims: number;
  /** Claims an order has redeemed, with that order's status (null: no order row). */
  redeemed: Array<{ claimId: string; orderId: string; orderStatus: OrderStatus | null; redeemedAt: Date }>;
  /** Redis's count of claims left; null when not loaded. */
  left: number | null;
}

const VISIBILITY_GRACE_MS = 10_000;
const USING: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['PENDING', 'RESERVED', 'CONFIRMED']);

export function checkI7(coupons: readonly CouponSnapshot[], takenAt: Date): Finding[] {
  const findings: Finding[] = [];
  const breach = (message: string): void => void findings.push({ invariant: 'I7', severity: 'breach', message });
  const warn = (message: string): void => void findings.push({ invariant: 'I7', severity: 'warning', message });
  for (const coupon of coupons) {
    const name = `coupon ${coupon.code}`;
    if (coupon.issued > coupon.quantity) breach(`${name}: ${coupon.issued} issued, more than its quantity ${coupon.quantity}`);
    if (coupon.claims !== coupon.issued) breach(`${name}: ${coupon.claims} claims recorded, but issued says ${coupon.issued}`);
    if (coupon.redeemed.length > coupon.issued) breach(`${name}: ${coupon.redeemed.length} redeemed, more than the ${coupon.issued} issued`);
    for (const { claimId, orderId, orderStatus, redeemedAt } of coupon.redeemed) {
      if (orderStatus !== null && USING.has(orderStatus)) continue;
      const message = `${name}: claim ${claimId} is redeemed by order ${orderId}, which is ${orderStatus ?? 'not recorded'}: the claim should have been given back`;
      if (orderStatus === null && takenAt.getTime() - redeemedAt.getTime() < VISIBILITY_GRACE_MS) warn(message);
      else findings.push({ invariant: 'I7', severity: 'breach', orderId, orderStatus: orderStatus ?? 'UNKNOWN', message });
    }
    if (coupon.left !== null && coupon.left < 0) breach(`${name}: Redis counts ${coupon.left} claims left`);
    else if (coupon.left !== null && coupon.left !== coupon.quantity - coupon.issued) {
      warn(`${name}: Redis counts ${coupon.left} claims left, MySQL ${coupon.quantity - coupon.issued} (claims being recorded, or drift the reconciler repairs)`);
    }
  }
  return findings;
}
