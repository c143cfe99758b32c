/**
 * The reconciler's drift repair: on a quiet product (no order open, no live hold) a Redis count that differs from
 * MySQL's stock is rebuilt from MySQL and logged with product, before and after; a product with an order in flight is
 * left to its saga. A count Redis has lost altogether (a flush) is rebuilt by the flush rule, in flight or not.
 */
import { repairIfDrifted } from '../../inventory/drift-repair';
import { availabilityKey, holdKey } from '../../inventory/keys';
import { recordHoldRelease } from '../../db/holds';
import { RELEASE_FAILED } from '../../workflows/failures';
import { expectTemporalWarnings } from '../support/temporal-warnings';
import { COUNT_REPAIRED, useReconciler } from './harness';

const reconciler = useReconciler();

// Every test here makes drift on purpose: the reconciler's warning that it repaired, rebuilt or left alone a count is
// the behaviour under test.
beforeEach(() => expectTemporalWarnings(COUNT_REPAIRED));

const LONG_HOLD_MS = 10 * 60_000;
/** No order of these tests is swept: their workflows are running, or they have none. */
const SWEEP_AFTER_MS = 5 * 60_000;

describe('drift on a quiet product is repaired from MySQL', () => {
  test.each([
    ['more than MySQL has (drift up): brought down to the stock', 10],
    ['less than MySQL has (drift down, units lost from sale): brought up to the stock', 4],
  ])('Redis counting %s, and the repair is reported', async (_, drifted) => {
    const { redis, inventory, product, reconcile } = reconciler();
    const quiet = await product(7);
    await redis.set(availabilityKey(quiet.id), drifted);

    const report = await reconcile(SWEEP_AFTER_MS);
    expect(report.repairs).toContainEqual({ productId: quiet.id, stock: 7, before: drifted, after: 7 });
    expect(await inventory.available(quiet.id)).toBe(7);
  });

  test('a product whose count agrees is not touched', async () => {
    const { inventory, product, reconcile } = reconciler();
    const agreeing = await product(7);

    const report = await reconcile(SWEEP_AFTER_MS);
    expect(report.repairs.map((repair) => repair.productId)).not.toContain(agreeing.id);
    expect(await inventory.available(agreeing.id)).toBe(7);
  });
});

describe('a count Redis has lost is rebuilt at rest', () => {
  test('a product nobody orders after a flush gets its availability back from MySQL, with the holds of its open orders', async () => {
    const { redis, inventory, orders, product, orderOf, reconcile } = reconciler();
    const forgotten = await product(7);
    const alsoHeld = await product(5);
    const order = orderOf(alsoHeld, 2, LONG_HOLD_MS);
    expect((await orders.place(order)).status).toBe('RESERVED');
    await redis.del(availabilityKey(forgotten.id), availabilityKey(alsoHeld.id), holdKey(order.orderId)); // a flush

    await reconcile(SWEEP_AFTER_MS);
    expect(await inventory.available(forgotten.id)).toBe(7);
    expect(await inventory.available(alsoHeld.id)).toBe(3);
    expect((await orders.cancel(order.orderId)).status).toBe('CANCELLED'); // its recreated hold gives the 2 back
    expect(await inventory.available(alsoHeld.id)).toBe(5);
  });
});

describe('a product that is not quiet is left alone', () => {
  test('while an order of it is in flight nothing is repaired; once it ends, the drift is', async () => {
    const { redis, inventory, orders, product, orderOf, reconcile } = reconciler();
    const busy = await product(10);
    const order = orderOf(busy, 1, LONG_HOLD_MS);
    expect((await orders.place(order)).status).toBe('RESERVED');
    await redis.decrby(availabilityKey(busy.id), 3); // 9 held by the saga, 3 more lost: 6

    const during = await reconcile(SWEEP_AFTER_MS);
    expect(during.repairs.map((repair) => repair.productId)).not.toContain(busy.id);
    expect(during.productsInFlight).toBeGreaterThanOrEqual(1);
    expect(await inventory.available(busy.id)).toBe(6);

    expect((await orders.cancel(order.orderId)).status).toBe('CANCELLED'); // gives its 1 unit back: 7
    const after = await reconcile(SWEEP_AFTER_MS);
    expect(after.repairs).toContainEqual({ productId: busy.id, stock: 10, before: 7, after: 10 });
    expect(await inventory.available(busy.id)).toBe(10);
  });

  test('an order that begins after the first pass is still seen: the careful look of one product leaves it to its saga', async () => {
    const { orm, redis, inventory, orders, product, orderOf } = reconciler();
    const busy = await product(10);
    const order = orderOf(busy, 1, LONG_HOLD_MS);
    expect((await orders.place(order)).status).toBe('RESERVED');
    await redis.decrby(availabilityKey(busy.id), 3);

    expect(await repairIfDrifted(orm, inventory, busy.id)).toEqual({ productId: busy.id, reason: 'an order of it is in flight' });
    expect(await inventory.available(busy.id)).toBe(6);
    await orders.cancel(order.orderId);
  });

  test('an order that ended FAILED (RELEASE_FAILED) with its hold still live keeps the product from being repaired', async () => {
    const { orm, inventory, product, orderOf, record, reconcile } = reconciler();
    const stranded = await product(10);
    const order = orderOf(stranded, 2, LONG_HOLD_MS);
    // What a release that failed for good leaves: the hold taken in Redis, the order FAILED with RELEASE_FAILED.
    expect(await inventory.reserve(order.orderId, order.lines)).toEqual({ outcome: 'RESERVED' });
    await record(order, 'FAILED', { failureCode: RELEASE_FAILED, failureReason: 'release reservation failed: test' });

    const report = await reconcile(SWEEP_AFTER_MS);
    expect(report.repairs.map((repair) => repair.productId)).not.toContain(stranded.id);
    expect(report.leftAlone).toContainEqual({ productId: stranded.id, reason: expect.stringContaining(order.orderId) });
    expect(await inventory.available(stranded.id)).toBe(8);

    // Staff release it (as the release step does): the count is whole again and nothing is left to repair.
    await recordHoldRelease(orm, order.orderId);
    await inventory.release(order.orderId, order.lines);
    const after = await reconcile(SWEEP_AFTER_MS);
    expect(after.repairs.map((repair) => repair.productId)).not.toContain(stranded.id);
    expect(await inventory.available(stranded.id)).toBe(10);
  });
});
