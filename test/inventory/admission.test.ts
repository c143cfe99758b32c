/**
 * The admission gate in front of the order workflows: sold-out buyers are answered from Redis alone, and while
 * units remain, no more than twice the units left are being reserved at once, so a stampede of buyers starts a
 * small multiple of the units in workflows, not one per buyer.
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

test('while units remain, buyers are admitted up to twice the units left, and an answered buyer frees a place', async () => {
  const productId = await productWith(3);
  const buyers = ids.orderIdList(7);

  const admissions = await Promise.all(buyers.map((orderId) => inventory.admit(orderId, [{ productId, quantity: 1 }])));

  expect(admissions.filter((admission) => admission.admitted)).toHaveLength(6);
  expect(admissions[6]).toEqual({ admitted: false, productId, reason: 'ALL_CLAIMED' });
  await inventory.answered(buyers[0], [productId]);
  expect(await inventory.admit(buyers[6], [{ productId, quantity: 1 }])).toEqual({ admitted: true });
});

test('the gate follows the units left: as reservations take units, fewer buyers are admitted', async () => {
  const productId = await productWith(2);
  const [first, second, third] = ids.orderIdList(3);
  await inventory.admit(first, [{ productId, quantity: 1 }]);
  await inventory.admit(second, [{ productId, quantity: 1 }]);
  await inventory.reserve(first, [{ productId, quantity: 1 }]);
  await inventory.answered(first, [productId]);

  // One unit left, one buyer (second) still being reserved: one more place remains, then none.
  expect(await inventory.admit(third, [{ productId, quantity: 1 }])).toEqual({ admitted: true });
  expect(await inventory.admit(ids.orderId(), [{ productId, quantity: 1 }])).toMatchObject({ admitted: false, reason: 'ALL_CLAIMED' });
});

test('a buyer retrying the same order is not counted twice', async () => {
  const productId = await productWith(1);
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
