/** The catalogue: POST /products, GET /products, GET /products/:id, POST /products/:id/restock.
 *
 * End to end (see test/support/service.ts): the Express app, a worker with the real activities on the real Temporal
 * dev server, MariaDB, Redis and the payments stand-in. Every product and customer here is new, so the tests hold
 * whatever else is in the shared database.
 */
import { MAX_PRICE_CENTS, MAX_STOCK } from '../../config/bounds';
import { forkSql, run } from '../../db/sql';
import { readStock } from '../support/db';
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
    expect(answer.body).toEqual({ id: expect.any(Number), sku, name: 'Limited sneaker', priceCents: 12_900, stock: 7, available: 7, saleStartsAt: null, queue: null });
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

  test('GET /products/:id answers {id, sku, name, priceCents, stock, available, saleStartsAt, queue}', async () => {
    const product = await newProduct({ stock: 4, priceCents: 2_500 });
    const answer = await fixture.api.get(`/products/${product.id}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ id: product.id, sku: product.sku, name: product.name, priceCents: 2_500, stock: 4, available: 4, saleStartsAt: null, queue: null });
  });

  test('after FLUSHDB, GET /products/:id answers the availability rebuilt from MySQL within a second, and GET /products too, with no order placed', async () => {
    const product = await newProduct({ stock: 5 });
    await reservedOrder({ product, quantity: 2 }); // an open order's hold is part of what is rebuilt

    // A real FLUSHDB of this test run's own Redis database (TEST_REDIS_URL), as `redis-cli FLUSHDB` does: every key goes.
    const flushStarted = performance.now();
    await fixture.service.redis.flushdb();
    const answer = await fixture.api.get(`/products/${product.id}`);
    const answeredAfterMs = performance.now() - flushStarted;
    expect(answer.body).toMatchObject({ id: product.id, stock: 5, available: 3 });
    expect(answeredAfterMs).toBeLessThan(1_000);

    await fixture.service.redis.flushdb();
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

describe('the public catalogue', () => {
  const visitor = { as: 'anonymous' as const };
  const sharedCaching = 'public, max-age=2, s-maxage=2';

  test('a visitor without a token reads a product, answered with shared caching headers and an ETag', async () => {
    const product = await newProduct({ stock: 3 });
    const answer = await fixture.api.get(`/products/${product.id}`, visitor);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(product);
    expect(answer.headers.get('cache-control')).toBe(sharedCaching);
    expect(answer.headers.get('vary')).toMatch(/Authorization/i);
    expect(answer.headers.get('etag')).toEqual(expect.any(String));
  });

  test('a visitor lists the catalogue with the same headers', async () => {
    const answer = await fixture.api.get('/products?limit=5', visitor);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe(sharedCaching);
    expect(answer.headers.get('etag')).toEqual(expect.any(String));
  });

  test('If-None-Match with the current ETag answers 304 without a body; once the product changes, 200 again', async () => {
    const product = await newProduct({ stock: 3 });
    const first = await fixture.api.get(`/products/${product.id}`, visitor);
    // As a browser or a CDN revalidates. (fetch would add Cache-Control: no-cache to a conditional request, which
    // asks for a full answer.)
    const revalidate = { ...visitor, headers: { 'if-none-match': first.headers.get('etag')!, 'cache-control': 'max-age=0' } };
    const repeat = await fixture.api.get(`/products/${product.id}`, revalidate);
    expect(repeat.status).toBe(304);
    expect(repeat.body).toBe('');
    await fixture.api.post(`/products/${product.id}/restock`, { quantity: 1 });
    const changed = await fixture.api.get(`/products/${product.id}`, revalidate);
    expect(changed.status).toBe(200);
    expect(changed.body.stock).toBe(4);
  });

  test('a signed-in caller gets the same product as a private answer', async () => {
    const product = await newProduct();
    const answer = await fixture.api.get(`/products/${product.id}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(product);
    expect(answer.headers.get('cache-control')).toBe('private, no-cache');
  });

  test.each(['/products', '/products/1'])('a bad token on GET %s is still refused: 401, not read as a visitor', async (path) => {
    const answer = await fixture.api.get(path, { ...visitor, headers: { authorization: 'Bearer not-a-jwt' } });
    expectProblem(answer, 401, 'UNAUTHENTICATED');
    expect(answer.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  test('writing the catalogue still needs the admin role', async () => {
    const answer = await fixture.api.post('/products', { sku: unique('api-sku'), name: 'Anonymous', priceCents: 1, stock: 1 }, visitor);
    expectProblem(answer, 401, 'UNAUTHENTICATED');
  });
});

describe('searching the catalogue: GET /products?q=', () => {
  /** Products only this test's searches can find: every name and sku carries `tag`. */
  async function productsTagged(tag: string) {
    const create = async (sku: string, name: string) => {
      const answer = await fixture.api.post('/products', { sku, name, priceCents: 1_500, stock: 2 });
      expect(answer.status).toBe(201);
      return answer.body as ProductBody;
    };
    const sneaker = await create(`SNK-${tag}-RED`, `Limited Sneaker ${tag}`);
    const tote = await create(`TOTE-${tag}`, `Canvas tote ${tag} 100%_cotton`);
    const boot = await create(`BOOT-${tag}-RED`, `Rain boot ${tag}`);
    return { sneaker, tote, boot };
  }
  const search = async (q: string, extra = '') => {
    const answer = await fixture.api.get(`/products?q=${encodeURIComponent(q)}${extra}`, { as: 'anonymous' });
    expect(answer.status).toBe(200);
    return answer;
  };
  const idsFound = async (q: string) => (await search(q)).body.data.map((product: ProductBody) => product.id);
  const newTag = () => unique('srch').replace('-', '');

  test('finds products whose name contains the word, whatever its case, also inside a word', async () => {
    const tag = newTag();
    const { sneaker } = await productsTagged(tag);
    expect(await idsFound(`SNEAKER ${tag}`)).toEqual([sneaker.id]);
    expect(await idsFound(`neak ${tag.toUpperCase()}`)).toEqual([sneaker.id]);
    expect((await search(`sneaker ${tag}`)).body.data).toEqual([sneaker]);
  });

  test('finds products by sku, and a product must contain every word (in its name or its sku)', async () => {
    const tag = newTag();
    const { sneaker, boot } = await productsTagged(tag);
    expect(await idsFound(`${tag}-red`)).toEqual([sneaker.id, boot.id]);
    expect(await idsFound(`boot ${tag}-red`)).toEqual([boot.id]);
    expect(await idsFound(`boot sneaker ${tag}`)).toEqual([]);
  });

  test('words shorter than three characters and LIKE wildcards are matched literally', async () => {
    const tag = newTag();
    const { tote } = await productsTagged(tag);
    expect(await idsFound(`${tag} %_`)).toEqual([tote.id]);
    expect(await idsFound(`${tag} 0%_c`)).toEqual([tote.id]);
    expect(await idsFound(`${tag} _`)).toEqual([tote.id]);
    expect(await idsFound(`${tag} ca`)).toEqual([tote.id]);
  });

  test('pages like the list: limit, then the cursor answers the rest', async () => {
    const tag = newTag();
    const { sneaker, tote, boot } = await productsTagged(tag);
    const first = await search(tag, '&limit=2');
    expect(first.body.data.map((product: ProductBody) => product.id)).toEqual([sneaker.id, tote.id]);
    const second = await search(tag, `&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toEqual({ data: [boot], nextCursor: null });
  });

  test('a search answer is cached like the list', async () => {
    const answer = await search(newTag());
    expect(answer.body).toEqual({ data: [], nextCursor: null });
    expect(answer.headers.get('cache-control')).toBe('public, max-age=2, s-maxage=2');
  });

  test.each([
    ['empty', ''],
    ['blank', '   '],
    ['longer than 100 characters', 'x'.repeat(101)],
    ['of more than 8 words', 'a b c d e f g h i'],
  ])('a q %s answers 400 naming query.q', async (_what, q) => {
    const answer = await fixture.api.get(`/products?q=${encodeURIComponent(q)}`, { as: 'anonymous' });
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe('query.q');
  });
});
