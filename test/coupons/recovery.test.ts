/**
 * The coupon gate (Redis) and its record (MySQL) across Redis losing its data: the counts are rebuilt from MySQL by
 * the epoch rule, so the gate lets through exactly the claims left and knows every buyer's claims again; MySQL never
 * records more than the quantity, even behind a gate that counts wrong; the reconciler repairs a count that drifted.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import { rebuildCouponCount } from '../../coupons/count-sync';
import { repairCouponDrift } from '../../coupons/drift-repair';
import { CouponGate } from '../../coupons/gate';
import { claimCoupon, type ClaimOutcome } from '../../coupons/issuance';
import { couponBuyersKey, couponEpochKey, couponLeftKey } from '../../coupons/keys';
import { createCoupon, findCoupon, readCouponCounts, type Coupon } from '../../coupons/store';
import { openTestOrm, uniqueSuffix } from '../support/db';
import { openTestRedis } from '../support/redis';

let orm: MikroORM;
let redis: Redis;
let gate: CouponGate;

beforeAll(async () => {
  orm = await openTestOrm();
  redis = await openTestRedis();
  gate = new CouponGate(redis);
});
afterAll(async () => {
  await redis.quit();
  await orm.close();
});

const couponOf = (quantity: number, perBuyer = 1): Promise<Coupon> =>
  createCoupon(orm, { code: `REC-${uniqueSuffix().toUpperCase()}`, name: 'Recovery coupon', percentOff: 10, quantity, perBuyer });

/** What FLUSHALL does to the coupon's keys (other suites share this Redis, so only these are dropped). */
const flush = (coupon: Coupon) => redis.del(couponLeftKey(coupon.id), couponBuyersKey(coupon.id), couponEpochKey);

const buyers = (count: number, label: string) => Array.from({ length: count }, (_, index) => `cus-${label}-${index}-${uniqueSuffix()}`);
const claimAll = (coupon: Coupon, customerIds: string[]) => Promise.all(customerIds.map((customerId) => claimCoupon(orm, gate, coupon, customerId)));
const count = (outcomes: ClaimOutcome[], wanted: Partial<ClaimOutcome>) => outcomes.filter((outcome) => Object.entries(wanted).every(([key, value]) => (outcome as Record<string, unknown>)[key] === value)).length;

test('after Redis loses a drop in the middle, the rebuilt gate lets through exactly the claims left, and knows the early buyers', async () => {
  const coupon = await couponOf(20);
  const early = buyers(8, 'early');
  expect(count(await claimAll(coupon, early), { outcome: 'CLAIMED' })).toBe(8);

  await flush(coupon);
  const outcomes = await claimAll(coupon, [...buyers(50, 'late'), ...early]);

  expect(count(outcomes, { outcome: 'CLAIMED' })).toBe(12);
  // Every refusal is the gate's: no claim past the quantity, and no second claim of an early buyer, reached MySQL.
  expect(count(outcomes, { outcome: 'EXHAUSTED', by: 'gate' }) + count(outcomes, { outcome: 'ALREADY_CLAIMED', by: 'gate' })).toBe(46);
  expect((await findCoupon(orm, coupon.code))!.issued).toBe(20);
  expect(await gate.left(coupon.id)).toBe(0);
});

test('claims racing a flush never record more than the quantity', async () => {
  const coupon = await couponOf(15);
  const racing = claimAll(coupon, buyers(80, 'race'));
  await new Promise((resolve) => setTimeout(resolve, 5));
  await flush(coupon);
  const outcomes = await racing;
  expect(count(outcomes, { outcome: 'CLAIMED' })).toBe(15);
  expect((await findCoupon(orm, coupon.code))!.issued).toBe(15);
  expect((await readCouponCounts(orm, coupon.id))!.buyers.reduce((sum, buyer) => sum + buyer.claims, 0)).toBe(15);
});

test('MySQL refuses claims past the quantity and past a buyer’s share even when the gate counts too many left', async () => {
  const coupon = await couponOf(3);
  const twice = buyers(1, 'twice');
  expect(count(await claimAll(coupon, twice), { outcome: 'CLAIMED' })).toBe(1);
  await redis.set(couponLeftKey(coupon.id), 100); // a gate gone wrong
  await redis.del(couponBuyersKey(coupon.id));

  const outcomes = await claimAll(coupon, [...buyers(10, 'over'), ...twice]);

  expect(count(outcomes, { outcome: 'CLAIMED' })).toBe(2);
  expect(count(outcomes, { by: 'database' })).toBe(9);
  expect((await findCoupon(orm, coupon.code))!.issued).toBe(3);
});

test('a rebuild that read MySQL before Redis lost its data again does not apply, and the next one does', async () => {
  const coupon = await couponOf(5);
  await claimAll(coupon, buyers(2, 'epoch'));
  await flush(coupon);
  const staleEpoch = await gate.epoch();
  const staleCounts = (await readCouponCounts(orm, coupon.id))!;
  await redis.del(couponEpochKey); // a second flush
  expect(await gate.rebuild(staleCounts, staleEpoch)).toBe('FLUSHED');
  expect(await gate.left(coupon.id)).toBeNull();
  expect(await rebuildCouponCount(orm, gate, coupon.id)).toBe(true);
  expect(await gate.left(coupon.id)).toBe(3);
});

test('the reconciler rebuilds a lost count and repairs one that drifted, from MySQL', async () => {
  const lost = await couponOf(4);
  const drifted = await couponOf(6);
  await claimAll(lost, buyers(1, 'lost'));
  await claimAll(drifted, buyers(2, 'drift'));
  await redis.del(couponLeftKey(lost.id));
  await redis.set(couponLeftKey(drifted.id), 1); // as after a claim whose MySQL write failed once Redis had lost its data

  const report = await repairCouponDrift(orm, gate);

  expect(report.rebuilt).toContain(lost.code);
  expect(report.repairs).toContainEqual({ code: drifted.code, quantity: 6, issued: 2, before: 1, after: 4 });
  expect(await gate.left(lost.id)).toBe(3);
  expect(await gate.left(drifted.id)).toBe(4);
});
