/**
 * The saga's coupon step (workflows/order.ts, redeemCoupon): right after the stock is reserved, the order takes one of
 * its buyer's claims; its undo gives the claim back. Both are idempotent MySQL statements (coupons/store.ts), so a
 * retried or replayed activity never uses two claims and never frees another order's.
 */
import type { MikroORM } from '@mikro-orm/core';
import { giveClaimBack, redeemClaim } from '../coupons/store';

export interface CouponRedemption {
  orderId: string;
  customerId: string;
  code: string;
}

export function createCouponActivities(orm: MikroORM) {
  return {
    /** The claim the order now holds, or null when its buyer holds no unused claim of the coupon. */
    async redeemCoupon(redemption: CouponRedemption): Promise<{ claimId: string } | null> {
      const claimId = await redeemClaim(orm, redemption);
      return claimId === null ? null : { claimId };
    },

    async giveCouponBack({ orderId }: { orderId: string }): Promise<void> {
      await giveClaimBack(orm, orderId);
    },
  };
}
