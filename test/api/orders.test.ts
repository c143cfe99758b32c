/** Orders: placing one (POST /orders, with and without Idempotency-Key) and reading them (GET /orders, GET /orders/:id).
 *
 * End to end (see test/support/service.ts): the Express app, a worker with the real activities on the real Temporal
 * dev server, MariaDB, Redis and the payments stand-in. Every product and customer here is new, so the tests hold
 * whatever else is in the shared database.
 */
import { MAX_ORDER_TOTAL_CENTS, MAX_PRICE_CENTS } from '../../config/bounds';
import { readStock } from '../support/db';
import { useService } from './fixtures';
import { countOrderRows, eventually, expectProblem, unique } from './http';

const HOLD_MS = 60_000;

const fixture = useService({ holdMs: HOLD_MS });
const { newProduct, available, placeOrder, reservedOrder, pay, cancel } = fixture;

describe('placing an order', () => {
  test('reserves the units and answers 201 RESERVED with catalogue prices, the total, the hold end and a Location', async () => {
    const product = await newProduct({ stock: 10, priceCents: 1_250 });
    const customerId = unique('cus');
    const before = Date.now();
    const answer = await placeOrder([{ productId: product.id, quantity: 3 }], { customerId });

    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({
      id: expect.stringMatching(/^ord_/),
      customerId,
      status: 'RESERVED',
      items: [{ productId: product.id, sku: product.sku, quantity: 3, unitPriceCents: 1_250 }],
      totalCents: 3_750,
      reservedUntil: expect.any(String),
      payment: null,
      notifications: [],
    });
    expect(answer.headers.get('location')).toBe(`/orders/${answer.body.id}`);
    const holdEnds = Date.parse(answer.body.reservedUntil);
    expect(holdEnds).toBeGreaterThanOrEqual(before + HOLD_MS - 1_000);
    expect(holdEnds).toBeLessThanOrEqual(Date.now() + HOLD_MS + 1_000);

    // Held in Redis, not yet sold in MySQL.
    expect(await available(product.id)).toBe(7);
    expect(await readStock(fixture.service.orm, product.id)).toBe(10);
    const stored = await fixture.api.get(`/orders/${answer.body.id}`);
    expect(stored.body).toMatchObject({ id: answer.body.id, status: 'RESERVED' });
  });

  test('an order of several products totals every line at its catalogue price', async () => {
    const [a, b] = await Promise.all([newProduct({ priceCents: 300 }), newProduct({ priceCents: 1_999 })]);
    const answer = await placeOrder([
      { productId: a.id, quantity: 2 },
      { productId: b.id, quantity: 1 },
    ]);
    expect(answer.status).toBe(201);
    expect(answer.body.items).toEqual([
      { productId: a.id, sku: a.sku, quantity: 2, unitPriceCents: 300 },
      { productId: b.id, sku: b.sku, quantity: 1, unitPriceCents: 1_999 },
    ]);
    expect(answer.body.totalCents).toBe(2_599);
  });

  test('a price sent by the client is refused as an unknown field (prices come from the catalogue)', async () => {
    const product = await newProduct();
    const answer = await fixture.api.post('/orders', { customerId: unique('cus'), items: [{ productId: product.id, quantity: 1, unitPriceCents: 1 }] });
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe('body.items.0');
  });

  test('more units than are available answers 409 OUT_OF_STOCK naming the line, and holds nothing', async () => {
    const product = await newProduct({ stock: 2 });
    const customerId = unique('cus');
    const answer = await placeOrder([{ productId: product.id, quantity: 3 }], { customerId });
    expectProblem(answer, 409, 'OUT_OF_STOCK');
    expect(answer.body).toMatchObject({ field: 'body.items.0.quantity', productId: product.id });
    expect(await available(product.id)).toBe(2);
    expect(await countOrderRows(fixture.service.orm, { customerId })).toBe(0);
  });

  test('the last units can be ordered; the next order is OUT_OF_STOCK until a restock makes the product orderable again', async () => {
    const product = await newProduct({ stock: 3 });
    expect((await placeOrder([{ productId: product.id, quantity: 3 }])).status).toBe(201);
    expect(await available(product.id)).toBe(0);
    expectProblem(await placeOrder([{ productId: product.id, quantity: 1 }]), 409, 'OUT_OF_STOCK');

    expect((await fixture.api.post(`/products/${product.id}/restock`, { quantity: 2 })).body).toMatchObject({ stock: 5, available: 2 });
    expect((await placeOrder([{ productId: product.id, quantity: 2 }])).status).toBe(201);
    expect(await available(product.id)).toBe(0);
  });

  test('an unknown product answers 404 PRODUCT_NOT_FOUND naming the line', async () => {
    const customerId = unique('cus');
    const answer = await placeOrder([{ productId: 2 ** 31 - 1, quantity: 1 }], { customerId });
    expectProblem(answer, 404, 'PRODUCT_NOT_FOUND');
    expect(answer.body.field).toBe('body.items.0.productId');
    expect(await countOrderRows(fixture.service.orm, { customerId })).toBe(0);
  });

  test.each([
    ['no items', { customerId: 'cus-1', items: [] }, 'body.items'],
    ['a zero quantity', { customerId: 'cus-1', items: [{ productId: 1, quantity: 0 }] }, 'body.items.0.quantity'],
    ['a quantity as a string', { customerId: 'cus-1', items: [{ productId: 1, quantity: '1' }] }, 'body.items.0.quantity'],
    ['a fractional product id', { customerId: 'cus-1', items: [{ productId: 1.5, quantity: 1 }] }, 'body.items.0.productId'],
    ['an unknown field', { customerId: 'cus-1', items: [{ productId: 1, quantity: 1 }], holdMs: 1 }, 'body'],
    ['a body that is an array', [{ productId: 1, quantity: 1 }], 'body'],
  ])('a malformed body (%s) answers 400 VALIDATION_FAILED naming the field', async (_what, body, field) => {
    const answer = await fixture.api.post('/orders', body);
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe(field);
  });

  test('a field of the wrong type is reported as having the wrong type, not as missing', async () => {
    const wrongType = await fixture.api.post('/orders', { customerId: 'cus-1', items: [{ productId: 1, quantity: '1' }] });
    expectProblem(wrongType, 400, 'VALIDATION_FAILED');
    expect(wrongType.body.field).toBe('body.items.0.quantity');
    expect(wrongType.body.detail).not.toMatch(/is required/);

    const missing = await fixture.api.post('/orders', { customerId: 'cus-1', items: [{ productId: 1 }] });
    expect(missing.body).toMatchObject({ field: 'body.items.0.quantity', detail: 'body.items.0.quantity is required' });
  });

  test('a body that is not JSON answers 400 MALFORMED_JSON', async () => {
    const answer = await fixture.api.call('POST', '/orders', { raw: '{"customerId": "cus-1", "items": [' });
    expectProblem(answer, 400, 'MALFORMED_JSON');
    expect(answer.body.field).toBe('body');
  });

  test('an Idempotency-Key that is not 1–255 visible ASCII characters answers 400 naming the header', async () => {
    const product = await newProduct();
    const answer = await placeOrder([{ productId: product.id, quantity: 1 }], { key: 'has a space' });
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe('header.Idempotency-Key');
    expect(await available(product.id)).toBe(10);
  });
});

describe('order bounds: nothing accepted is unpayable or unstorable', () => {
  test('an order whose total passes one payment (100 units at the largest price) answers 400 at once and starts nothing', async () => {
    const product = await newProduct({ stock: 500, priceCents: MAX_PRICE_CENTS });
    const customerId = unique('cus');
    const started = Date.now();
    const answer = await placeOrder([{ productId: product.id, quantity: 100 }], { customerId });
    expect(Date.now() - started).toBeLessThan(2_000);
    expectProblem(answer, 400, 'ORDER_TOTAL_OUT_OF_RANGE');
    expect(answer.body).toMatchObject({ field: 'body.items', totalCents: 100 * MAX_PRICE_CENTS, maxTotalCents: MAX_ORDER_TOTAL_CENTS });
    expect(await available(product.id)).toBe(500);
    expect(await countOrderRows(fixture.service.orm, { customerId })).toBe(0);
    expect((await fixture.service.temporalClient.workflow.count(`CustomerId = "${customerId}"`)).count).toBe(0);
  });

  test('two lines that each fit but together pass one payment answer 400 ORDER_TOTAL_OUT_OF_RANGE', async () => {
    const [a, b] = await Promise.all([newProduct({ priceCents: 60_000_000 }), newProduct({ priceCents: 60_000_000 })]);
    const answer = await placeOrder([
      { productId: a.id, quantity: 1 },
      { productId: b.id, quantity: 1 },
    ]);
    expectProblem(answer, 400, 'ORDER_TOTAL_OUT_OF_RANGE');
    expect(await available(a.id)).toBe(10);
    expect(await available(b.id)).toBe(10);
  });

  test('an order at exactly the largest total is placed', async () => {
    const product = await newProduct({ priceCents: MAX_ORDER_TOTAL_CENTS });
    const answer = await placeOrder([{ productId: product.id, quantity: 1 }]);
    expect(answer.status).toBe(201);
    expect(answer.body.totalCents).toBe(MAX_ORDER_TOTAL_CENTS);
  });

  test('more units per line than a drop allows answers 400 naming the quantity', async () => {
    const product = await newProduct({ stock: 500 });
    const answer = await placeOrder([{ productId: product.id, quantity: 101 }]);
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe('body.items.0.quantity');
  });
});

describe('a product on several lines', () => {
  test('is one line with the summed quantity, in the place of its first line', async () => {
    const [a, b] = await Promise.all([newProduct({ stock: 10, priceCents: 300 }), newProduct({ stock: 10, priceCents: 500 })]);
    const answer = await placeOrder([
      { productId: a.id, quantity: 2 },
      { productId: b.id, quantity: 1 },
      { productId: a.id, quantity: 3 },
    ]);
    expect(answer.status).toBe(201);
    expect(answer.body.items).toEqual([
      { productId: a.id, sku: a.sku, quantity: 5, unitPriceCents: 300 },
      { productId: b.id, sku: b.sku, quantity: 1, unitPriceCents: 500 },
    ]);
    expect(answer.body.totalCents).toBe(5 * 300 + 500);
    expect(await available(a.id)).toBe(5);
  });

  test('whose lines sum past the per-line bound answers 400 naming the first line\'s quantity, and holds nothing', async () => {
    const product = await newProduct({ stock: 500 });
    const answer = await placeOrder([
      { productId: product.id, quantity: 60 },
      { productId: product.id, quantity: 41 },
    ]);
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe('body.items.0.quantity');
    expect(answer.body.detail).toMatch(/101 units; one line holds at most 100/);
    expect(await available(product.id)).toBe(500);
  });

  test('whose merged total passes one payment answers 400 ORDER_TOTAL_OUT_OF_RANGE', async () => {
    const product = await newProduct({ priceCents: 60_000_000 });
    const answer = await placeOrder([
      { productId: product.id, quantity: 1 },
      { productId: product.id, quantity: 1 },
    ]);
    expectProblem(answer, 400, 'ORDER_TOTAL_OUT_OF_RANGE');
    expect(answer.body.totalCents).toBe(120_000_000);
  });
});

describe('Idempotency-Key on POST /orders', () => {
  test('the same key and body answer the same order again, marked Idempotent-Replayed: true', async () => {
    const product = await newProduct({ stock: 10 });
    const customerId = unique('cus');
    const key = unique('key');
    const items = [{ productId: product.id, quantity: 2 }];

    const first = await placeOrder(items, { customerId, key });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const replay = await placeOrder(items, { customerId, key });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get('location')).toBe(`/orders/${first.body.id}`);

    expect(await countOrderRows(fixture.service.orm, { customerId })).toBe(1);
    expect(await available(product.id)).toBe(8);
  });

  test('the same key with a different body answers 422 IDEMPOTENCY_KEY_REUSED and places nothing', async () => {
    const product = await newProduct({ stock: 10 });
    const customerId = unique('cus');
    const key = unique('key');
    expect((await placeOrder([{ productId: product.id, quantity: 1 }], { customerId, key })).status).toBe(201);

    const reused = await placeOrder([{ productId: product.id, quantity: 2 }], { customerId, key });
    expectProblem(reused, 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(reused.body.field).toBe('header.Idempotency-Key');
    expect(await countOrderRows(fixture.service.orm, { customerId })).toBe(1);
    expect(await available(product.id)).toBe(9);
  });

  test('concurrent requests with one key make one order: the same id, one row in MySQL, the stock held once', async () => {
    const product = await newProduct({ stock: 10 });
    const customerId = unique('cus');
    const key = unique('key');
    const answers = await Promise.all(Array.from({ length: 4 }, () => placeOrder([{ productId: product.id, quantity: 3 }], { customerId, key })));

    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201]);
    const ids = new Set(answers.map((answer) => answer.body.id));
    expect(ids.size).toBe(1);
    const [orderId] = ids;
    expect(await countOrderRows(fixture.service.orm, { id: orderId })).toBe(1);
    expect(await countOrderRows(fixture.service.orm, { customerId })).toBe(1);
    expect(await available(product.id)).toBe(7);
    await eventually(async () => expect((await fixture.service.temporalClient.workflow.count(`CustomerId = "${customerId}"`)).count).toBe(1));
  });

  test('concurrent requests with one key but different bodies make one order; the others answer 422', async () => {
    const product = await newProduct({ stock: 10 });
    const customerId = unique('cus');
    const key = unique('key');
    const answers = await Promise.all([1, 2, 3].map((quantity) => placeOrder([{ productId: product.id, quantity }], { customerId, key })));

    const placed = answers.filter((answer) => answer.status === 201);
    expect(placed).toHaveLength(1);
    for (const answer of answers.filter((other) => other.status !== 201)) {
      expectProblem(answer, 422, 'IDEMPOTENCY_KEY_REUSED');
      expect(answer.body.orderId).toBe(placed[0].body.id);
    }
    expect(await countOrderRows(fixture.service.orm, { customerId })).toBe(1);
    expect(await available(product.id)).toBe(10 - placed[0].body.items[0].quantity);
  });

  test('a key replayed after the order was paid answers the order as it is now', async () => {
    const product = await newProduct({ stock: 10 });
    const customerId = unique('cus');
    const key = unique('key');
    const items = [{ productId: product.id, quantity: 1 }];
    const first = await placeOrder(items, { customerId, key });
    expect((await pay(first.body.id, 'tok_visa')).status).toBe(200);

    const replay = await placeOrder(items, { customerId, key });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toMatchObject({ id: first.body.id, status: 'CONFIRMED' });
    expect(await available(product.id)).toBe(9);
  });
});

describe('reading orders', () => {
  test('GET /orders/:id answers the order record without internal fields', async () => {
    const { product, orderId } = await reservedOrder({ product: await newProduct({ priceCents: 450 }), quantity: 2 });
    const answer = await fixture.api.get(`/orders/${orderId}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      id: orderId,
      customerId: expect.any(String),
      status: 'RESERVED',
      items: [{ productId: product.id, sku: product.sku, quantity: 2, unitPriceCents: 450 }],
      totalCents: 900,
      reservedUntil: expect.any(String),
      payment: null,
      notifications: [],
      // After the sale (none yet): see test/api/refunds.test.ts.
      refunds: [],
      refundedCents: 0,
      refundStatus: 'NONE',
      returns: [],
    });
  });

  test('GET /orders/:id of an unknown order answers 404 ORDER_NOT_FOUND naming path.id', async () => {
    const answer = await fixture.api.get('/orders/ord_doesnotexist0000000000000000');
    expectProblem(answer, 404, 'ORDER_NOT_FOUND');
    expect(answer.body.field).toBe('path.id');
  });

  test('GET /orders/:id with an id that cannot be an order id answers 400 naming path.id', async () => {
    const answer = await fixture.api.get('/orders/not-an-order');
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe('path.id');
  });

  test('GET /orders?customerId= lists that customer’s orders, and &status= narrows them', async () => {
    const product = await newProduct({ stock: 10 });
    const customerId = unique('cus');
    const first = await reservedOrder({ product, customerId });
    const second = await reservedOrder({ product, customerId });
    const third = await reservedOrder({ product, customerId });
    expect((await cancel(second.orderId)).status).toBe(200);

    const all = await fixture.api.get(`/orders?customerId=${customerId}`);
    expect(all.status).toBe(200);
    expect(all.body.data.map((order: { id: string }) => order.id).sort()).toEqual([first.orderId, second.orderId, third.orderId].sort());
    expect(all.body.data.every((order: { customerId: string }) => order.customerId === customerId)).toBe(true);

    const reserved = await fixture.api.get(`/orders?customerId=${customerId}&status=RESERVED`);
    expect(reserved.body.data.map((order: { id: string }) => order.id).sort()).toEqual([first.orderId, third.orderId].sort());
    const cancelled = await fixture.api.get(`/orders?customerId=${customerId}&status=CANCELLED`);
    expect(cancelled.body.data).toEqual([expect.objectContaining({ id: second.orderId, status: 'CANCELLED' })]);
    expect(cancelled.body.data[0]).not.toHaveProperty('requestHash');
  });

  test('GET /orders pages newest first: limit=2 answers the two newest and a cursor to the rest', async () => {
    const product = await newProduct({ stock: 10 });
    const customerId = unique('cus');
    const placed: string[] = [];
    for (let i = 0; i < 3; i += 1) placed.push((await reservedOrder({ product, customerId })).orderId);

    const first = await fixture.api.get(`/orders?customerId=${customerId}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.data.map((order: { id: string }) => order.id)).toEqual([placed[2], placed[1]]);
    const second = await fixture.api.get(`/orders?customerId=${customerId}&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toEqual({ data: [expect.objectContaining({ id: placed[0] })], nextCursor: null });
  });

  test('GET /orders with a cursor it did not make answers 400 naming query.cursor', async () => {
    const answer = await fixture.api.get('/orders?cursor=eyJpZCI6MX0');
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe('query.cursor');
  });

  test('GET /orders with an unknown status answers 400 naming query.status', async () => {
    const answer = await fixture.api.get('/orders?status=SHIPPED');
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe('query.status');
  });
});
