/**
 * GET /products/:id with STOCK_READ_MAX_AGE: an answer may come from a read that began at most that long before, so
 * a change made elsewhere (another API process, the worker) shows once that age has passed, while a restock through
 * this API shows on its very next read. End to end on the real stack (test/support/service.ts).
 */
import { restock } from '../../db/catalogue';
import { resyncAvailability } from '../../inventory/availability-sync';
import { useService } from './fixtures';
import { eventually } from './http';

const MAX_AGE_MS = 5_000;
const fixture = useService({ holdMs: 60_000, stockReadMaxAgeMs: MAX_AGE_MS });

async function stockOf(productId: number): Promise<{ stock: number; available: number }> {
  const answer = await fixture.api.get(`/products/${productId}`);
  expect(answer.status).toBe(200);
  return { stock: answer.body.stock, available: answer.body.available };
}

test('a change made elsewhere shows once the max age has passed, not before', async () => {
  const product = await fixture.newProduct({ stock: 5 });
  expect(await stockOf(product.id)).toEqual({ stock: 5, available: 5 });
  const started = Date.now();

  // What another API process's restock does: MySQL, then Redis rebuilt from it.
  await restock(fixture.service.orm, product.id, 2);
  await resyncAvailability(fixture.service.orm, fixture.service.inventory, product.id);

  expect(await stockOf(product.id)).toEqual({ stock: 5, available: 5 });
  await eventually(async () => expect(await stockOf(product.id)).toEqual({ stock: 7, available: 7 }), 3 * MAX_AGE_MS, 250);
  expect(Date.now() - started).toBeLessThan(MAX_AGE_MS + 2_000);
}, 30_000);

test('a restock through this API is read back at once', async () => {
  const product = await fixture.newProduct({ stock: 5 });
  expect(await stockOf(product.id)).toEqual({ stock: 5, available: 5 });
  expect((await fixture.api.post(`/products/${product.id}/restock`, { quantity: 2 })).status).toBe(200);
  expect(await stockOf(product.id)).toEqual({ stock: 7, available: 7 });
});

test('a product created right after its id was asked for is found at once', async () => {
  const before = await fixture.newProduct({ stock: 1 });
  expect((await fixture.api.get(`/products/${before.id + 1}`)).status).toBe(404);
  const product = await fixture.newProduct({ stock: 3 });
  expect(product.id).toBe(before.id + 1); // this file alone creates products meanwhile
  expect(await stockOf(product.id)).toEqual({ stock: 3, available: 3 });
});
