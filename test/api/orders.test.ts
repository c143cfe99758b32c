/**
 * The REST contract, end to end: the Express app, a worker with the real activities on the real Temporal dev server,
 * MariaDB, Redis and the payments stand-in. Every product and customer here is new, so the tests hold whatever else
 * is in the shared database.
 */
import { readStock } from '../support/db';
import { OPERATOR } from '../support/auth';
import { startService, type Service } from '../support/service';
import { apiClient, countOrderRows, eventually, expectProblem, ledger, unique, type Answer, type ApiClient } from './http';

const HOLD_MS = 60_000;

let service: Service;
let api: ApiClient;

beforeAll(async () => {
  service = await startService({ holdMs: HOLD_MS });
  api = apiClient(service.baseUrl);
}, 120_000);

afterAll(async () => {
  await service?.stop();
}, 60_000);

interface ProductBody {
  id: number;
  sku: string;
  name: string;
  priceCents: number;
  stock: number;
  available: number | null;
}

async function newProduct(options: { stock?: number; priceCents?: number } = {}): Promise<ProductBody> {
  const answer = await api.post('/products', {
    sku: unique('api-sku'),
    name: 'API test product',
    priceCents: options.priceCents ?? 1_000,
    stock: options.stock ?? 10,
  });
  expect(answer.status).toBe(201);
  return answer.body;
}

async function available(productId: number): Promise<number | null> {
  const answer = await api.get(`/products/${productId}`);
  expect(answer.status).toBe(200);
  return answer.body.available;
}

function placeOrder(items: Array<{ productId: number; quantity: number }>, options: { customerId?: string; key?: string } = {}): Promise<Answer> {
  const customerId = options.customerId ?? unique('cus');
  return api.post('/orders', { customerId, items }, options.key === undefined ? {} : { idempotencyKey: options.key });
}

/** A RESERVED order of `quantity` units of a fresh product (or the given one). */
async function reservedOrder(options: { product?: ProductBody; quantity?: number; customerId?: string } = {}) {
  const product = options.product ?? (await newProduct());
  const answer = await placeOrder([{ productId: product.id, quantity: options.quantity ?? 1 }], { customerId: options.customerId });
  expect(answer.status).toBe(201);
  expect(answer.body.status).toBe('RESERVED');
  return { product, order: answer.body, orderId: answer.body.id as string };
}

const pay = (orderId: string, paymentToken: string) => api.post(`/orders/${orderId}/payment`, { paymentToken });
const cancel = (orderId: string) => api.post(`/orders/${orderId}/cancel`);

async function authorizationsOf(orderId: string) {
  return (await ledger(service.paymentsBaseUrl)).filter((authorization) => authorization.reference === orderId);
}

describe('health', () => {
  test('GET /healthz answers 200 while the process runs', async () => {
    const answer = await api.get('/healthz');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'ok' });
  });

  test('GET /readyz answers 200 with every dependency checked ok', async () => {
    const answer = await api.get('/readyz');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'ready', checks: { mysql: 'ok', redis: 'ok', temporal: 'ok' } });
  });

  test('an unknown route answers a 404 problem', async () => {
    expectProblem(await api.get('/no-such-route'), 404, 'ROUTE_NOT_FOUND');
  });
});

describe('products', () => {
  test('POST /products creates the product with all its stock available, and answers 201 with its Location', async () => {
    const sku = unique('api-sku');
    const answer = await api.post('/products', { sku, name: 'Limited sneaker', priceCents: 12_900, stock: 7 });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ id: expect.any(Number), sku, name: 'Limited sneaker', priceCents: 12_900, stock: 7, available: 7 });
    expect(answer.headers.get('location')).toBe(`/products/${answer.body.id}`);
    expect(await readStock(service.orm, answer.body.id)).toBe(7);
    expect(await service.inventory.available(answer.body.id)).toBe(7);
  });

  test('POST /products with a sku that already exists answers 409 SKU_TAKEN naming body.sku', async () => {
    const product = await newProduct();
    const answer = await api.post('/products', { sku: product.sku, name: 'Another', priceCents: 1, stock: 1 });
    expectProblem(answer, 409, 'SKU_TAKEN');
    expect(answer.body.field).toBe('body.sku');
  });

  test('POST /products with an invalid field answers 400 naming the field', async () => {
    const answer = await api.post('/products', { sku: unique('api-sku'), name: 'Negative', priceCents: -1, stock: 1 });
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe('body.priceCents');
  });

  test('GET /products lists products with their stock and availability', async () => {
    const product = await newProduct({ stock: 3 });
    const answer = await api.get('/products');
    expect(answer.status).toBe(200);
    expect(answer.body.data).toContainEqual(product);
  });

  test('GET /products/:id answers {id, sku, name, priceCents, stock, available}', async () => {
    const product = await newProduct({ stock: 4, priceCents: 2_500 });
    const answer = await api.get(`/products/${product.id}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ id: product.id, sku: product.sku, name: product.name, priceCents: 2_500, stock: 4, available: 4 });
  });

  test('GET /products/:id of an unknown product answers 404 PRODUCT_NOT_FOUND', async () => {
    const answer = await api.get(`/products/${2 ** 31 - 1}`);
    expectProblem(answer, 404, 'PRODUCT_NOT_FOUND');
    expect(answer.body.field).toBe('path.id');
  });

  test('GET /products/:id with an id that is not a positive integer answers 400 naming path.id', async () => {
    const answer = await api.get('/products/abc');
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe('path.id');
  });

  test('restocking raises both stock and availability by the quantity, also while units are reserved', async () => {
    const { product } = await reservedOrder({ product: await newProduct({ stock: 10 }), quantity: 2 });
    expect(await available(product.id)).toBe(8);

    const answer = await api.post(`/products/${product.id}/restock`, { quantity: 5 });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ ...product, stock: 15, available: 13 });
    expect(await readStock(service.orm, product.id)).toBe(15);
    expect(await service.inventory.available(product.id)).toBe(13);
  });

  test('restocking with a quantity below 1 answers 400 naming body.quantity and changes nothing', async () => {
    const product = await newProduct({ stock: 3 });
    const answer = await api.post(`/products/${product.id}/restock`, { quantity: 0 });
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe('body.quantity');
    expect(await readStock(service.orm, product.id)).toBe(3);
    expect(await available(product.id)).toBe(3);
  });

  test('restocking an unknown product answers 404 PRODUCT_NOT_FOUND', async () => {
    expectProblem(await api.post(`/products/${2 ** 31 - 1}/restock`, { quantity: 1 }), 404, 'PRODUCT_NOT_FOUND');
  });
});

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
    expect(await readStock(service.orm, product.id)).toBe(10);
    const stored = await api.get(`/orders/${answer.body.id}`);
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
    const answer = await api.post('/orders', { customerId: unique('cus'), items: [{ productId: product.id, quantity: 1, unitPriceCents: 1 }] });
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
    expect(await countOrderRows(service.orm, { customerId })).toBe(0);
  });

  test('the last units can be ordered; the next order is OUT_OF_STOCK until a restock makes the product orderable again', async () => {
    const product = await newProduct({ stock: 3 });
    expect((await placeOrder([{ productId: product.id, quantity: 3 }])).status).toBe(201);
    expect(await available(product.id)).toBe(0);
    expectProblem(await placeOrder([{ productId: product.id, quantity: 1 }]), 409, 'OUT_OF_STOCK');

    expect((await api.post(`/products/${product.id}/restock`, { quantity: 2 })).body).toMatchObject({ stock: 5, available: 2 });
    expect((await placeOrder([{ productId: product.id, quantity: 2 }])).status).toBe(201);
    expect(await available(product.id)).toBe(0);
  });

  test('an unknown product answers 404 PRODUCT_NOT_FOUND naming the line', async () => {
    const customerId = unique('cus');
    const answer = await placeOrder([{ productId: 2 ** 31 - 1, quantity: 1 }], { customerId });
    expectProblem(answer, 404, 'PRODUCT_NOT_FOUND');
    expect(answer.body.field).toBe('body.items.0.productId');
    expect(await countOrderRows(service.orm, { customerId })).toBe(0);
  });

  test.each([
    ['no items', { customerId: 'cus-1', items: [] }, 'body.items'],
    ['a zero quantity', { customerId: 'cus-1', items: [{ productId: 1, quantity: 0 }] }, 'body.items.0.quantity'],
    ['a quantity as a string', { customerId: 'cus-1', items: [{ productId: 1, quantity: '1' }] }, 'body.items.0.quantity'],
    ['a fractional product id', { customerId: 'cus-1', items: [{ productId: 1.5, quantity: 1 }] }, 'body.items.0.productId'],
    ['an unknown field', { customerId: 'cus-1', items: [{ productId: 1, quantity: 1 }], holdMs: 1 }, 'body'],
    ['a body that is an array', [{ productId: 1, quantity: 1 }], 'body'],
  ])('a malformed body (%s) answers 400 VALIDATION_FAILED naming the field', async (_what, body, field) => {
    const answer = await api.post('/orders', body);
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe(field);
  });

  test('a field of the wrong type is reported as having the wrong type, not as missing', async () => {
    const wrongType = await api.post('/orders', { customerId: 'cus-1', items: [{ productId: 1, quantity: '1' }] });
    expectProblem(wrongType, 400, 'VALIDATION_FAILED');
    expect(wrongType.body.field).toBe('body.items.0.quantity');
    expect(wrongType.body.detail).not.toMatch(/is required/);

    const missing = await api.post('/orders', { customerId: 'cus-1', items: [{ productId: 1 }] });
    expect(missing.body).toMatchObject({ field: 'body.items.0.quantity', detail: 'body.items.0.quantity is required' });
  });

  test('a body that is not JSON answers 400 MALFORMED_JSON', async () => {
    const answer = await api.call('POST', '/orders', { raw: '{"customerId": "cus-1", "items": [' });
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

    expect(await countOrderRows(service.orm, { customerId })).toBe(1);
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
    expect(await countOrderRows(service.orm, { customerId })).toBe(1);
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
    expect(await countOrderRows(service.orm, { id: orderId })).toBe(1);
    expect(await countOrderRows(service.orm, { customerId })).toBe(1);
    expect(await available(product.id)).toBe(7);
    await eventually(async () => expect((await service.temporalClient.workflow.count(`CustomerId = "${customerId}"`)).count).toBe(1));
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
    expect(await countOrderRows(service.orm, { customerId })).toBe(1);
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

describe('paying an order', () => {
  test('tok_visa confirms it: 200 CONFIRMED, payment captured, stock committed in MySQL, then ORDER_CONFIRMED notified', async () => {
    const { product, orderId } = await reservedOrder({ product: await newProduct({ stock: 10, priceCents: 700 }), quantity: 2 });

    const answer = await pay(orderId, 'tok_visa');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      id: orderId,
      status: 'CONFIRMED',
      totalCents: 1_400,
      payment: { status: 'CAPTURED', amountCents: 1_400, authorizationId: expect.stringMatching(/^auth_/) },
    });
    expect(await readStock(service.orm, product.id)).toBe(8);
    expect(await available(product.id)).toBe(8);
    expect(await authorizationsOf(orderId)).toEqual([
      expect.objectContaining({ id: answer.body.payment.authorizationId, status: 'captured', amountCents: 1_400, capturedAmountCents: 1_400 }),
    ]);

    const stored = await eventually(async () => {
      const read = await api.get(`/orders/${orderId}`);
      expect(read.body.notifications).toEqual(['ORDER_CONFIRMED']);
      return read;
    });
    expect(stored.body).toMatchObject({ status: 'CONFIRMED', payment: { status: 'CAPTURED', amountCents: 1_400 } });
    expect(service.notifications.filter((message) => message.orderId === orderId).map((message) => message.kind)).toEqual(['ORDER_CONFIRMED']);
  });

  test.each(['tok_flaky', 'tok_timeout'])(
    '%s confirms too: retries under one idempotency key make exactly one authorization, captured',
    async (paymentToken) => {
      const { product, orderId } = await reservedOrder();
      const answer = await pay(orderId, paymentToken);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ status: 'CONFIRMED', payment: { status: 'CAPTURED' } });
      expect(await authorizationsOf(orderId)).toEqual([expect.objectContaining({ status: 'captured' })]);
      expect(await readStock(service.orm, product.id)).toBe(9);
    },
    30_000,
  );

  test.each([
    ['tok_chargeDeclined', 'card_declined'],
    ['tok_insufficientFunds', 'insufficient_funds'],
  ])('%s answers 402 PAYMENT_DECLINED (%s); the order stays RESERVED and tok_visa then pays it', async (paymentToken, declineCode) => {
    const { product, orderId } = await reservedOrder({ quantity: 2 });

    const declined = await pay(orderId, paymentToken);
    expectProblem(declined, 402, 'PAYMENT_DECLINED');
    // The buyer is told one code; the provider's reason is for staff.
    expect(declined.body.field).toBe('body.paymentToken');
    expect(declined.body).not.toHaveProperty('declineCode');
    expect((await api.get(`/orders/${orderId}`)).body.status).toBe('RESERVED');
    expect((await api.get(`/orders/${orderId}`)).body).not.toHaveProperty('paymentAttempts');
    expect((await api.get(`/orders/${orderId}`, { as: OPERATOR })).body.paymentAttempts).toEqual([
      { outcome: 'DECLINED', reason: declineCode, at: expect.any(String) },
    ]);
    expect(await available(product.id)).toBe(8);
    expect(await readStock(service.orm, product.id)).toBe(10);

    const paid = await pay(orderId, 'tok_visa');
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe('CONFIRMED');
    expect(await readStock(service.orm, product.id)).toBe(8);
    expect((await authorizationsOf(orderId)).map((authorization) => authorization.status)).toEqual(['captured']);
  });

  test('a token the provider does not know is declined with 402 PAYMENT_DECLINED', async () => {
    const { orderId } = await reservedOrder();
    const answer = await pay(orderId, 'tok_doesNotExist');
    expectProblem(answer, 402, 'PAYMENT_DECLINED');
    expect((await api.get(`/orders/${orderId}`, { as: OPERATOR })).body.paymentAttempts).toMatchObject([{ outcome: 'DECLINED', reason: 'invalid_payment_token' }]);
  });

  test('tok_captureFails answers 402 PAYMENT_FAILED; the order is FAILED, stock restored, availability released, authorization voided', async () => {
    const { product, orderId } = await reservedOrder({ product: await newProduct({ stock: 10 }), quantity: 4 });
    expect(await available(product.id)).toBe(6);

    const answer = await pay(orderId, 'tok_captureFails');
    expectProblem(answer, 402, 'PAYMENT_FAILED');
    expect(answer.body.order).toMatchObject({ id: orderId, status: 'FAILED' });

    const stored = (await api.get(`/orders/${orderId}`)).body;
    expect(stored).toMatchObject({ status: 'FAILED', failureReason: expect.any(String), payment: { status: 'VOIDED' } });
    expect(await readStock(service.orm, product.id)).toBe(10);
    expect(await service.inventory.available(product.id)).toBe(10);
    expect(await authorizationsOf(orderId)).toEqual([expect.objectContaining({ status: 'voided', capturedAmountCents: 0 })]);
    await eventually(async () => expect((await api.get(`/orders/${orderId}`)).body.notifications).toEqual(['ORDER_FAILED']));
  });

  test('two concurrent payments of one order charge it once: one 200 CONFIRMED, the other 409 ORDER_NOT_PAYABLE', async () => {
    const { product, orderId } = await reservedOrder({ quantity: 2 });
    const answers = await Promise.all([pay(orderId, 'tok_visa'), pay(orderId, 'tok_visa')]);

    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    expectProblem(answers.find((answer) => answer.status === 409)!, 409, 'ORDER_NOT_PAYABLE');
    expect(await authorizationsOf(orderId)).toEqual([expect.objectContaining({ status: 'captured' })]);
    expect(await readStock(service.orm, product.id)).toBe(8);
  });

  test('a cancel racing a payment: exactly one wins, the loser answers 409, and stock and money agree with the winner', async () => {
    // Raced on many orders at once, so each interleaving (validator rejects, or update aborted by the closing workflow) occurs.
    const RACES = 15;
    const product = await newProduct({ stock: RACES });
    const orderIds = await Promise.all(Array.from({ length: RACES }, async () => (await reservedOrder({ product })).orderId));
    const races = await Promise.all(
      orderIds.map(async (orderId) => {
        const [paid, cancelled] = await Promise.all([pay(orderId, 'tok_visa'), cancel(orderId)]);
        return { orderId, paid, cancelled };
      }),
    );

    let confirmed = 0;
    for (const { orderId, paid, cancelled } of races) {
      const outcome = `${orderId}: pay ${paid.status} ${JSON.stringify(paid.body)}, cancel ${cancelled.status} ${JSON.stringify(cancelled.body)}`;
      expect({ outcome, statuses: [paid.status, cancelled.status].sort() }).toEqual({ outcome, statuses: [200, 409] });
      const final = (await api.get(`/orders/${orderId}`)).body;
      const authorizations = await authorizationsOf(orderId);
      if (paid.status === 200) {
        confirmed += 1;
        expectProblem(cancelled, 409, 'ORDER_NOT_CANCELLABLE');
        expect(final.status).toBe('CONFIRMED');
        expect(authorizations).toEqual([expect.objectContaining({ status: 'captured' })]);
      } else {
        expectProblem(paid, 409, 'ORDER_NOT_PAYABLE');
        expect(final.status).toBe('CANCELLED');
        expect(authorizations.filter((authorization) => authorization.status === 'authorized' || authorization.status === 'captured')).toEqual([]);
      }
    }
    expect(await readStock(service.orm, product.id)).toBe(RACES - confirmed);
    expect(await available(product.id)).toBe(RACES - confirmed);
  });

  test('a CONFIRMED order answers 409 ORDER_NOT_PAYABLE and is not charged again', async () => {
    const { orderId } = await reservedOrder();
    expect((await pay(orderId, 'tok_visa')).status).toBe(200);
    expectProblem(await pay(orderId, 'tok_visa'), 409, 'ORDER_NOT_PAYABLE');
    // Once the workflow has finished too (notified), the answer is the same.
    await eventually(async () => expect((await api.get(`/orders/${orderId}`)).body.notifications).toEqual(['ORDER_CONFIRMED']));
    await service.temporalClient.workflow.getHandle(orderId).result();
    expectProblem(await pay(orderId, 'tok_visa'), 409, 'ORDER_NOT_PAYABLE');
    expect(await authorizationsOf(orderId)).toHaveLength(1);
  });

  test('a CANCELLED order answers 409 ORDER_NOT_PAYABLE', async () => {
    const { orderId } = await reservedOrder();
    expect((await cancel(orderId)).status).toBe(200);
    expectProblem(await pay(orderId, 'tok_visa'), 409, 'ORDER_NOT_PAYABLE');
    expect(await authorizationsOf(orderId)).toEqual([]);
  });

  test('paying an order that does not exist answers 404 ORDER_NOT_FOUND', async () => {
    expectProblem(await pay('ord_doesnotexist0000000000000000', 'tok_visa'), 404, 'ORDER_NOT_FOUND');
  });

  test.each([
    ['no token', {}, 'body.paymentToken'],
    ['an empty token', { paymentToken: '' }, 'body.paymentToken'],
    ['a token that is not a string', { paymentToken: 42 }, 'body.paymentToken'],
    ['an unknown field', { paymentToken: 'tok_visa', amountCents: 1 }, 'body'],
  ])('a malformed payment body (%s) answers 400 naming the field, and nothing is charged', async (_what, body, field) => {
    const { orderId } = await reservedOrder();
    const answer = await api.post(`/orders/${orderId}/payment`, body);
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe(field);
    expect(await authorizationsOf(orderId)).toEqual([]);
    expect((await api.get(`/orders/${orderId}`)).body.status).toBe('RESERVED');
  });
});

describe('cancelling an order', () => {
  test('a RESERVED order answers 200 CANCELLED and its units are available again', async () => {
    const { product, orderId } = await reservedOrder({ quantity: 3 });
    expect(await available(product.id)).toBe(7);

    const answer = await cancel(orderId);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: orderId, status: 'CANCELLED' });
    expect(await available(product.id)).toBe(10);
    expect(await readStock(service.orm, product.id)).toBe(10);
    expect((await api.get(`/orders/${orderId}`)).body.status).toBe('CANCELLED');
  });

  test('a CONFIRMED order answers 409 ORDER_NOT_CANCELLABLE and stays sold', async () => {
    const { product, orderId } = await reservedOrder();
    expect((await pay(orderId, 'tok_visa')).status).toBe(200);
    expectProblem(await cancel(orderId), 409, 'ORDER_NOT_CANCELLABLE');
    expect((await api.get(`/orders/${orderId}`)).body.status).toBe('CONFIRMED');
    expect(await readStock(service.orm, product.id)).toBe(9);
    expect(await available(product.id)).toBe(9);
  });

  test('a second cancel answers 409 ORDER_NOT_CANCELLABLE and releases nothing twice', async () => {
    const { product, orderId } = await reservedOrder({ quantity: 2 });
    expect((await cancel(orderId)).status).toBe(200);
    expectProblem(await cancel(orderId), 409, 'ORDER_NOT_CANCELLABLE');
    expect(await available(product.id)).toBe(10);
  });

  test('cancelling an order that does not exist answers 404 ORDER_NOT_FOUND', async () => {
    expectProblem(await cancel('ord_doesnotexist0000000000000000'), 404, 'ORDER_NOT_FOUND');
  });
});

describe('reading orders', () => {
  test('GET /orders/:id answers the order record without internal fields', async () => {
    const { product, orderId } = await reservedOrder({ product: await newProduct({ priceCents: 450 }), quantity: 2 });
    const answer = await api.get(`/orders/${orderId}`);
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
    });
  });

  test('GET /orders/:id of an unknown order answers 404 ORDER_NOT_FOUND naming path.id', async () => {
    const answer = await api.get('/orders/ord_doesnotexist0000000000000000');
    expectProblem(answer, 404, 'ORDER_NOT_FOUND');
    expect(answer.body.field).toBe('path.id');
  });

  test('GET /orders/:id with an id that cannot be an order id answers 400 naming path.id', async () => {
    const answer = await api.get('/orders/not-an-order');
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

    const all = await api.get(`/orders?customerId=${customerId}`);
    expect(all.status).toBe(200);
    expect(all.body.data.map((order: { id: string }) => order.id).sort()).toEqual([first.orderId, second.orderId, third.orderId].sort());
    expect(all.body.data.every((order: { customerId: string }) => order.customerId === customerId)).toBe(true);

    const reserved = await api.get(`/orders?customerId=${customerId}&status=RESERVED`);
    expect(reserved.body.data.map((order: { id: string }) => order.id).sort()).toEqual([first.orderId, third.orderId].sort());
    const cancelled = await api.get(`/orders?customerId=${customerId}&status=CANCELLED`);
    expect(cancelled.body.data).toEqual([expect.objectContaining({ id: second.orderId, status: 'CANCELLED' })]);
    expect(cancelled.body.data[0]).not.toHaveProperty('requestHash');
  });

  test('GET /orders with an unknown status answers 400 naming query.status', async () => {
    const answer = await api.get('/orders?status=SHIPPED');
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe('query.status');
  });
});
