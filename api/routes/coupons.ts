import { Router } from 'express';
import type { MikroORM } from '@mikro-orm/core';
import { getProducts } from '../../db/catalogue';
import type { ExhaustedCoupons } from '../../coupons/exhausted-flags';
import type { CouponGate } from '../../coupons/gate';
import { claimCoupon, isActive } from '../../coupons/issuance';
import { createCoupon, disableCoupon, findCoupon, listCoupons, type Claim, type Coupon } from '../../coupons/store';
import { callerOf } from '../auth/middleware';
import { Problem, type ProblemAnswer } from '../problem';
import { recentReads } from '../recent-reads';
import type { ApiMetrics } from '../../telemetry/api-metrics';
import type { WebhookEmitter } from '../../webhooks/emitter';
import { couponCodeSchema, newCouponSchema, parse } from '../validation';

export interface CouponsRouterDeps {
  orm: MikroORM;
  gate: CouponGate;
  exhausted: ExhaustedCoupons;
  /** Counts the claims by outcome; none without it. */
  metrics?: ApiMetrics;
  /** Sends coupon.exhausted when a claim takes the last coupon; none without it. */
  webhooks?: WebhookEmitter;
}

/**
 * How old the coupon a claim is checked against (window, disabled) may be: a drop's claims share one MySQL read a
 * second instead of making one each. A coupon disabled through this process is read afresh at once; MySQL checks the
 * window and the disabling again when it records the claim, so a stale answer can only send a claim on to be refused.
 */
const COUPON_READ_MAX_AGE_MS = 1_000;

/** What every coupon answer shows: the definition and its counts from MySQL. */
export function presentCoupon(coupon: Coupon, now = new Date()) {
  return {
    code: coupon.code,
    name: coupon.name,
    percentOff: coupon.percentOff,
    amountOffCents: coupon.amountOffCents,
    quantity: coupon.quantity,
    perBuyer: coupon.perBuyer,
    issued: coupon.issued,
    redeemed: coupon.redeemed,
    remaining: coupon.quantity - coupon.issued,
    startsAt: coupon.startsAt?.toISOString() ?? null,
    endsAt: coupon.endsAt?.toISOString() ?? null,
    minTotalCents: coupon.minTotalCents,
    productIds: coupon.productIds,
    active: isActive(coupon, now),
    disabledAt: coupon.disabledAt?.toISOString() ?? null,
    createdAt: coupon.createdAt.toISOString(),
  };
}

/** A buyer's claim, with what the coupon gives. */
export function presentClaim(claim: Claim, coupon: Coupon) {
  return {
    claimId: claim.id,
    code: coupon.code,
    name: coupon.name,
    percentOff: coupon.percentOff,
    amountOffCents: coupon.amountOffCents,
    minTotalCents: coupon.minTotalCents,
    productIds: coupon.productIds,
    endsAt: coupon.endsAt?.toISOString() ?? null,
    claimedAt: claim.claimedAt.toISOString(),
  };
}

export const couponNotFound = (code: string) => new Problem('COUPON_NOT_FOUND', `coupon ${code} does not exist`, { field: 'path.code' });

/**
 * The refusal of a claim once every coupon is issued: from the flag, the gate or MySQL alike. The early refusal sends
 * the answer as is, without an Error (api/exhausted-coupon-refusal.ts); the routes throw it as a Problem.
 */
export const exhaustedAnswer = (code: string): ProblemAnswer => ({ code: 'COUPONS_EXHAUSTED', message: `every coupon ${code} has been issued`, extensions: { field: 'path.code' }, headers: {} });
export const exhaustedProblem = (code: string): Problem => Problem.from(exhaustedAnswer(code));

/** Admins register and disable coupons and read their counts; buyers claim them, first come, first served. */
export function couponsRouter({ orm, gate, exhausted, metrics, webhooks }: CouponsRouterDeps): Router {
  const router = Router();
  const coupons = recentReads((code: string) => findCoupon(orm, code), { maxAgeMs: COUPON_READ_MAX_AGE_MS });

  router.post('/', async (req, res) => {
    const body = parse(newCouponSchema, req.body, 'body');
    if (body.productIds) {
      const found = new Set((await getProducts(orm, body.productIds)).map((product) => product.id));
      const missing = body.productIds.findIndex((id) => !found.has(id));
      if (missing >= 0) throw new Problem('PRODUCT_NOT_FOUND', `product ${body.productIds[missing]} does not exist`, { field: `body.productIds.${missing}` });
    }
    const coupon = await createCoupon(orm, body);
    res.status(201).location(`/coupons/${coupon.code}`).json(presentCoupon(coupon));
  });

  router.get('/', async (_req, res) => {
    res.json({ data: (await listCoupons(orm)).map((coupon) => presentCoupon(coupon)) });
  });

  router.get('/:code', async (req, res) => {
    const code = parse(couponCodeSchema, req.params.code, 'path', 'code');
    const coupon = await findCoupon(orm, code);
    if (!coupon) throw couponNotFound(code);
    res.json(presentCoupon(coupon));
  });

  router.post('/:code/disable', async (req, res) => {
    const code = parse(couponCodeSchema, req.params.code, 'path', 'code');
    const coupon = await disableCoupon(orm, code);
    if (!coupon) throw couponNotFound(code);
    coupons.forget(code);
    res.json(presentCoupon(coupon));
  });

  router.post('/:code/claims', async (req, res) => {
    const code = parse(couponCodeSchema, req.params.code, 'path', 'code');
    // A coupon already known exhausted never gets here: api/exhausted-coupon-refusal.ts answers it from memory.
    const coupon = await coupons.read(code);
    if (!coupon) throw couponNotFound(code);
    const claimed = await claimCoupon(orm, gate, coupon, callerOf(res).sub, { webhooks });
    metrics?.couponClaims.inc({ outcome: claimed.outcome.toLowerCase(), decided_by: 'by' in claimed ? claimed.by : claimed.outcome === 'CLAIMED' ? 'database' : 'api' });
    switch (claimed.outcome) {
      case 'CLAIMED':
        res.status(201).json(presentClaim(claimed.claim, coupon));
        return;
      case 'EXHAUSTED':
        exhausted.mark(code);
        throw exhaustedProblem(code);
      case 'ALREADY_CLAIMED':
        throw new Problem('COUPON_ALREADY_CLAIMED', `you already hold ${coupon.perBuyer} claim(s) of coupon ${code}, as many as one buyer may`, { field: 'path.code', perBuyer: coupon.perBuyer });
      case 'NOT_ACTIVE':
        throw new Problem('COUPON_NOT_ACTIVE', `coupon ${code} is disabled or outside its window`, { field: 'path.code', startsAt: coupon.startsAt?.toISOString() ?? null, endsAt: coupon.endsAt?.toISOString() ?? null });
    }
  });

  return router;
}
