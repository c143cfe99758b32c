/**
 * Coupons in the fault run. Before the load, staff register two coupons for the run through the API: a small
 * first-come drop (one per buyer, fewer than the buyers who want it, so it runs out mid-run) and a plentiful one (two
 * per buyer). Some buyers claim one at arrival, then order with it; some claim and never use it. A buyer who cancels
 * an order that used a coupon gets the claim back from the cancel's compensation and orders again with it at once (that
 * second order is left to expire, so its compensation gives the claim back once more). The kills, flushes and restarts
 * of the run fall on these requests as on every other; chaos/coupon-verdict.ts judges what they left.
 */
import type { Answer, ApiClient, BuyerRecord } from './buyers';
import type { Rng } from './random';

/** `cancel`: claims, orders with it, cancels (whatever the buyer's drawn intent), then orders again with the claim. */
const COUPON_USE_MIX = { none: 58, order: 24, cancel: 8, 'claim-only': 10 } as const;
export type CouponUse = keyof typeof COUPON_USE_MIX;
export type RunCouponKind = 'drop' | 'plenty';

export interface CouponPlan {
  use: CouponUse;
  coupon: RunCouponKind;
}

export interface RunCoupon {
  kind: RunCouponKind;
  code: string;
  quantity: number;
  perBuyer: number;
}

/** What happened to a buyer's coupon, as the answers told it. */
export interface CouponRecord {
  code: string;
  /** The claim's answer: CLAIMED (201, or 409 COUPON_ALREADY_CLAIMED after an unanswered first try), EXHAUSTED, or what else came. */
  claim: 'CLAIMED' | 'EXHAUSTED' | 'UNANSWERED' | 'UNEXPECTED';
  claimAnswer: string;
  /** Whether the buyer's order named the coupon. */
  ordered: boolean;
  /** The order placed again with the claim a cancel gave back, and the answer to that placement. */
  again?: { orderId: string; answer: string };
}

/** Drawn from a stream of its own, so every seed's other draws stay what they were before coupons joined the run. */
export function planCoupon(rng: Rng): CouponPlan {
  return { use: rng.weighted(COUPON_USE_MIX), coupon: rng.chance(0.5) ? 'drop' : 'plenty' };
}

/** The run's coupons: the drop issues about one for every twelve buyers, so the buyers who want it run it out. */
export function runCoupons(seed: number, orders: number): RunCoupon[] {
  return [
    { kind: 'drop', code: `C${seed}-DROP`, quantity: Math.max(2, Math.round(orders / 12)), perBuyer: 1 },
    { kind: 'plenty', code: `C${seed}-PLENTY`, quantity: orders * 2, perBuyer: 2 },
  ];
}

/** Registers the run's coupons as an admin would (a 409 COUPON_CODE_TAKEN after a lost answer is the same coupon). */
export async function registerRunCoupons(api: ApiClient, coupons: RunCoupon[]): Promise<void> {
  const admin = await api.authorization('admin');
  for (const coupon of coupons) {
    const discount = coupon.kind === 'drop' ? { percentOff: 20 } : { amountOffCents: 400 };
    const body = { code: coupon.code, name: `Fault run ${coupon.kind}`, quantity: coupon.quantity, perBuyer: coupon.perBuyer, ...discount };
    let answer: Answer | string = 'NOT_SENT';
    for (let attempt = 0; attempt < 10; attempt += 1) {
      answer = await api.request('POST', '/coupons', body, admin);
      if (typeof answer !== 'string' && answer.status < 500) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const registered = typeof answer !== 'string' && (answer.status === 201 || (answer.status === 409 && answer.body?.code === 'COUPON_CODE_TAKEN'));
    if (!registered) throw new Error(`the run's coupon ${coupon.code} could not be registered: ${typeof answer === 'string' ? answer : `${answer.status} ${JSON.stringify(answer.body)}`}`);
  }
}

type Send = (what: string, request: () => Promise<Answer | string>) => Promise<Answer | string>;

/**
 * A buyer's claim, repeated while unanswered. A claim is not idempotent: when an earlier try went unanswered, a 409
 * (already claimed, or exhausted since) does not say whether that try was recorded, so the buyer asks `GET /me/coupons`,
 * as a storefront would.
 */
export async function claimFor(code: string, api: ApiClient, auth: Record<string, string>, send: Send, record: BuyerRecord): Promise<CouponRecord> {
  const before = record.events.length;
  const answer = await send('POST /coupons/:code/claims', () => api.request('POST', `/coupons/${code}/claims`, undefined, auth));
  const describe = typeof answer === 'string' ? answer : `${answer.status}${answer.body?.code ? ` ${answer.body.code}` : ''}`;
  const coupon: CouponRecord = { code, claim: 'UNEXPECTED', claimAnswer: describe, ordered: false };
  const triedBefore = record.events.length - before > 1;
  if (typeof answer === 'string' || answer.status >= 500) coupon.claim = 'UNANSWERED';
  else if (answer.status === 201) coupon.claim = 'CLAIMED';
  else if (answer.status === 409 && triedBefore && (await holdsUnused(code, api, auth, send))) coupon.claim = 'CLAIMED';
  else if (answer.status === 409 && answer.body?.code === 'COUPONS_EXHAUSTED') coupon.claim = 'EXHAUSTED';
  return coupon;
}

/** Whether `GET /me/coupons` lists an unused claim of the coupon (null: no answer). */
export async function holdsUnused(code: string, api: ApiClient, auth: Record<string, string>, send: Send): Promise<boolean | null> {
  const answer = await send('GET /me/coupons', () => api.request('GET', '/me/coupons', undefined, auth));
  if (typeof answer === 'string' || answer.status !== 200) return null;
  return (answer.body?.data as Array<{ code: string }> | undefined)?.some((claim) => claim.code === code) ?? false;
}
