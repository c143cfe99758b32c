/**
 * I5: Redis keeps nothing on disk. When it loses a product's availability and the holds of orders in flight, the
 * next reservation rebuilds them from MySQL (stock minus reserved, unsold units) with no manual step, and the
 * releases and settles that run afterwards still balance: at rest, availability equals MySQL's stock again.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import { createActivities, type OrderActivities } from '../../activities';
import { readRebuildSnapshot, recordHoldRelease, unitsHeldByOpenOrders } from '../../db/holds';
import { availabilityKey, epochKey, holdKey } from '../../inventory/keys';
import { restock } from '../../db/catalogue';
import { rebuildAvailability as rebuildFromMysql, resyncAvailability } from '../../inventory/availability-sync';
import { Inventory } from '../../inventory/inventory';
import type { PaymentsClient } from '../../payments/client';
import type { OrderInput, OrderStatus, OrderView } from '../../workflows/order-types';
import { createTestProduct, openTestOrm, readStock, uniqueOrderId } from '../support/db';
import { openTestRedis } from '../support/redis';

let orm: MikroORM;
let redis: Redis;
let inventory: Inventory;
let activities: OrderActivities;

beforeAll(async () => {
  orm = await openTestOrm();
  redis = await openTestRedis();
  inventory = new Inventory(redis);
  // Only the store activities run here; the payment client is never called.
  activities = createActivities({ orm, inventory, payments: {} as PaymentsClient, notifier: { send: async () => undefined } });
});
afterAll(async () => {
  await redis.quit();
  await orm.close();
});

/** An order of the given units of each product, at 100 cents a unit. */
function orderOfLines(units: Array<{ product: { id: number; sku: string }; quantity: number }>): OrderInput {
  return {
    orderId: uniqueOrderId('recovery'),
    customerId: 'cus_recovery',
    lines: units.map(({ product, quantity }) => ({ productId: product.id, sku: product.sku, quantity, unitPriceCents: 100 })),
    totalCents: 100 * units.reduce((sum, { quantity }) => sum + quantity, 0),
    holdMs: 60_000,
    requestHash: 'recovery',
  };
}

const orderOf = (productId: number, sku: string, quantity: number): OrderInput => orderOfLines([{ product: { id: productId, sku }, quantity }]);

const viewOf = (input: OrderInput, status: OrderStatus): OrderView => ({
  id: input.orderId,
  customerId: input.customerId,
  status,
  items: input.lines,
  totalCents: input.totalCents,
  reservedUntil: null,
  payment: null,
  notifications: [],
  requestHash: input.requestHash,
});

const rebuildAvailability = (productId: number) => rebuildFromMysql(orm, inventory, productId);

const stockLines = (input: OrderInput) => input.lines.map(({ productId, quantity }) => ({ productId, quantity }));

/** Two new products on sale, one order reserving units of both, then a flush that takes their counts and the hold. */
async function twoProductOrderThenFlush(firstLine: { stock: number; quantity: number }, secondLine: { stock: number; quantity: number }) {
  const first = await createTestProduct(orm, { stock: firstLine.stock, label: 'first' });
  const second = await createTestProduct(orm, { stock: secondLine.stock, label: 'second' });
  await inventory.load(first.id, firstLine.stock);
  await inventory.load(second.id, secondLine.stock);
  const order = orderOfLines([
    { product: first, quantity: firstLine.quantity },
    { product: second, quantity: secondLine.quantity },
  ]);
  await reserve(order);
  await redis.del(availabilityKey(first.id), availabilityKey(second.id), holdKey(order.orderId));
  return { first, second, order };
}

/** The workflow's first steps: recorded PENDING, reserved in Redis, recorded RESERVED. */
async function reserve(input: OrderInput): Promise<void> {
  await activities.saveOrder(viewOf(input, 'PENDING'));
  expect(await activities.reserveStock({ orderId: input.orderId, lines: stockLines(input) })).toEqual({ reserved: true });
  await activities.saveOrder(viewOf(input, 'RESERVED'));
}

/** What FLUSHALL does to this product's keys (the other suites share this Redis, so only ours are dropped). */
async function loseRedisData(productId: number, orders: OrderInput[]): Promise<void> {
  await redis.del(availabilityKey(productId), ...orders.map((order) => holdKey(order.orderId)));
}

async function expectConserved(productId: number): Promise<void> {
  const held = (await unitsHeldByOpenOrders(orm)).get(productId) ?? 0;
  expect(await inventory.available(productId)).toBe((await readStock(orm, productId)) - held);
}

test('a lost availability is rebuilt from MySQL by the next reservation, and later releases and settles balance', async () => {
  const product = await createTestProduct(orm, { stock: 10 });
  await inventory.load(product.id, 10);
  const cancelled = orderOf(product.id, product.sku, 2);
  const sold = orderOf(product.id, product.sku, 3);
  await reserve(cancelled);
  await reserve(sold);
  await activities.commitStock({ orderId: sold.orderId, lines: stockLines(sold) });

  await loseRedisData(product.id, [cancelled, sold]);
  const latecomer = orderOf(product.id, product.sku, 1);
  await reserve(latecomer);

  // MySQL stock 7 (the sale is in), minus 2 held by the unsold order, minus the latecomer's 1.
  expect(await inventory.available(product.id)).toBe(4);

  await activities.releaseReservation({ orderId: cancelled.orderId, lines: stockLines(cancelled) });
  await activities.saveOrder(viewOf(cancelled, 'CANCELLED'));
  await activities.settleReservation({ orderId: sold.orderId, lines: stockLines(sold) });
  await activities.saveOrder(viewOf(sold, 'CONFIRMED'));
  await activities.releaseReservation({ orderId: latecomer.orderId, lines: stockLines(latecomer) });
  await activities.saveOrder(viewOf(latecomer, 'EXPIRED'));

  expect(await inventory.available(product.id)).toBe(7);
  expect(await readStock(orm, product.id)).toBe(7);
  await expectConserved(product.id);
});

test('an order that lets go while Redis is empty is not counted as held by the rebuild that follows', async () => {
  const product = await createTestProduct(orm, { stock: 5 });
  await inventory.load(product.id, 5);
  const cancelled = orderOf(product.id, product.sku, 2);
  await reserve(cancelled);

  await loseRedisData(product.id, [cancelled]);
  // Released before its CANCELLED status reaches MySQL: the tombstone tells the rebuild to leave it out.
  await activities.releaseReservation({ orderId: cancelled.orderId, lines: stockLines(cancelled) });
  const next = orderOf(product.id, product.sku, 5);
  await reserve(next);
  await activities.saveOrder(viewOf(cancelled, 'CANCELLED'));

  expect(await inventory.available(product.id)).toBe(0);
  await expectConserved(product.id);
});

test('a settle run again after its order was recorded CONFIRMED, across a flush and a rebuild, does not sell the units twice', async () => {
  const product = await createTestProduct(orm, { stock: 5 });
  await inventory.load(product.id, 5);
  const sold = orderOf(product.id, product.sku, 2);
  await reserve(sold);
  // One workflow task: commit, settle, record CONFIRMED; then the task is lost (a worker or Temporal crash) ...
  await activities.commitStock({ orderId: sold.orderId, lines: stockLines(sold) });
  await activities.settleReservation({ orderId: sold.orderId, lines: stockLines(sold) });
  await activities.saveOrder(viewOf(sold, 'CONFIRMED'));

  // ... Redis loses its data, and the next reservation rebuilds the count from MySQL, where the sale is in the stock.
  await loseRedisData(product.id, [sold]);
  await reserve(orderOf(product.id, product.sku, 1));
  expect(await inventory.available(product.id)).toBe(2);

  // The task runs again on another worker: its steps repeat.
  await activities.commitStock({ orderId: sold.orderId, lines: stockLines(sold) });
  await activities.settleReservation({ orderId: sold.orderId, lines: stockLines(sold) });
  await activities.saveOrder(viewOf(sold, 'CONFIRMED'));

  expect(await inventory.available(product.id)).toBe(2);
  await expectConserved(product.id);
});

test('a sale reserved just before the flush, but recorded RESERVED only after the rebuild, still balances', async () => {
  const product = await createTestProduct(orm, { stock: 6 });
  await inventory.load(product.id, 6);
  const early = orderOf(product.id, product.sku, 2);
  // Reserved in Redis while its record still says PENDING: the moment a flush is most awkward.
  await activities.saveOrder(viewOf(early, 'PENDING'));
  expect(await activities.reserveStock({ orderId: early.orderId, lines: stockLines(early) })).toEqual({ reserved: true });

  await loseRedisData(product.id, [early]);
  await reserve(orderOf(product.id, product.sku, 1)); // triggers the rebuild, which cannot count a PENDING order
  await activities.saveOrder(viewOf(early, 'RESERVED'));
  await activities.commitStock({ orderId: early.orderId, lines: stockLines(early) });
  await activities.settleReservation({ orderId: early.orderId, lines: stockLines(early) });
  await activities.saveOrder(viewOf(early, 'CONFIRMED'));

  // MySQL: 6 − 2 sold = 4; Redis: 4 minus the latecomer's 1 still held = 3.
  expect(await inventory.available(product.id)).toBe(3);
  await expectConserved(product.id);
});

test('rebuilding never overwrites a live count', async () => {
  const product = await createTestProduct(orm, { stock: 9 });
  await inventory.load(product.id, 4);

  expect(await inventory.rebuild({ productId: product.id, stock: 9, holds: [] }, await inventory.epoch())).toBe('PRESENT');
  expect(await inventory.available(product.id)).toBe(4);
});

test('an order that released its hold just before a flush, and is recorded CANCELLED only after the rebuild, is not counted', async () => {
  const product = await createTestProduct(orm, { stock: 5 });
  await inventory.load(product.id, 5);
  const cancelled = orderOf(product.id, product.sku, 1);
  await reserve(cancelled);

  // The release runs (units back, tombstone written), then Redis loses everything, tombstone included, while MySQL
  // still says RESERVED: the moment between a hold's release and the order's terminal record.
  await activities.releaseReservation({ orderId: cancelled.orderId, lines: stockLines(cancelled) });
  await loseRedisData(product.id, [cancelled]);
  const latecomer = orderOf(product.id, product.sku, 1);
  await reserve(latecomer); // rebuilds while the cancelled order is still RESERVED in MySQL
  await activities.saveOrder(viewOf(cancelled, 'CANCELLED'));

  // MySQL 5, the latecomer holds 1: 4 left for sale, not 3.
  expect(await inventory.available(product.id)).toBe(4);
  await expectConserved(product.id);
});

/** A rebuild whose MySQL read happens now and whose Redis write happens when `apply` is called: the race window. */
async function rebuildReadNow(productId: number) {
  const epoch = await inventory.epoch();
  const snapshot = await readRebuildSnapshot(orm, productId);
  return { apply: () => inventory.rebuild({ ...snapshot, stock: snapshot.stock! }, epoch) };
}

test('a sale committed and settled between the rebuild reading MySQL and writing Redis is taken from the rebuilt count', async () => {
  const product = await createTestProduct(orm, { stock: 6 });
  await inventory.load(product.id, 6);
  const sold = orderOf(product.id, product.sku, 2);
  await reserve(sold);
  await loseRedisData(product.id, [sold]);

  const rebuild = await rebuildReadNow(product.id); // reads stock 6, the order RESERVED and unsold
  await activities.commitStock({ orderId: sold.orderId, lines: stockLines(sold) });
  await activities.settleReservation({ orderId: sold.orderId, lines: stockLines(sold) }); // no count to take from yet
  expect(await rebuild.apply()).toBe('REBUILT');
  await activities.saveOrder(viewOf(sold, 'CONFIRMED'));

  expect(await inventory.available(product.id)).toBe(4);
  await expectConserved(product.id);
});

/** A product on sale, an order of some of it reserved and its sale committed (and settled, if asked), then a flush. */
async function committedSaleThenFlush({ stock, quantity, settled = false }: { stock: number; quantity: number; settled?: boolean }) {
  const product = await createTestProduct(orm, { stock });
  await inventory.load(product.id, stock);
  const order = orderOf(product.id, product.sku, quantity);
  await reserve(order);
  await activities.commitStock({ orderId: order.orderId, lines: stockLines(order) });
  if (settled) await activities.settleReservation({ orderId: order.orderId, lines: stockLines(order) });
  await loseRedisData(product.id, [order]);
  return { product, order };
}

test('a sale restored and released between the rebuild reading MySQL and writing Redis is given back to the rebuilt count', async () => {
  const { product, order: failed } = await committedSaleThenFlush({ stock: 6, quantity: 2 });

  const rebuild = await rebuildReadNow(product.id); // reads stock 4 with the sale in it
  await activities.restoreStock({ orderId: failed.orderId }); // the capture failed: compensations run
  await activities.releaseReservation({ orderId: failed.orderId, lines: stockLines(failed) });
  expect(await rebuild.apply()).toBe('REBUILT');
  await activities.saveOrder(viewOf(failed, 'FAILED'));

  expect(await inventory.available(product.id)).toBe(6);
  await expectConserved(product.id);
});

test('an order whose release is recorded but not yet done in Redis is counted by a rebuild only while its hold is there', async () => {
  const { first, second, order } = await twoProductOrderThenFlush({ stock: 5, quantity: 1 }, { stock: 5, quantity: 2 });

  await rebuildAvailability(first.id); // recreates the order's hold, both lines, and takes 1 of the first product
  await recordHoldRelease(orm, order.orderId); // the release activity's MySQL step...
  await rebuildAvailability(second.id); // ...and a rebuild before its Redis step: the hold is there, so it counts
  await inventory.release(order.orderId, stockLines(order)); // gives back to both
  await activities.saveOrder(viewOf(order, 'CANCELLED'));

  expect(await inventory.availableMany([first.id, second.id])).toEqual([5, 5]);
  await expectConserved(first.id);
  await expectConserved(second.id);
});

test('a rebuild that read MySQL before Redis was flushed again does not apply its view, and reads again', async () => {
  const product = await createTestProduct(orm, { stock: 5 });
  await inventory.load(product.id, 5);
  const cancelled = orderOf(product.id, product.sku, 2);
  await reserve(cancelled);
  await loseRedisData(product.id, [cancelled]);

  const rebuild = await rebuildReadNow(product.id); // reads the order RESERVED, release not recorded
  await activities.releaseReservation({ orderId: cancelled.orderId, lines: stockLines(cancelled) });
  await redis.del(holdKey(cancelled.orderId), epochKey); // a second flush takes the tombstone and the epoch
  expect(await rebuild.apply()).toBe('FLUSHED');
  expect(await inventory.available(product.id)).toBeNull();

  expect(await rebuildAvailability(product.id)).toBe(true);
  await activities.saveOrder(viewOf(cancelled, 'CANCELLED'));
  expect(await inventory.available(product.id)).toBe(5);
  await expectConserved(product.id);
});

test('a restock committed after a rebuild read MySQL makes that rebuild read again, so its units are not lost', async () => {
  const product = await createTestProduct(orm, { stock: 5 });
  await inventory.load(product.id, 5);
  const holder = orderOf(product.id, product.sku, 2);
  await reserve(holder);
  await loseRedisData(product.id, []);

  const stale = await rebuildReadNow(product.id); // reads stock 5
  await restock(orm, product.id, 4);
  await inventory.forget(product.id); // the restock's Redis step: drops the count and starts a new epoch...
  expect(await stale.apply()).toBe('FLUSHED'); // ...so the rebuild that read stock 5 cannot write it
  await resyncAvailability(orm, inventory, product.id); // 9 − 2 held

  expect(await inventory.available(product.id)).toBe(7);
  await activities.releaseReservation({ orderId: holder.orderId, lines: stockLines(holder) });
  await activities.saveOrder(viewOf(holder, 'CANCELLED'));
  expect(await inventory.available(product.id)).toBe(9);
  await expectConserved(product.id);
});

test('an order of two products sold across a flush, with only one product rebuilt before its settle, balances both', async () => {
  const { first, second, order } = await twoProductOrderThenFlush({ stock: 5, quantity: 2 }, { stock: 4, quantity: 1 });

  await reserve(orderOf(first.id, first.sku, 1)); // rebuilds the first product only: 5 − 2 held − 1
  expect(await inventory.availableMany([first.id, second.id])).toEqual([2, null]);
  await activities.commitStock({ orderId: order.orderId, lines: stockLines(order) });
  await activities.settleReservation({ orderId: order.orderId, lines: stockLines(order) });
  await activities.saveOrder(viewOf(order, 'CONFIRMED'));
  await reserve(orderOf(second.id, second.sku, 1)); // rebuilds the second from MySQL, where the sale is in: 3 − 1

  expect(await inventory.availableMany([first.id, second.id])).toEqual([2, 2]);
  await expectConserved(first.id);
  await expectConserved(second.id);
});

test('a two-product order recorded RESERVED between the rebuilds of its products takes its units from both counts', async () => {
  const { first, second, order } = await twoProductOrderReservedWhilePendingThenFlush();

  await reserve(orderOf(first.id, first.sku, 1)); // rebuilds the first while the order is PENDING: 5 − 1, its 2 not taken
  expect(await inventory.availableMany([first.id, second.id])).toEqual([4, null]);
  await activities.saveOrder(viewOf(order, 'RESERVED'));
  // Rebuilds the second: recreates the order's hold (4 − 1 − its 1), and the first's count, which never counted the
  // order, takes its 2 now, as the reservation the hold stands for did.
  await reserve(orderOf(second.id, second.sku, 1));
  expect(await inventory.availableMany([first.id, second.id])).toEqual([2, 2]);

  await activities.commitStock({ orderId: order.orderId, lines: stockLines(order) });
  await activities.settleReservation({ orderId: order.orderId, lines: stockLines(order) });
  await activities.saveOrder(viewOf(order, 'CONFIRMED'));

  // MySQL 3 and 3 after the sale, minus the latecomers' 1 each.
  expect(await inventory.availableMany([first.id, second.id])).toEqual([2, 2]);
  await expectConserved(first.id);
  await expectConserved(second.id);
});

test('a two-product order recorded RESERVED between the rebuilds of its products gives its units back to both on release', async () => {
  const { first, second, order } = await twoProductOrderReservedWhilePendingThenFlush();

  await rebuildAvailability(first.id); // the order is PENDING: 5, its 2 not taken
  await activities.saveOrder(viewOf(order, 'RESERVED'));
  await rebuildAvailability(second.id); // recreates its hold: 4 − 1, and the first's count takes its 2
  expect(await inventory.availableMany([first.id, second.id])).toEqual([3, 3]);

  await activities.releaseReservation({ orderId: order.orderId, lines: stockLines(order) });
  await activities.saveOrder(viewOf(order, 'EXPIRED'));

  expect(await inventory.availableMany([first.id, second.id])).toEqual([5, 4]);
  await expectConserved(first.id);
  await expectConserved(second.id);
});

/** An order of 2 units of a product (stock 5) and 1 of another (stock 4), reserved in Redis while still PENDING, then a flush. */
async function twoProductOrderReservedWhilePendingThenFlush() {
  const first = await createTestProduct(orm, { stock: 5, label: 'first' });
  const second = await createTestProduct(orm, { stock: 4, label: 'second' });
  await inventory.load(first.id, 5);
  await inventory.load(second.id, 4);
  const order = orderOfLines([
    { product: first, quantity: 2 },
    { product: second, quantity: 1 },
  ]);
  await activities.saveOrder(viewOf(order, 'PENDING'));
  expect(await activities.reserveStock({ orderId: order.orderId, lines: stockLines(order) })).toEqual({ reserved: true });
  await redis.del(availabilityKey(first.id), availabilityKey(second.id), holdKey(order.orderId));
  return { first, second, order };
}

test('a rebuild that read an order RESERVED after its settled hold was lost, and writes after its CONFIRMED record, leaves no live hold', async () => {
  // Sold and settled, then the settled hold is lost while MySQL still says RESERVED.
  const { product, order: sold } = await committedSaleThenFlush({ stock: 5, quantity: 2, settled: true });

  const rebuild = await rebuildReadNow(product.id); // reads stock 3 with the sale in it, the order RESERVED
  await activities.saveOrder(viewOf(sold, 'CONFIRMED')); // the workflow's last store step: nothing ends its hold after this
  expect(await rebuild.apply()).toBe('REBUILT');

  expect(await inventory.available(product.id)).toBe(3);
  // Not 'held': nothing would ever settle or release it, and it would read as a live hold for good.
  expect(await inventory.holdStates([sold.orderId])).not.toEqual(['held']);
  expect(await redis.ttl(holdKey(sold.orderId))).toBeGreaterThan(0);
  // A settle run again (its workflow task lost) still takes nothing.
  await activities.settleReservation({ orderId: sold.orderId, lines: stockLines(sold) });
  expect(await inventory.available(product.id)).toBe(3);
  await expectConserved(product.id);
});

test('a hold recreated for a committed sale gives the units back when the sale is then given up (restored, then released)', async () => {
  const { product, order: failed } = await committedSaleThenFlush({ stock: 5, quantity: 2 });

  expect(await rebuildAvailability(product.id)).toBe(true); // stock 3 with the sale in it: 3
  expect(await inventory.available(product.id)).toBe(3);
  await activities.restoreStock({ orderId: failed.orderId }); // the capture was declined: compensations run
  await activities.releaseReservation({ orderId: failed.orderId, lines: stockLines(failed) });
  await activities.saveOrder(viewOf(failed, 'FAILED'));

  expect(await inventory.available(product.id)).toBe(5);
  await expectConserved(product.id);
});
