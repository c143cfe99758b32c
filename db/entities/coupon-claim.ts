import { EntitySchema, type Opt } from '@mikro-orm/core';
import { CouponEntity, type CouponRow } from './coupon';

/**
 * One coupon issued to one buyer. `orderId` is the order that redeemed it: NULL while it is unused (claimed, or given
 * back by a compensation), set by the saga's redemption step. Unique, so one claim serves at most one order and one
 * order redeems at most one claim.
 */
export interface CouponClaimRow {
  id: string;
  coupon: CouponRow;
  customerId: string;
  claimedAt: Date & Opt;
  orderId: string | null;
  redeemedAt: Date | null;
}

export const CouponClaimEntity = new EntitySchema<CouponClaimRow>({
  name: 'CouponClaim',
  tableName: 'coupon_claim',
  uniques: [{ name: 'coupon_claim_order_unique', properties: ['orderId'] }],
  indexes: [
    { name: 'coupon_claim_coupon_customer_idx', properties: ['coupon', 'customerId'] },
    { name: 'coupon_claim_customer_idx', properties: ['customerId', 'claimedAt'] },
  ],
  properties: {
    id: { type: 'string', length: 40, primary: true },
    coupon: { kind: 'm:1', entity: () => CouponEntity },
    customerId: { type: 'string', length: 255 },
    claimedAt: { type: 'datetime', length: 3, onCreate: () => new Date() },
    orderId: { type: 'string', length: 64, nullable: true },
    redeemedAt: { type: 'datetime', length: 3, nullable: true },
  },
});
