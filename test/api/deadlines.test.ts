/**
 * Deadlines on every call to Temporal (issue 7, Why 4 and 9): with no worker polling the order task queue, the API
 * still answers within TEMPORAL_CALL_TIMEOUT plus a little. Placement answers 202 with the order's Location (the order
 * exists and is deciding), a keyed retry does the same instead of hanging behind the first, payment and cancel answer
 * 503 with Retry-After, the admission claims end with the requests, and /readyz says not ready. With a worker, a
 * payment that outlasts the deadline is retried with its Idempotency-Key and joins the first payment's outcome.
 */
import { randomUUID } from 'node:crypto';
import { forkSql, run } from '../../db/sql';
import { OPERATOR, TEST_AUTH_SECRET } from '../support/auth';
import { serveAppOn, type ServedApp } from '../support/app-on-service';
import { useService } from './fixtures';
import { apiClient, expectProblem, unique, type ApiClient } from './http';

const CALL_TIMEOUT_MS = 1_500;
const ANSWER_WITHIN_MS = CALL_TIMEOUT_MS + 2_000;

const fixture = useService({ holdMs: 60_000 });
const { newProduct, available } = fixture;

/** The same API, on a task queue no worker polls (as when every worker is frozen). */
let stalled: ApiClient;
/** The same API on the service's own task queue (its worker runs), with the same short deadline. */
let impatient: ApiClient;
const served: ServedApp[] = [];

/** No worker will ever run these: end them at once, so they hold nothing and the service stops without waiting. */
async function endOrder(orderId: string): Promise<void> {
  await fixture.service.temporalClient.workflow.getHandle(orderId).terminate('deadline test');
}

/** The service's API on another port, answering within CALL_TIMEOUT_MS, for the orders of `taskQueue`. */
async function serveApp(taskQueue: string): Promise<ApiClient> {
  const app = await serveAppOn(fixture.service, { taskQueue, temporalCallTimeoutMs: CALL_TIMEOUT_MS, metrics: null, auth: { AUTH_JWT_SECRET: TEST_AUTH_SECRET } });
  served.push(app);
  return apiClient(app.url);
}

beforeAll(async () => {
  stalled = await serveApp(`no-worker-${randomUUID()}`);
  impatient = await serveApp(fixture.service.taskQueue);
});

afterAll(async () => {
  for (const app of served) await app.close();
});

async function timed<T>(call: () => Promise<T>): Promise<{ answer: T; ms: number }> {
  const started = Date.now();
  const answer = await call();
  return { answer, ms: Date.now() - started };
}

describe('with no worker polling the order task queue', () => {
  test('POST /orders answers 202 with the order Location within the deadline, and a keyed retry does not hang behind it', async () => {
    const product = await newProduct({ stock: 1 });
    const customerId = unique('cus');
    const key = unique('key');
    const order = { customerId, items: [{ productId: product.id, quantity: 1 }] };

    const first = await timed(() => stalled.post('/orders', order, { idempotencyKey: key }));
    expect(first.ms).toBeLessThan(ANSWER_WITHIN_MS);
    expect(first.answer.status).toBe(202);
    const orderId = first.answer.body.id as string;
    expect(first.answer.body).toEqual({ id: orderId, customerId, status: 'PENDING' });
    expect(first.answer.headers.get('location')).toBe(`/orders/${orderId}`);
    expect(first.answer.headers.get('retry-after')).toBe('1');

    const retry = await timed(() => stalled.post('/orders', order, { idempotencyKey: key }));
    expect(retry.ms).toBeLessThan(ANSWER_WITHIN_MS);
    expect(retry.answer.status).toBe(202);
    expect(retry.answer.body.id).toBe(orderId);

    const read = await stalled.get(`/orders/${orderId}`);
    expect(read.status).toBe(202);
    expect(read.body).toEqual({ id: orderId, customerId, status: 'PENDING' });

    // The admission claims ended with the requests: the one unit is still for sale to a buyer the worker serves.
    expect(await available(product.id)).toBe(1);
    const served = await fixture.placeOrder([{ productId: product.id, quantity: 1 }]);
    expect(served.status).toBe(201);
    await endOrder(orderId);
  });

  test.each(['payment', 'cancel'])('POST /orders/:id/%s answers 503 with Retry-After within the deadline', async (action) => {
    const product = await newProduct();
    const customerId = unique('cus');
    const placed = await stalled.post('/orders', { customerId, items: [{ productId: product.id, quantity: 1 }] });
    expect(placed.status).toBe(202);
    const orderId = placed.body.id as string;
    // As if its worker had recorded it RESERVED and then frozen: the routes find the order, Temporal does not answer.
    const sql = forkSql(fixture.service.orm);
    await run(sql, "INSERT INTO orders (id, customer_id, status, total_cents, request_hash) VALUES (?, ?, 'RESERVED', 1000, 'x')", [orderId, customerId]);

    const { answer, ms } = await timed(() => stalled.post(`/orders/${orderId}/${action}`, action === 'payment' ? { paymentToken: 'tok_visa' } : undefined));
    expect(ms).toBeLessThan(ANSWER_WITHIN_MS);
    expectProblem(answer, 503, 'SERVICE_UNAVAILABLE');
    expect(answer.headers.get('retry-after')).toBe('1');
    await run(sql, "UPDATE orders SET status = 'CANCELLED' WHERE id = ?", [orderId]);
    await endOrder(orderId);
  });

  test('/readyz answers 503, naming the worker check', async () => {
    const answer = await stalled.get('/readyz', { as: OPERATOR });
    expect(answer.status).toBe(503);
    expect(answer.body.checks).toMatchObject({ mysql: 'ok', redis: 'ok', temporal: 'ok', worker: expect.stringMatching(/no worker polls/) });
  });
});

describe('with a payment that outlasts the deadline', () => {
  test('a retry with the same Idempotency-Key joins the payment it repeats: CONFIRMED, one authorisation', async () => {
    const { orderId } = await fixture.reservedOrder();
    const key = unique('pay-key');
    // tok_timeout: the provider's first answer is lost; the worker's retry gets it a few seconds later.
    const pay = () => impatient.post(`/orders/${orderId}/payment`, { paymentToken: 'tok_timeout' }, { idempotencyKey: key });

    const first = await pay();
    expectProblem(first, 503, 'SERVICE_UNAVAILABLE');
    let answer = first;
    for (let retry = 0; answer.status === 503 && retry < 20; retry += 1) answer = await pay();

    expect([answer.status, answer.body.status]).toEqual([200, 'CONFIRMED']);
    expect((await fixture.authorizationsOf(orderId)).map((authorization) => authorization.status)).toEqual(['captured']);
  });
});
