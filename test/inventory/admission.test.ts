/**
 * The admission gate in front of the order workflows: sold-out buyers are answered from Redis alone, and while
 * units remain, a buyer is admitted only while some unreserved unit is not yet claimed by a buyer ahead, so a
 * stampede of buyers starts about as many workflows as there are units, not one per buyer, and nobody who could
 * still get a unit is turned away.
 */
import type { Redis } from 'ioredis';
import { Inventory } from '../../inventory/inventory';
import { admissionKey } from '../../inventory/keys';
import { openTestRedis, TestInventoryKeys } from '../support/redis';

let redis: Redis;
let inventory: Inventory;
const ids = new TestInventoryKeys();

beforeAll(async () => {
  redis = await openTestRedis();
  inventory = new Inventory(redis);
});
afterEach(() => ids.cleanup(redis));
afterAll(() => redis.quit());

async function productWith(units: number): Promise<number> {
  const productId = ids.productId();
  await inventory.load(productId, units);
  return productId;
}

test('a sold-out product refuses every buyer', async () => {
  const productId = await productWith(0);

  expect(await inventory.admit(ids.orderId(), [{ productId, quantity: 1 }])).toEqual({ admitted: false, productId, reason: 'SOLD_OUT' });
  expect(await redis.zcard(admissionKey(productId))).toBe(0);
});

test('while units remain, buyers are admitted up to the units left, and an answered buyer frees a place', async () => {
  const productId = await productWith(3);
  const buyers = ids.orderIdList(4);

  const admissions = await Promise.all(buyers.map((orderId) => inventory.admit(orderId, [{ productId, quantity: 1 }])));

  expect(admissions.filter((admission) => admission.admitted)).toHaveLength(3);
  expect(admissions[3]).toEqual({ admitted: false, productId, reason: 'ALL_CLAIMED' });
  await inventory.answered(buyers[0], [productId]);
  expect(await inventory.admit(buyers[3], [{ productId, quantity: 1 }])).toEqual({ admitted: true });
});

test('a reservation ends its claim at once: a unit is never counted both as claimed and as reserved', async () => {
  const productId = await productWith(2);
  const [first, second] = ids.orderIdList(2);
  await inventory.admit(first, [{ productId, quantity: 1 }]);
  await inventory.reserve(first, [{ productId, quantity: 1 }]);

  // One unit left and no buyer pending for it (the first is reserved, even before the API has had its answer).
  expect(await redis.zscore(admissionKey(productId), first)).toBeNull();
  expect(await inventory.admit(second, [{ productId, quantity: 1 }])).toEqual({ admitted: true });
  expect(await inventory.admit(ids.orderId(), [{ productId, quantity: 1 }])).toMatchObject({ admitted: false, reason: 'ALL_CLAIMED' });
});

test('nobody is refused while a unit is unreserved and unclaimed: a stampede sells every unit to admitted buyers', async () => {
  const productId = await productWith(10);
  const buyers = ids.orderIdList(200);
  let sold = 0;

  await Promise.all(
    buyers.map(async (orderId) => {
      const admission = await inventory.admit(orderId, [{ productId, quantity: 1 }]);
      if (!admission.admitted) return;
      const reserved = await inventory.reserve(orderId, [{ productId, quantity: 1 }]);
      await inventory.answered(orderId, [productId]);
      if (reserved.outcome === 'RESERVED') sold += 1;
    }),
  );

  expect(sold).toBe(10);
  expect(await inventory.available(productId)).toBe(0);
  expect(await redis.zcard(admissionKey(productId))).toBe(0);
});

test('a buyer retrying the same order is not counted twice', async () => {
  const productId = await productWith(2);
  const [buyer, other] = ids.orderIdList(2);

  expect(await inventory.admit(buyer, [{ productId, quantity: 1 }])).toEqual({ admitted: true });
  expect(await inventory.admit(buyer, [{ productId, quantity: 1 }])).toEqual({ admitted: true });
  expect(await inventory.admit(other, [{ productId, quantity: 1 }])).toEqual({ admitted: true });
  expect(await redis.zcard(admissionKey(productId))).toBe(2);
});

test('claims of buyers never answered (an API that died) stop counting after half a minute', async () => {
  const productId = await productWith(1);
  await redis.zadd(admissionKey(productId), Date.now() - 31_000, 'lost-1', Date.now() - 31_000, 'lost-2');

  expect(await inventory.admit(ids.orderId(), [{ productId, quantity: 1 }])).toEqual({ admitted: true });
  expect(await redis.zscore(admissionKey(productId), 'lost-1')).toBeNull();
});

test('a product whose availability Redis has lost is admitted, so its reservation can rebuild it', async () => {
  const productId = ids.productId();

  expect(await inventory.admit(ids.orderId(), [{ productId, quantity: 1 }])).toEqual({ admitted: true });
});

test('an order is refused when any one of its lines cannot be admitted, and claims nothing', async () => {
  const plenty = await productWith(10);
  const soldOut = await productWith(0);

  expect(await inventory.admit(ids.orderId(), [{ productId: plenty, quantity: 1 }, { productId: soldOut, quantity: 1 }])).toEqual({
    admitted: false,
    productId: soldOut,
    reason: 'SOLD_OUT',
  });
  expect(await redis.zcard(admissionKey(plenty))).toBe(0);
});
