/**
 * Sold-out flags let an API replica refuse a sold-out buyer without asking Redis. Units coming back (a restock, a
 * release, a rebuild) must reopen the product on every replica at once, not when the flag expires.
 */
import type { Redis } from 'ioredis';
import { Inventory } from '../../inventory/inventory';
import { followReopenedProducts, SoldOutFlags } from '../../inventory/sold-out-flags';
import { openTestRedis, TestInventoryKeys } from '../support/redis';

/** Far longer than any test waits: a flag that ends within a test was ended by an announcement. */
const NEVER_EXPIRES_MS = 60_000;

let redis: Redis;
let inventory: Inventory;
const ids = new TestInventoryKeys();
const unsubscribes: Array<() => void> = [];

beforeAll(async () => {
  redis = await openTestRedis();
  inventory = new Inventory(redis);
});
afterEach(async () => {
  unsubscribes.splice(0).forEach((unsubscribe) => unsubscribe());
  await ids.cleanup(redis);
});
afterAll(() => redis.quit());

/** An API replica's flags, following announcements on a connection of its own. */
async function replica(): Promise<SoldOutFlags> {
  const flags = new SoldOutFlags(NEVER_EXPIRES_MS);
  unsubscribes.push(await followReopenedProducts(redis, flags));
  return flags;
}

async function until(condition: () => boolean, timeoutMs = 1_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

const line = (productId: number, quantity = 1) => ({ productId, quantity });

test('a flagged product stays sold out until units come back', async () => {
  const flags = new SoldOutFlags(NEVER_EXPIRES_MS);
  const [soldOut, other] = ids.productIdList(2);
  flags.mark(soldOut, 1);

  expect(flags.firstSoldOut([line(other), line(soldOut)])).toEqual(line(soldOut));
  expect(flags.firstSoldOut([line(other)])).toBeUndefined();
});

test('a product with too few units for one buyer stays open to a buyer of fewer', async () => {
  const flags = new SoldOutFlags(NEVER_EXPIRES_MS);
  const productId = ids.productId();
  flags.mark(productId, 3);

  expect(flags.firstSoldOut([line(productId, 3)])).toEqual(line(productId, 3));
  expect(flags.firstSoldOut([line(productId, 2)])).toBeUndefined();
});

test('a restock reopens the product on every replica at once', async () => {
  const productId = ids.productId();
  await inventory.load(productId, 0);
  const replicas = [await replica(), await replica()];
  replicas.forEach((flags) => flags.mark(productId, 1));

  await inventory.add(productId, 5);

  expect(await until(() => replicas.every((flags) => flags.firstSoldOut([line(productId)]) === undefined))).toBe(true);
});

test('a released reservation reopens the product', async () => {
  const productId = ids.productId();
  const orderId = ids.orderId();
  await inventory.load(productId, 1);
  await inventory.reserve(orderId, [{ productId, quantity: 1 }]);
  const flags = await replica();
  flags.mark(productId, 1);

  await inventory.release(orderId, [{ productId, quantity: 1 }]);

  expect(await until(() => flags.firstSoldOut([line(productId)]) === undefined)).toBe(true);
});

test('a flag whose announcement was lost ends on its own', async () => {
  const flags = new SoldOutFlags(50);
  const productId = ids.productId();
  flags.mark(productId, 1);

  await new Promise((resolve) => setTimeout(resolve, 60));

  expect(flags.firstSoldOut([line(productId)])).toBeUndefined();
});

test('announcements on another Redis database reopen nothing here', async () => {
  const productId = ids.productId();
  const flags = await replica();
  flags.mark(productId, 1);
  const otherDatabase = redis.duplicate({ db: (redis.options.db ?? 0) + 1 });
  try {
    const elsewhere = new Inventory(otherDatabase);
    await elsewhere.add(productId, 1).catch(() => null);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(flags.firstSoldOut([line(productId)])).toEqual(line(productId));
  } finally {
    otherDatabase.disconnect();
  }
});
