import type { MikroORM } from '@mikro-orm/core';
import { discountCents } from '../coupons/discount';
import { isActive } from '../coupons/issuance';
import { findCoupon, holdsClaimFor } from '../coupons/store';
import type { AppliedCoupon, OrderLine } from '../workflows/order-types';
import { Problem } from './problem';

/**
 * The coupon an order names, checked before any stock is held: it exists, is active, the buyer holds an unused claim
 * of it (or this order already redeemed one: a retry), it covers one of the order's products, and the order reaches its minimum. Answers what it takes off (capped so
 * the order still costs the smallest payment: coupons/discount.ts). The workflow's redemption step takes the claim; a
 * claim gone meanwhile (another order of the buyer's used it) makes the workflow reject the order and undo its hold.
 */
export async function couponForOrder(
  orm: MikroORM,
  { orderId, customerId }: { orderId: string; customerId: string },
  code: string,
  priced: { lines: OrderLine[]; totalCents: number },
  now = new Date(),
): Promise<AppliedCoupon> {
  const field = 'body.couponCode';
  const coupon = await findCoupon(orm, code);
  if (!coupon) throw new Problem('COUPON_NOT_FOUND', `coupon ${code} does not exist`, { field });
  if (!isActive(coupon, now)) throw new Problem('COUPON_NOT_ACTIVE', `coupon ${code} is disabled or outside its window`, { field });
  if (!(await holdsClaimFor(orm, customerId, coupon.id, orderId))) {
    throw new Problem('COUPON_NOT_CLAIMED', `you hold no unused claim of coupon ${code}: claim it first (POST /coupons/${code}/claims), or it is used by another order`, { field });
  }
  if (coupon.productIds !== null && !priced.lines.some((line) => coupon.productIds!.includes(line.productId))) {
    throw new Problem('COUPON_NOT_APPLICABLE', `coupon ${code} covers none of the order's products`, { field, productIds: coupon.productIds });
  }
  if (coupon.minTotalCents !== null && priced.totalCents < coupon.minTotalCents) {
    throw new Problem('COUPON_NOT_APPLICABLE', `coupon ${code} needs an order of at least ${coupon.minTotalCents} cents; this one totals ${priced.totalCents}`, {
      field,
      minTotalCents: coupon.minTotalCents,
    });
  }
  return { code, discountCents: discountCents(coupon, priced.lines) };
}
