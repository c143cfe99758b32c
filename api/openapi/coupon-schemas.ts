import './zod-extension';
import { z } from 'zod';

/** What the coupon routes answer (api/routes/coupons.ts, api/routes/me.ts), for the OpenAPI document. */

export const couponResponse = z
  .object({
    code: z.string(),
    name: z.string(),
    percentOff: z.int().nullable(),
    amountOffCents: z.int().nullable(),
    quantity: z.int().min(1),
    perBuyer: z.int().min(1),
    issued: z.int().min(0).meta({ description: 'claims issued (never more than quantity)' }),
    redeemed: z.int().min(0).meta({ description: 'claims an order in flight or CONFIRMED has used' }),
    remaining: z.int().min(0).meta({ description: 'claims still to issue: quantity - issued' }),
    startsAt: z.string().nullable(),
    endsAt: z.string().nullable(),
    minTotalCents: z.int().nullable(),
    productIds: z.array(z.int()).nullable().meta({ description: 'the products it takes money off; null: every product' }),
    active: z.boolean().meta({ description: 'takes claims now: not disabled, and within its window' }),
    disabledAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'Coupon', description: 'A first-come coupon. Its discount is capped at redemption so an order still costs 1 cent, the smallest payment.' });

export const couponListResponse = z.object({ data: z.array(couponResponse) }).meta({ id: 'CouponList' });

export const claimResponse = z
  .object({
    claimId: z.string(),
    code: z.string(),
    name: z.string(),
    percentOff: z.int().nullable(),
    amountOffCents: z.int().nullable(),
    minTotalCents: z.int().nullable(),
    productIds: z.array(z.int()).nullable(),
    endsAt: z.string().nullable(),
    claimedAt: z.string(),
  })
  .meta({ id: 'CouponClaim', description: "A coupon issued to the calling buyer, until an order uses it" });

export const claimListResponse = z.object({ data: z.array(claimResponse) }).meta({ id: 'CouponClaimList' });
