/**
 * The admission gate in front of the order workflows: sold-out buyers are answered from Redis alone, and while
 * units remain, a buyer is admitted only while some unreserved unit is not yet claimed by a buyer ahead, so a
 * stampede of buyers starts about as many workflows as there are units, not one per buyer, and nobody who could
 * still get a unit is turned away.
 */
import { admissionKey } from '../../inventory/keys';
import { inventoryForThisFile } from '../support/redis';

const gate = inventoryForThisFile();
const { ids, productWith } = gate;


test('a sold-out product refuses every buyer', async () => {
  const productId = await productWith(0);

  expect(await gate.inventory.admit(ids.orderId(), [{ productId, quantity: 1 }])).toEqual({ admitted: false, productId, reason: 'SOLD_OUT' });
  expect(await gate.redis.zcard(admissionKey(productId))).toBe(0);
});

test('while units remain, buyers are admitted up to the units left, and an answered buyer frees a place', async () => {
  const productId = await productWith(3);
  const buyers = ids.orderIdList(4);

  const admissions = await Promise.all(buyers.map((orderId) => gate.inventory.admit(orderId, [{ productId, quantity: 1 }])));

  expect(admissions.filter((admission) => admission.admitted)).toHaveLength(3);
  expect(admissions[3]).toEqual({ admitted: false, productId, reason: 'ALL_CLAIMED' });
  await gate.inventory.answered(buyers[0], [productId]);
  expect(await gate.inventory.admit(buyers[3], [{ productId, quantity: 1 }])).toEqual({ admitted: true });
});

test('a reservation ends its claim at once: a unit is never counted both as claimed and as reserved', async () => {
  const productId = await productWith(2);
  const [first, second] = ids.orderIdList(2);
  await gate.inventory.admit(first, [{ productId, quantity: 1 }]);
  await gate.inventory.reserve(first, [{ productId, quantity: 1 }]);

  // One unit left and no buyer pending for it (the first is reserved, even before the API has had its answer).
  expect(await gate.redis.zscore(admissionKey(productId), first)).toBeNull();
  expect(await gate.inventory.admit(second, [{ productId, quantity: 1 }])).toEqual({ admitted: true });
  expect(await gate.inventory.admit(ids.orderId(), [{ productId, quantity: 1 }])).toMatchObject({ admitted: false, reason: 'ALL_CLAIMED' });
});

test('nobody is refused while a unit is unreserved and unclaimed: a stampede sells every unit to admitted buyers', async () => {
  const productId = await productWith(10);
  const buyers = ids.orderIdList(200);
  let sold = 0;

  await Promise.all(
    buyers.map(async (orderId) => {
      const admission = await gate.inventory.admit(orderId, [{ productId, quantity: 1 }]);
      if (!admission.admitted) return;
      const reserved = await gate.inventory.reserve(orderId, [{ productId, quantity: 1 }]);
      await gate.inventory.answered(orderId, [productId]);
      if (reserved.outcome === 'RESERVED') sold += 1;
    }),
  );

  expect(sold).toBe(10);
  expect(await gate.inventory.available(productId)).toBe(0);
  expect(await gate.redis.zcard(admissionKey(productId))).toBe(0);
});

test('a buyer retrying the same order is not counted twice', async () => {
  const productId = await productWith(2);
  const [buyer, other] = ids.orderIdList(2);

  expect(await gate.inventory.admit(buyer, [{ productId, quantity: 1 }])).toEqual({ admitted: true });
  expect(await gate.inventory.admit(buyer, [{ productId, quantity: 1 }])).toEqual({ admitted: true });
  expect(await gate.inventory.admit(other, [{ productId, quantity: 1 }])).toEqual({ admitted: true });
  expect(await gate.redis.zcard(admissionKey(productId))).toBe(2);
});

test('claims of buyers never answered (an API that died) stop counting after half a minute', async () => {
  const productId = await productWith(1);
  await gate.redis.zadd(admissionKey(productId), Date.now() - 31_000, 'lost-1', Date.now() - 31_000, 'lost-2');

  expect(await gate.inventory.admit(ids.orderId(), [{ productId, quantity: 1 }])).toEqual({ admitted: true });
  expect(await gate.redis.zscore(admissionKey(productId), 'lost-1')).toBeNull();
});

test('a product whose availability Redis has lost is admitted, so its reservation can rebuild it', async () => {
  const productId = ids.productId();

  expect(await gate.inventory.admit(ids.orderId(), [{ productId, quantity: 1 }])).toEqual({ admitted: true });
});

test('an order is refused when any one of its lines cannot be admitted, and claims nothing', async () => {
  const plenty = await productWith(10);
  const soldOut = await productWith(0);

  expect(await gate.inventory.admit(ids.orderId(), [{ productId: plenty, quantity: 1 }, { productId: soldOut, quantity: 1 }])).toEqual({
    admitted: false,
    productId: soldOut,
    reason: 'SOLD_OUT',
  });
  expect(await gate.redis.zcard(admissionKey(plenty))).toBe(0);
});
