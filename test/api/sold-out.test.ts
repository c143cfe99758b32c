/**
 * Sold-out answers through the REST API: once the gate has found a product sold out, the API refuses its buyers
 * without asking Redis, and units coming back (a restock, a cancelled order) reopen the sale for the next buyer.
 */
import { expectProblem, unique } from './http';
import { serviceForThisFile } from './service-per-file';
import { ADMIN, OPERATOR } from '../support/auth';

const stack = serviceForThisFile({ holdMs: 60_000 });

async function productWith(stock: number): Promise<number> {
  const answer = await stack.api.post('/products', { sku: unique('api-sold-out'), name: 'Sold-out product', priceCents: 1_500, stock });
  expect(answer.status).toBe(201);
  return answer.body.id;
}

const order = (productId: number, quantity = 1) => stack.api.post('/orders', { customerId: unique('cus-sold-out'), items: [{ productId, quantity }] });

test('a restock reopens a sold-out product for the very next buyer', async () => {
  const productId = await productWith(1);
  expect((await order(productId)).status).toBe(201);
  expectProblem(await order(productId), 409, 'OUT_OF_STOCK');
  expectProblem(await order(productId), 409, 'OUT_OF_STOCK'); // answered from the flag

  expect((await stack.api.post(`/products/${productId}/restock`, { quantity: 1 })).status).toBe(200);

  expect((await order(productId)).status).toBe(201);
});

test('a cancelled order gives its unit back to the next buyer', async () => {
  const productId = await productWith(1);
  const first = await order(productId);
  expectProblem(await order(productId), 409, 'OUT_OF_STOCK');

  expect((await stack.api.post(`/orders/${first.body.id}/cancel`)).status).toBe(200);

  expect((await order(productId)).status).toBe(201);
});

test('a buyer of fewer units than a refused buyer asked for is still served', async () => {
  const productId = await productWith(2);
  expectProblem(await order(productId, 3), 409, 'OUT_OF_STOCK');

  expect((await order(productId, 2)).status).toBe(201);
});

test('a retry with its Idempotency-Key gets its own order after the product sold out, not the flag', async () => {
  const productId = await productWith(1);
  const customerId = unique('cus-sold-out-retry');
  const placeOnce = () => stack.api.post('/orders', { customerId, items: [{ productId, quantity: 1 }] }, { idempotencyKey: `retry-${customerId}` });
  const first = await placeOnce();
  expect(first.status).toBe(201);
  expectProblem(await order(productId), 409, 'OUT_OF_STOCK'); // the product is flagged sold out now

  const retry = await placeOnce();
  expect(retry.status).toBe(201);
  expect(retry.body.id).toBe(first.body.id);
});

test('the flag answers only callers who may place orders: anonymous gets 401 and staff 403, as on any product', async () => {
  const productId = await productWith(0);
  expectProblem(await order(productId), 409, 'OUT_OF_STOCK'); // the product is flagged sold out now
  const items = [{ productId, quantity: 1 }];

  expectProblem(await stack.api.post('/orders', { items }, { as: 'anonymous' }), 401, 'UNAUTHENTICATED');
  expectProblem(await stack.api.post('/orders', { items }, { as: ADMIN }), 403, 'FORBIDDEN');
  expectProblem(await stack.api.post('/orders', { items }, { as: OPERATOR }), 403, 'FORBIDDEN');
});
