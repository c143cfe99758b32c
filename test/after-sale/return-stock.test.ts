/**
 * A received return's sellable units go back into MySQL's stock and Redis's availability exactly once: the step is
 * retried after the worker died between the two stores, sent twice, and run twice at once, and the units still come
 * back once (real MariaDB and Redis).
 */
import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { createReturnStockActivities } from '../../activities/return-stock';
import { forkSql, select } from '../../db/sql';
import { Inventory } from '../../inventory/inventory';
import { createTestProduct, openTestOrm, readStock, uniqueOrderId } from '../support/db';
import { openTestRedis } from '../support/redis';

let orm: MikroORM;
let redis: Redis;
let inventory: Inventory;

beforeAll(async () => {
  orm = await openTestOrm();
  redis = await openTestRedis();
  inventory = new Inventory(redis);
});
afterAll(async () => {
  await redis.quit();
  await orm.close();
});

/** An inventory whose first `forget` fails, as a worker dying after the MySQL step but before Redis was brought in line. */
function dyingOnce(real: Inventory): Inventory {
  let died = false;
  return new Proxy(real, {
    get(target, property, receiver) {
      if (property === 'forget' && !died) {
        return async () => {
          died = true;
          throw new Error('worker died mid-step');
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function productOnSale(stock: number) {
  const product = await createTestProduct(orm, { stock });
  await inventory.load(product.id, stock);
  return product;
}

const returnMovements = (orderId: string) =>
  select<{ delta: number }>(forkSql(orm), "SELECT delta FROM stock_movement WHERE order_id = ? AND kind = 'RETURN'", [orderId]);

test('a retry after the worker died between MySQL and Redis restocks once, and so does a receive sent again', async () => {
  const product = await productOnSale(7);
  const input = { orderId: uniqueOrderId('return'), returnId: `ret_${randomUUID()}`, lines: [{ productId: product.id, quantity: 2 }] };

  await expect(createReturnStockActivities(orm, dyingOnce(inventory)).restockReturn(input)).rejects.toThrow('worker died mid-step');
  expect(await readStock(orm, product.id)).toBe(9);

  const { restockReturn } = createReturnStockActivities(orm, inventory);
  await restockReturn(input); // Temporal's retry of the step
  await restockReturn(input); // the receive sent again
  expect(await readStock(orm, product.id)).toBe(9);
  expect(await inventory.available(product.id)).toBe(9);
  expect(await returnMovements(input.orderId)).toEqual([{ delta: 2 }]);
});

test('two runs of the same return at once restock once; another return of the same order restocks too', async () => {
  const product = await productOnSale(5);
  const orderId = uniqueOrderId('return');
  const first = { orderId, returnId: `ret_${randomUUID()}`, lines: [{ productId: product.id, quantity: 1 }] };
  const { restockReturn } = createReturnStockActivities(orm, inventory);
  await Promise.all([restockReturn(first), restockReturn(first)]);
  expect(await readStock(orm, product.id)).toBe(6);
  await restockReturn({ ...first, returnId: `ret_${randomUUID()}` });
  expect(await readStock(orm, product.id)).toBe(7);
  expect(await inventory.available(product.id)).toBe(7);
});
