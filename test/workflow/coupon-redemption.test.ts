/**
 * The coupon as a step of the saga (workflows/order.ts, redeemCoupon), with the real coupon activities on MariaDB and
 * the other steps faked: the claim is redeemed right after the reservation, given back by every ending but CONFIRMED,
 * used by a CONFIRMED order, and a redemption run again (its answer lost) never uses a second claim.
 */
import type { MikroORM } from '@mikro-orm/core';
import { createCouponActivities } from '../../activities/coupons';
import { createCoupon, recordClaim, type Coupon } from '../../coupons/store';
import { forkSql, select } from '../../db/sql';
import type { OrderClient } from '../../temporal/order-client';
import type { OrderInput, OrderView } from '../../workflows/order-types';
import { openTestOrm, uniqueSuffix } from '../support/db';
import { FakeActivities } from './fake-activities';
import { eventually, HOLD_MS, orderInput, runOrder as runOrderIn, useTimeSkippingEnv } from './harness';

const testEnv = useTimeSkippingEnv();
let orm: MikroORM;
beforeAll(async () => {
  orm = await openTestOrm();
});
afterAll(() => orm.close());

const runOrder = (fake: FakeActivities, input: OrderInput, scenario: (orders: OrderClient) => Promise<void>): Promise<OrderView> => runOrderIn(testEnv(), fake, input, scenario);

/** A coupon, `claims` claims of it held by a new buyer, and a fake whose coupon step is the real one. */
async function buyerWithClaims(claims = 1): Promise<{ coupon: Coupon; customerId: string; fake: FakeActivities }> {
  const coupon = await createCoupon(orm, { code: `WF-${uniqueSuffix().toUpperCase()}`, name: 'Workflow coupon', amountOffCents: 500, quantity: 5, perBuyer: claims });
  const customerId = `cus-wf-${uniqueSuffix()}`;
  for (let i = 0; i < claims; i += 1) expect((await recordClaim(orm, coupon.id, customerId)).outcome).toBe('CLAIMED');
  const fake = new FakeActivities();
  fake.coupons = createCouponActivities(orm);
  return { coupon, customerId, fake };
}

const withCoupon = (coupon: Coupon, customerId: string) => orderInput({ customerId, totalCents: 2_500, coupon: { code: coupon.code, discountCents: 500 } });

/** The buyer's claims of the coupon: which order holds each (null: unused). */
const claimsOf = async (coupon: Coupon, customerId: string) =>
  (await select<{ order_id: string | null }>(forkSql(orm), 'SELECT order_id FROM coupon_claim WHERE coupon_id = ? AND customer_id = ? ORDER BY id', [coupon.id, customerId])).map(
    (row) => row.order_id,
  );

test('a confirmed order uses its claim, redeemed right after the reservation, and is paid its discounted total', async () => {
  const { coupon, customerId, fake } = await buyerWithClaims();
  const input = withCoupon(coupon, customerId);
  await runOrder(fake, input, async (orders) => {
    expect(await orders.place(input)).toMatchObject({ status: 'RESERVED', couponCode: coupon.code, discountCents: 500, totalCents: 2_500 });
    expect(await orders.pay(input.orderId, 'tok_visa')).toMatchObject({ status: 'CONFIRMED' });
  });
  expect(fake.calls.slice(0, 3)).toEqual(['saveOrder:PENDING', 'reserveStock', 'redeemCoupon']);
  expect(fake.calls).not.toContain('giveCouponBack');
  expect(await claimsOf(coupon, customerId)).toEqual([input.orderId]);
});

test('an expired order gives its claim back before its reservation is released, and the buyer holds it again', async () => {
  const { coupon, customerId, fake } = await buyerWithClaims();
  const input = withCoupon(coupon, customerId);
  await runOrder(fake, input, async (orders) => {
    await orders.place(input);
    expect(await claimsOf(coupon, customerId)).toEqual([input.orderId]);
    await testEnv().sleep(HOLD_MS + 1_000);
    await eventually(async () => expect((await orders.get(input.orderId)).status).toBe('EXPIRED'));
  });
  expect(fake.calls.filter((call) => call === 'giveCouponBack' || call === 'releaseReservation')).toEqual(['giveCouponBack', 'releaseReservation']);
  expect(await claimsOf(coupon, customerId)).toEqual([null]);
});

test('a cancelled order and a failed one give their claims back', async () => {
  const cancelled = await buyerWithClaims();
  const cancelledInput = withCoupon(cancelled.coupon, cancelled.customerId);
  await runOrder(cancelled.fake, cancelledInput, async (orders) => {
    await orders.place(cancelledInput);
    expect(await orders.cancel(cancelledInput.orderId)).toMatchObject({ status: 'CANCELLED' });
  });
  expect(await claimsOf(cancelled.coupon, cancelled.customerId)).toEqual([null]);

  const failed = await buyerWithClaims();
  failed.fake.capture = 'declined';
  const failedInput = withCoupon(failed.coupon, failed.customerId);
  await runOrder(failed.fake, failedInput, async (orders) => {
    await orders.place(failedInput);
    expect(await orders.pay(failedInput.orderId, 'tok_captureFails')).toMatchObject({ status: 'FAILED' });
  });
  expect(await claimsOf(failed.coupon, failed.customerId)).toEqual([null]);
});

test('an order whose buyer no longer holds a claim is rejected, and its reservation released', async () => {
  const { coupon, customerId, fake } = await buyerWithClaims();
  const first = withCoupon(coupon, customerId);
  const second = withCoupon(coupon, customerId);
  await runOrder(fake, first, async (orders) => {
    await orders.place(first);
    await orders.pay(first.orderId, 'tok_visa'); // confirmed: its claim is used for good
  });
  const rejected = new FakeActivities();
  rejected.coupons = createCouponActivities(orm);
  await runOrder(rejected, second, async (orders) => {
    expect(await orders.place(second)).toMatchObject({ status: 'REJECTED', failureReason: expect.stringMatching(/^coupon not redeemed/) });
  });
  expect(rejected.calls).toEqual(['saveOrder:PENDING', 'reserveStock', 'redeemCoupon', 'releaseReservation', 'saveOrder:REJECTED']);
  expect(await claimsOf(coupon, customerId)).toEqual([first.orderId]);
});

test('a redemption run again after its answer was lost uses one claim, not two', async () => {
  const { coupon, customerId, fake } = await buyerWithClaims(2);
  fake.redemptionAnswerLostOnce = true;
  const input = withCoupon(coupon, customerId);
  await runOrder(fake, input, async (orders) => {
    await orders.place(input);
    expect(await orders.pay(input.orderId, 'tok_visa')).toMatchObject({ status: 'CONFIRMED' });
  });
  expect(fake.calls.filter((call) => call === 'redeemCoupon')).toHaveLength(2);
  expect((await claimsOf(coupon, customerId)).sort()).toEqual([input.orderId, null].sort());
});
