/** Limits for a drop: per-buyer caps (units per product, unpaid orders, payment attempts) and rate limits (429). */
import { NO_LIMITS } from '../../config/limits';
import { ADMIN, buyer, OPERATOR, TEST_AUTH_SECRET } from '../support/auth';
import { serveAppOn, type ServedApp } from '../support/app-on-service';
import { call, expectProblem, unique } from './http';
import { serviceForThisFile } from './service-per-file';

const stack = serviceForThisFile({
  holdMs: 60_000,
  limits: { LIMIT_UNITS_PER_PRODUCT: 2, LIMIT_UNPAID_ORDERS: 2, LIMIT_PAYMENT_ATTEMPTS: 3, RATE_ORDERS_PER_MINUTE: 6, RATE_PAYMENTS_PER_MINUTE: 5 },
  // A flag outlasts every test here, so which refusals come from it does not depend on how fast the machine is.
  soldOutFlagMaxAgeMs: 10 * 60_000,
});

async function newProduct(stock = 20): Promise<number> {
  const answer = await stack.api.post('/products', { sku: unique('lim'), name: 'Limited', priceCents: 1_000, stock }, { as: ADMIN });
  expect(answer.status).toBe(201);
  return answer.body.id;
}
const place = (customer: string, items: Array<{ productId: number; quantity: number }>) => stack.api.post('/orders', { items }, { as: buyer(customer) });

test('a buyer holds at most 2 units of a product across unpaid and confirmed orders; cancelled ones do not count', async () => {
  const [productId, other] = [await newProduct(), await newProduct()];
  const me = unique('cus-units');
  const first = await place(me, [{ productId, quantity: 2 }]);
  expect(first.status).toBe(201);
  const over = await place(me, [{ productId, quantity: 1 }]);
  expectProblem(over, 409, 'UNIT_LIMIT_REACHED');
  expect(over.body).toMatchObject({ field: 'body.items.0.quantity', productId, limit: 2 });
  expect((await place(me, [{ productId: other, quantity: 1 }])).status).toBe(201);
  expect((await stack.api.post(`/orders/${first.body.id}/cancel`, undefined, { as: buyer(me) })).status).toBe(200);
  expect((await place(me, [{ productId, quantity: 2 }])).status).toBe(201);
});

test('a buyer has at most 2 unpaid orders open; paying one opens a place', async () => {
  const productIds = [await newProduct(), await newProduct(), await newProduct()];
  const me = unique('cus-unpaid');
  const first = await place(me, [{ productId: productIds[0], quantity: 1 }]);
  expect((await place(me, [{ productId: productIds[1], quantity: 1 }])).status).toBe(201);
  expectProblem(await place(me, [{ productId: productIds[2], quantity: 1 }]), 409, 'UNPAID_ORDERS_LIMIT_REACHED');
  expect((await stack.api.post(`/orders/${first.body.id}/payment`, { paymentToken: 'tok_visa' }, { as: buyer(me) })).status).toBe(200);
  expect((await place(me, [{ productId: productIds[2], quantity: 1 }])).status).toBe(201);
});

test('an order takes 3 payment attempts, each decline answered alike; the 4th is ORDER_NOT_PAYABLE and all are recorded', async () => {
  const me = unique('cus-attempts');
  const placed = await place(me, [{ productId: await newProduct(), quantity: 1 }]);
  const orderId = placed.body.id;
  const answers = [];
  for (const paymentToken of ['tok_chargeDeclined', 'tok_insufficientFunds', 'tok_chargeDeclined']) {
    answers.push(await stack.api.post(`/orders/${orderId}/payment`, { paymentToken }, { as: buyer(me) }));
  }
  for (const answer of answers) expectProblem(answer, 402, 'PAYMENT_DECLINED');
  // Nothing tells insufficient_funds from card_declined.
  expect(new Set(answers.map(({ body: { instance: _instance, ...rest } }) => JSON.stringify(rest))).size).toBe(1);
  const fourth = await stack.api.post(`/orders/${orderId}/payment`, { paymentToken: 'tok_visa' }, { as: buyer(me) });
  expectProblem(fourth, 409, 'ORDER_NOT_PAYABLE');
  const staff = await stack.api.get(`/orders/${orderId}`, { as: OPERATOR });
  expect(staff.body.paymentAttempts.map((attempt: { outcome: string; reason: string }) => [attempt.outcome, attempt.reason])).toEqual([
    ['DECLINED', 'card_declined'],
    ['DECLINED', 'insufficient_funds'],
    ['DECLINED', 'card_declined'],
    ['REFUSED', 'more than 3 attempts'],
  ]);
  expect(staff.body.status).toBe('RESERVED');
});

test('POST /orders: 6 a minute per buyer, then 429 with Retry-After; another buyer is unaffected', async () => {
  const me = unique('cus-rate');
  // Refused by the route (no such product line is valid), after the limiter has counted it.
  const invalid = () => place(me, []);
  const statuses = [];
  for (let i = 0; i < 7; i += 1) statuses.push((await invalid()).status);
  expect(statuses).toEqual([400, 400, 400, 400, 400, 400, 429]);
  const limited = await invalid();
  expectProblem(limited, 429, 'RATE_LIMITED');
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  expect((await place(unique('cus-rate-other'), [])).status).toBe(400);
});

test('a sold-out answer from the flag spends none of the buyer\'s rate budget; the first, from Redis, spends one', async () => {
  const soldOut = await newProduct(0);
  const me = unique('cus-rate-sold-out');
  const statuses = [];
  for (let i = 0; i < 12; i += 1) statuses.push((await place(me, [{ productId: soldOut, quantity: 1 }])).status);
  expect(statuses).toEqual(Array(12).fill(409));
  // 1 of 6 spent by the refusal from Redis: 5 more requests the limiter counts, then 429.
  const counted = [];
  for (let i = 0; i < 6; i += 1) counted.push((await place(me, [])).status);
  expect(counted).toEqual([400, 400, 400, 400, 400, 429]);
});

test('POST /orders/:id/payment: 5 a minute per buyer, then 429', async () => {
  const me = unique('cus-payrate');
  const statuses = [];
  for (let i = 0; i < 6; i += 1) statuses.push((await stack.api.post('/orders/ord_doesnotexist000000/payment', { paymentToken: 'tok_visa' }, { as: buyer(me) })).status);
  expect(statuses).toEqual([404, 404, 404, 404, 404, 429]);
});

describe('per-IP limit behind a trusted proxy', () => {
  let proxied: ServedApp | undefined;
  let url: string;
  beforeAll(async () => {
    proxied = await serveAppOn(stack.service, {
      metrics: null,
      auth: { AUTH_JWT_SECRET: TEST_AUTH_SECRET },
      limits: { ...NO_LIMITS, RATE_PER_IP_PER_MINUTE: 3, TRUST_PROXY: 'loopback' },
    });
    url = proxied.url;
  });
  afterAll(() => proxied?.close());

  test('the client address the proxy reports gets 3 a minute, whichever buyers it claims to be', async () => {
    const soldOut = await newProduct(0);
    const ip = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
    const from = (address: string) =>
      call(url, 'POST', '/orders', { json: { items: [{ productId: soldOut, quantity: 1 }] }, as: buyer(unique('cus-ip')), headers: { 'x-forwarded-for': address } });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await from(ip)).status);
    expect(statuses).toEqual([409, 409, 409, 429]);
    expect((await from('198.51.100.9')).status).not.toBe(429);
  });
});
