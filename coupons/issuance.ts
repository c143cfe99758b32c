import type { MikroORM } from '@mikro-orm/core';
import { rebuildCouponCount } from './count-sync';
import type { CouponGate } from './gate';
import { recordClaim, type Claim, type Coupon } from './store';

export type ClaimOutcome =
  | { outcome: 'CLAIMED'; claim: Claim }
  /** `by`: who refused, the gate (Redis) or MySQL behind it; MySQL refuses only what the gate miscounted. */
  | { outcome: 'EXHAUSTED' | 'ALREADY_CLAIMED'; by: 'gate' | 'database' }
  | { outcome: 'NOT_ACTIVE' };

/** Whether the coupon takes claims at `now`: not disabled, and within its window (startsAt inclusive, endsAt not). */
export function isActive(coupon: Pick<Coupon, 'disabledAt' | 'startsAt' | 'endsAt'>, now: Date): boolean {
  return coupon.disabledAt === null && (coupon.startsAt === null || coupon.startsAt <= now) && (coupon.endsAt === null || coupon.endsAt > now);
}

/**
 * One buyer's claim of a coupon, first come first served: Redis's gate decides in one atomic step, then MySQL records
 * the claim (and refuses it itself past the quantity or the buyer's share). A count Redis has lost is rebuilt from
 * MySQL first. When MySQL does not record a claim the gate took, the gate gets back what MySQL did not confirm, unless
 * Redis lost its data since (its rebuild never counted the claim).
 */
export async function claimCoupon(orm: MikroORM, gate: CouponGate, coupon: Coupon, customerId: string, now = new Date()): Promise<ClaimOutcome> {
  if (!isActive(coupon, now)) return { outcome: 'NOT_ACTIVE' };
  let taken = await gate.claim(coupon.id, customerId, coupon.perBuyer);
  if (taken.outcome === 'NOT_LOADED') {
    await rebuildCouponCount(orm, gate, coupon.id);
    taken = await gate.claim(coupon.id, customerId, coupon.perBuyer);
    if (taken.outcome === 'NOT_LOADED') throw new Error(`coupon ${coupon.code}: its count could not be loaded into Redis`);
  }
  if (taken.outcome !== 'TAKEN') return { outcome: taken.outcome, by: 'gate' };
  const { epoch } = taken;
  let recorded;
  try {
    recorded = await recordClaim(orm, coupon.id, customerId);
  } catch (error) {
    // Most likely not recorded (a commit whose answer was lost leaves Redis one high, which MySQL's own check covers).
    await gate.giveBack(coupon.id, customerId, epoch, { count: true, share: true });
    throw error;
  }
  switch (recorded.outcome) {
    case 'CLAIMED':
      return recorded;
    case 'EXHAUSTED':
      // Redis counted one claim too many left: the claim it took stays taken, which corrects it; the buyer's share is theirs.
      await gate.giveBack(coupon.id, customerId, epoch, { count: false, share: true });
      return { outcome: 'EXHAUSTED', by: 'database' };
    case 'ALREADY_CLAIMED':
      // Redis had not counted this buyer's claims (a flush): the share it added is right, the coupon it took is not.
      await gate.giveBack(coupon.id, customerId, epoch, { count: true, share: false });
      return { outcome: 'ALREADY_CLAIMED', by: 'database' };
    case 'NOT_ACTIVE':
      await gate.giveBack(coupon.id, customerId, epoch, { count: true, share: true });
      return { outcome: 'NOT_ACTIVE' };
  }
}
