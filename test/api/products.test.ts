/** The catalogue: POST /products, GET /products, GET /products/:id, POST /products/:id/restock.
 *
 * End to end (see test/support/service.ts): the Express app, a worker with the real activities on the real Temporal
 * dev server, MariaDB, Redis and the payments stand-in. Every product and customer here is new, so the tests hold
 * whatever else is in the shared database.
 */
import { MAX_PRICE_CENTS, MAX_STOCK } from '../../config/bounds';
import { forkSql, run } from '../../db/sql';
import { readStock } from '../support/db';
import { availabilityKey, holdKey } from '../../inventory/keys';
import { encodeCursor } from '../../api/pagination';
import { useService, type ProductBody } from './fixtures';
import { expectProblem, unique } from './http';

const HOLD_MS = 60_000;

const fixture = useService({ holdMs: HOLD_MS });
const { newProduct, available, reservedOrder } = fixture;
/** The page cursor whose next item is this product (the list is in id order). */
const cursorBefore = (productId: number) => encodeCursor({ id: productId - 1 });

describe('products', () => {
  test('POST /products creates the product with all its stock available, and answers 201 with its Location', async () => {
    const sku = unique('api-sku');
    const answer = await fixture.api.post('/products', { sku, name: 'Limited sneaker', priceCents: 12_900, stock: 7 });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ id: expect.any(Number), sku, name: 'Limited sneaker', priceCents: 12_900, stock: 7, available: 7 });
    expect(answer.headers.get('location')).toBe(`/products/${answer.body.id}`);
    expect(await readStock(fixture.service.orm, answer.body.id)).toBe(7);
    expect(await fixture.service.inventory.available(answer.body.id)).toBe(7);
  });

  test('POST /products with a sku that already exists answers 409 SKU_TAKEN naming body.sku', async () => {
    const product = await newProduct();
    const answer = await fixture.api.post('/products', { sku: product.sku, name: 'Another', priceCents: 1, stock: 1 });
    expectProblem(answer, 409, 'SKU_TAKEN');
    expect(answer.body.field).toBe('body.sku');
  });

  test('POST /products with an invalid field answers 400 naming the field', async () => {
    const answer = await fixture.api.post('/products', { sku: unique('api-sku'), name: 'Negative', priceCents: -1, stock: 1 });
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe('body.priceCents');
  });

  test('GET /products lists products with their stock and availability, a page at a time in id order', async () => {
    const product = await newProduct({ stock: 3 });
    const seen: ProductBody[] = [];
    let cursor: string | null = null;
    do {
      const answer = await fixture.api.get(`/products?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      expect(answer.status).toBe(200);
      expect(answer.body.data.length).toBeLessThanOrEqual(100);
      seen.push(...answer.body.data);
      cursor = answer.body.nextCursor;
    } while (cursor !== null);
    expect(seen.filter((listed) => listed.id === product.id)).toEqual([product]);
    const ids = seen.map((listed) => listed.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('GET /products?limit=2 answers two products and a cursor; the cursor answers the next ones', async () => {
    await Promise.all([newProduct(), newProduct(), newProduct()]);
    const first = await fixture.api.get('/products?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await fixture.api.get(`/products?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.status).toBe(200);
    expect(second.body.data[0].id).toBeGreaterThan(first.body.data[1].id);
  });

  test.each(['limit=0', 'limit=101', 'limit=1e1', 'limit=0x10', 'limit=+5', 'limit=05', 'cursor=not-a-cursor', 'cursor=%7B%7D', 'page=2'])(
    'GET /products?%s answers 400 naming the query parameter',
    async (query) => {
      const answer = await fixture.api.get(`/products?${query}`);
      expectProblem(answer, 400, 'VALIDATION_FAILED');
      expect(answer.body.field).toMatch(/^query/);
    },
  );

  test('GET /products/:id answers {id, sku, name, priceCents, stock, available}', async () => {
    const product = await newProduct({ stock: 4, priceCents: 2_500 });
    const answer = await fixture.api.get(`/products/${product.id}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ id: product.id, sku: product.sku, name: product.name, priceCents: 2_500, stock: 4, available: 4 });
  });

  test('after Redis lost a product\'s count, GET /products/:id and GET /products answer the availability rebuilt from MySQL, with no order placed', async () => {
    const product = await newProduct({ stock: 5 });
    const { orderId } = await reservedOrder({ product, quantity: 2 }); // an open order's hold is part of what is rebuilt
    await fixture.service.redis.del(availabilityKey(product.id), holdKey(orderId)); // what a flush does to this product

    const answer = await fixture.api.get(`/products/${product.id}`);
    expect(answer.body).toMatchObject({ id: product.id, stock: 5, available: 3 });

    await fixture.service.redis.del(availabilityKey(product.id), holdKey(orderId));
    const listed = await fixture.api.get(`/products?limit=1&cursor=${cursorBefore(product.id)}`);
    expect(listed.body.data).toEqual([expect.objectContaining({ id: product.id, stock: 5, available: 3 })]);
  });

  test('GET /products/:id of an unknown product answers 404 PRODUCT_NOT_FOUND', async () => {
    const answer = await fixture.api.get(`/products/${2 ** 31 - 1}`);
    expectProblem(answer, 404, 'PRODUCT_NOT_FOUND');
    expect(answer.body.field).toBe('path.id');
  });

  test.each(['0x1', '1e0', '%2B1', '01', '1.0', '%201', '0'])('GET /products/%s is not product 1: 400 naming path.id', async (id) => {
    const answer = await fixture.api.get(`/products/${id}`);
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe('path.id');
  });

  test('GET /products/:id with an id that is not a positive integer answers 400 naming path.id', async () => {
    const answer = await fixture.api.get('/products/abc');
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe('path.id');
  });

  test('restocking raises both stock and availability by the quantity, also while units are reserved', async () => {
    const { product } = await reservedOrder({ product: await newProduct({ stock: 10 }), quantity: 2 });
    expect(await available(product.id)).toBe(8);

    const answer = await fixture.api.post(`/products/${product.id}/restock`, { quantity: 5 });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ ...product, stock: 15, available: 13 });
    expect(await readStock(fixture.service.orm, product.id)).toBe(15);
    expect(await fixture.service.inventory.available(product.id)).toBe(13);
  });

  test('restocking with a quantity below 1 answers 400 naming body.quantity and changes nothing', async () => {
    const product = await newProduct({ stock: 3 });
    const answer = await fixture.api.post(`/products/${product.id}/restock`, { quantity: 0 });
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe('body.quantity');
    expect(await readStock(fixture.service.orm, product.id)).toBe(3);
    expect(await available(product.id)).toBe(3);
  });

  test('restocking an unknown product answers 404 PRODUCT_NOT_FOUND', async () => {
    expectProblem(await fixture.api.post(`/products/${2 ** 31 - 1}/restock`, { quantity: 1 }), 404, 'PRODUCT_NOT_FOUND');
  });

  test.each([
    ['a price of 0 (an order of it could never be paid)', 0],
    ['a price above one payment', MAX_PRICE_CENTS + 1],
    ['the price of Why 2, 100,000,000 cents', 100_000_000],
  ])('POST /products with %s answers 400 naming body.priceCents', async (_what, priceCents) => {
    const answer = await fixture.api.post('/products', { sku: unique('api-sku'), name: 'Out of range', priceCents, stock: 1 });
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe('body.priceCents');
  });

  test('POST /products at the largest price one payment takes is accepted', async () => {
    expect((await newProduct({ priceCents: MAX_PRICE_CENTS })).priceCents).toBe(MAX_PRICE_CENTS);
  });

  test('a restock that would take the stock past the stock column answers 400 STOCK_LIMIT_EXCEEDED and changes nothing; up to it is fine', async () => {
    const product = await newProduct({ stock: 10 });
    // Near the limit in both stores, as after many restocks.
    await run(forkSql(fixture.service.orm), 'UPDATE product SET stock = ? WHERE id = ?', [MAX_STOCK - 5, product.id]);
    await fixture.service.inventory.add(product.id, MAX_STOCK - 15);

    const refused = await fixture.api.post(`/products/${product.id}/restock`, { quantity: 6 });
    expectProblem(refused, 400, 'STOCK_LIMIT_EXCEEDED');
    expect(refused.body).toMatchObject({ field: 'body.quantity', maxStock: MAX_STOCK });
    expect(await readStock(fixture.service.orm, product.id)).toBe(MAX_STOCK - 5);
    expect(await available(product.id)).toBe(MAX_STOCK - 5);

    const accepted = await fixture.api.post(`/products/${product.id}/restock`, { quantity: 5 });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ stock: MAX_STOCK, available: MAX_STOCK });
  });
});
