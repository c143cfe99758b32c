/**
 * POST /products/:id/restock, end to end: an Idempotency-Key makes a retried restock add its units once, and Redis
 * is brought in line with MySQL by the rebuild rule, so a crash between the two steps is mended by the retry.
 */
import { restockOnce } from '../../db/catalogue';
import { readStock } from '../support/db';
import { expectProblem, unique } from './http';
import { serviceForThisFile } from './service-per-file';

const stack = serviceForThisFile({ holdMs: 60_000 });

async function newProduct(stock: number): Promise<{ id: number; sku: string }> {
  const answer = await stack.api.post('/products', { sku: unique('restock-sku'), name: 'Restock test product', priceCents: 500, stock });
  expect(answer.status).toBe(201);
  return answer.body;
}

test('a restock retried with its Idempotency-Key adds the units once and answers the same stock', async () => {
  const product = await newProduct(5);
  const key = unique('restock');

  const first = await stack.api.post(`/products/${product.id}/restock`, { quantity: 3 }, { idempotencyKey: key });
  const retry = await stack.api.post(`/products/${product.id}/restock`, { quantity: 3 }, { idempotencyKey: key });

  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ stock: 8, available: 8 });
  expect(retry.status).toBe(200);
  expect(retry.headers.get('idempotent-replayed')).toBe('true');
  expect(retry.body).toMatchObject({ stock: 8, available: 8 });
  expect(await readStock(stack.service.orm, product.id)).toBe(8);
});

test('the same key for another quantity is refused with 422, adding nothing', async () => {
  const product = await newProduct(5);
  const key = unique('restock');
  expect((await stack.api.post(`/products/${product.id}/restock`, { quantity: 3 }, { idempotencyKey: key })).status).toBe(200);

  const reused = await stack.api.post(`/products/${product.id}/restock`, { quantity: 4 }, { idempotencyKey: key });

  expectProblem(reused, 422, 'IDEMPOTENCY_KEY_REUSED');
  expect(await readStock(stack.service.orm, product.id)).toBe(8);
});

test('a restock committed in MySQL whose Redis step was lost is mended by its retry, not added twice', async () => {
  const product = await newProduct(5);
  const key = unique('restock');
  // The API died right after the MySQL commit: Redis never heard of the 4 units.
  await restockOnce(stack.service.orm, product.id, 4, key);
  expect(await stack.service.inventory.available(product.id)).toBe(5);

  const retry = await stack.api.post(`/products/${product.id}/restock`, { quantity: 4 }, { idempotencyKey: key });

  expect(retry.status).toBe(200);
  expect(retry.body).toMatchObject({ stock: 9, available: 9 });
});

test('a restock while an order holds units leaves availability = stock minus the held units', async () => {
  const product = await newProduct(5);
  const order = await stack.api.post('/orders', { customerId: unique('cus'), items: [{ productId: product.id, quantity: 2 }] });
  expect(order.status).toBe(201);

  const restocked = await stack.api.post(`/products/${product.id}/restock`, { quantity: 10 }, { idempotencyKey: unique('restock') });

  expect(restocked.body).toMatchObject({ stock: 15, available: 13 });
  const cancelled = await stack.api.post(`/orders/${order.body.id}/cancel`);
  expect(cancelled.status).toBe(200);
  expect(await stack.service.inventory.available(product.id)).toBe(15);
});
