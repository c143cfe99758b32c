import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { COUPON_CLAIM_SCRIPT, COUPON_GIVE_BACK_SCRIPT, COUPON_REBUILD_SCRIPT, EPOCH_SCRIPT, FORGET_SCRIPT } from '../inventory/scripts';
import { couponBuyersKey, couponEpochKey, couponLeftKey } from './keys';

export type GateClaim =
  | { outcome: 'TAKEN'; epoch: string }
  | { outcome: 'EXHAUSTED' }
  | { outcome: 'ALREADY_CLAIMED' }
  | { outcome: 'NOT_LOADED' };

/** What MySQL says of a coupon, for a rebuild: the claims left to issue and each buyer's claims. */
export interface CouponCounts {
  couponId: number;
  left: number;
  buyers: Array<{ customerId: string; claims: number }>;
}

type CouponRedis = Redis & {
  claimCoupon(left: string, buyers: string, epoch: string, customerId: string, perBuyer: number): Promise<[number, string]>;
  giveBackCoupon(left: string, buyers: string, epoch: string, customerId: string, claimEpoch: string, count: 0 | 1, share: 0 | 1): Promise<number>;
  rebuildCoupon(left: string, buyers: string, epoch: string, ...args: (string | number)[]): Promise<number>;
  couponEpoch(key: string, fresh: string): Promise<string>;
  forgetCoupon(left: string, buyers: string, epoch: string, fresh: string): Promise<number>;
};

const CLAIM_OUTCOMES: Record<number, GateClaim['outcome']> = { 1: 'TAKEN', 0: 'EXHAUSTED', 2: 'ALREADY_CLAIMED', [-1]: 'NOT_LOADED' };

/**
 * The atomic first-come gate in front of MySQL's claims (scripts in inventory/scripts.ts): each claim is one Lua step,
 * so ten thousand buyers racing for a hundred coupons are sorted in Redis, and only the hundred reach MySQL.
 */
export class CouponGate {
  private readonly redis: CouponRedis;

  constructor(redis: Redis) {
    redis.defineCommand('claimCoupon', { lua: COUPON_CLAIM_SCRIPT, numberOfKeys: 3 });
    redis.defineCommand('giveBackCoupon', { lua: COUPON_GIVE_BACK_SCRIPT, numberOfKeys: 3 });
    redis.defineCommand('rebuildCoupon', { lua: COUPON_REBUILD_SCRIPT, numberOfKeys: 3 });
    redis.defineCommand('couponEpoch', { lua: EPOCH_SCRIPT, numberOfKeys: 1 });
    redis.defineCommand('forgetCoupon', { lua: FORGET_SCRIPT, numberOfKeys: 3 });
    this.redis = redis as CouponRedis;
  }

  async claim(couponId: number, customerId: string, perBuyer: number): Promise<GateClaim> {
    const [code, epoch] = await this.redis.claimCoupon(couponLeftKey(couponId), couponBuyersKey(couponId), couponEpochKey, customerId, perBuyer);
    const outcome = CLAIM_OUTCOMES[code];
    if (outcome === undefined) throw new Error(`the coupon claim script answered ${code}`);
    return outcome === 'TAKEN' ? { outcome, epoch } : { outcome };
  }

  /**
   * Undoes a claim MySQL did not record: the count (`count`), the buyer's share (`share`), or both. Nothing is done
   * when Redis lost its data since the claim (its rebuild never counted it). Returns whether it was done.
   */
  async giveBack(couponId: number, customerId: string, claimEpoch: string, { count, share }: { count: boolean; share: boolean }): Promise<boolean> {
    const done = await this.redis.giveBackCoupon(couponLeftKey(couponId), couponBuyersKey(couponId), couponEpochKey, customerId, claimEpoch, count ? 1 : 0, share ? 1 : 0);
    return done === 1;
  }

  /** Claims left to issue as Redis counts them; null when not loaded. */
  async left(couponId: number): Promise<number | null> {
    const value = await this.redis.get(couponLeftKey(couponId));
    return value === null ? null : Number(value);
  }

  /** The value that marks this life of Redis's data; read it before reading MySQL for a rebuild. */
  epoch(): Promise<string> {
    return this.redis.couponEpoch(couponEpochKey, randomUUID());
  }

  /** Applies MySQL's counts (read after `epoch`) unless the count is loaded, or Redis lost its data again since. */
  async rebuild(counts: CouponCounts, epoch: string): Promise<'REBUILT' | 'PRESENT' | 'FLUSHED'> {
    const pairs = counts.buyers.flatMap((buyer) => [buyer.customerId, buyer.claims]);
    const rebuilt = await this.redis.rebuildCoupon(couponLeftKey(counts.couponId), couponBuyersKey(counts.couponId), couponEpochKey, epoch, counts.left, ...pairs);
    return rebuilt === 1 ? 'REBUILT' : rebuilt === 0 ? 'PRESENT' : 'FLUSHED';
  }

  /** Drops the coupon's count and buyers and starts a new epoch, so they are rebuilt from MySQL (drift repair). */
  async forget(couponId: number): Promise<void> {
    await this.redis.forgetCoupon(couponLeftKey(couponId), couponBuyersKey(couponId), couponEpochKey, randomUUID());
  }
}
