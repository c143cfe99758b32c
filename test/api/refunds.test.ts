/**
 * Refunds and returns after the sale, end to end (test/support/service.ts): the API, a worker running the order's
 * after-sale workflow on the real Temporal dev server, MariaDB, Redis and the payments stand-in.
 */
import { randomUUID } from 'node:crypto';
import { checkInvariants } from '../../check/invariants';
import { takeSnapshot } from '../../check/snapshot';
import { forkSql, run } from '../../db/sql';
import { ADMIN, OPERATOR } from '../support/auth';
import { readStock } from '../support/db';
import { startWebhookReceiver, verifiedEvent, type WebhookReceiver } from '../support/webhook-receiver';
import { useService } from './fixtures';
import { eventually, expectProblem, type Answer } from './http';
import { TEST_PAYMENTS_API_KEY } from '../support/payments-keys';

const FAST_RETRIES = { attemptTimeoutMs: 4_000, initialIntervalMs: 200, maximumIntervalMs: 1_000, giveUpAfterMs: 60_000 };
const fixture = useService({ holdMs: 60_000, metrics: true, webhooks: { allowedHosts: new Set(['127.0.0.1']), policy: FAST_RETRIES } });
const { newProduct, reservedOrder, pay, available } = fixture;

let receiver: WebhookReceiver;
let secret: string;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
  // Endpoints other test files left in this database would be sent these events too.
  await run(forkSql(fixture.service.orm), 'UPDATE webhook_endpoint SET deleted_at = CURRENT_TIMESTAMP(3) WHERE deleted_at IS NULL');
  const registered = await fixture.api.post('/webhooks', { url: receiver.url, events: ['order.refunded', 'refund.failed', 'return.received'] }, { as: ADMIN });
  secret = registered.body.secret;
});
afterAll(() => receiver?.close());

/** The verified events this receiver got about one order. */
const eventsAbout = (orderId: string) => receiver.received.filter((webhook) => webhook.body.includes(orderId)).map((webhook) => verifiedEvent(webhook, secret));
const kindsSentAbout = (orderId: string) => fixture.service.notifications.filter((sent) => sent.orderId === orderId).map((sent) => sent.kind);
const metric = async (name: 'refunds' | 'returnedUnits', labels: Record<string, string>) =>
  (await fixture.service.metrics!.saga[name].get()).values.find((value) => Object.entries(labels).every(([key, text]) => (value.labels as Record<string, unknown>)[key] === text))?.value ?? 0;

/** Every product these tests sold: the invariant check at the end looks at them. */
const productIds: number[] = [];

/** A CONFIRMED order of `quantity` units at 10.00, paid with `token`. */
async function soldOrder(options: { quantity?: number; token?: string; stock?: number } = {}) {
  const product = await newProduct({ stock: options.stock ?? 10, priceCents: 1_000 });
  productIds.push(product.id);
  const { orderId } = await reservedOrder({ product, quantity: options.quantity ?? 2 });
  expect((await pay(orderId, options.token ?? 'tok_visa')).body.status).toBe('CONFIRMED');
  return { product, orderId };
}

const refund = (orderId: string, body: object, key: string = randomUUID()): Promise<Answer> =>
  fixture.api.post(`/orders/${orderId}/refunds`, { reason: 'customer service', expectedRefundedCents: 0, ...body }, { as: OPERATOR, idempotencyKey: key });

const settled = (orderId: string, refundId: string) =>
  eventually(async () => {
    const answer = await fixture.api.get(`/orders/${orderId}/refunds/${refundId}`, { as: OPERATOR });
    expect(answer.body.status).not.toBe('PENDING');
    return answer.body;
  });

const providerRefunds = async (orderId: string) => {
  const books = (await (await fetch(`${fixture.service.paymentsBaseUrl}/v1/ledger`, { headers: { authorization: `Bearer ${TEST_PAYMENTS_API_KEY}` } })).json()) as { refunds: Array<{ reference: string; amountCents: number }> };
  return books.refunds.filter((made) => made.reference === orderId);
};

describe('refunds', () => {
  test('20 concurrent requests to refund the whole order refund it exactly once; the other 19 answer 409', async () => {
    const { orderId } = await soldOrder();
    const answers = await Promise.all(Array.from({ length: 20 }, () => refund(orderId, { amountCents: 2_000 })));
    const accepted = answers.filter((answer) => answer.status === 202);
    expect(accepted).toHaveLength(1);
    for (const answer of answers.filter((candidate) => candidate.status !== 202)) {
      expect(answer.status).toBe(409);
      expect(['REFUND_STATE_CHANGED', 'REFUND_EXCEEDS_CAPTURED']).toContain(answer.body.code);
    }
    expect(accepted[0].headers.get('location')).toBe(`/orders/${orderId}/refunds/${accepted[0].body.id}`);
    expect(await settled(orderId, accepted[0].body.id)).toMatchObject({ status: 'SUCCEEDED', amountCents: 2_000 });
    expect((await providerRefunds(orderId)).map((made) => made.amountCents)).toEqual([2_000]);
    const order = (await fixture.api.get(`/orders/${orderId}`, { as: OPERATOR })).body;
    expect(order).toMatchObject({ refundedCents: 2_000, refundStatus: 'REFUNDED', refunds: [{ id: accepted[0].body.id, status: 'SUCCEEDED' }], returns: [] });
    // Staff's systems hear it once (webhook), and so does the buyer (the order's own channel).
    const [event] = await eventually(async () => {
      const events = eventsAbout(orderId);
      expect(events).toHaveLength(1);
      return events;
    });
    expect(event).toMatchObject({ type: 'order.refunded', data: { refundId: accepted[0].body.id, amountCents: 2_000, refundedCents: 2_000, refundStatus: 'REFUNDED' } });
    await eventually(async () => expect(kindsSentAbout(orderId)).toEqual(['ORDER_CONFIRMED', 'ORDER_REFUNDED']));
  });

  test('partial refunds add up to at most the capture; a stale expectedRefundedCents is refused', async () => {
    const { orderId } = await soldOrder({ quantity: 3 });
    const first = await refund(orderId, { amountCents: 500 });
    expect(first.status).toBe(202);
    await settled(orderId, first.body.id);
    expectProblem(await refund(orderId, { amountCents: 100, expectedRefundedCents: 0 }), 409, 'REFUND_STATE_CHANGED');
    const byLine = await refund(orderId, { lines: [{ productId: (await fixture.api.get(`/orders/${orderId}`)).body.items[0].productId, quantity: 2 }], expectedRefundedCents: 500 });
    expect(byLine).toMatchObject({ status: 202, body: { amountCents: 2_000 } });
    await settled(orderId, byLine.body.id);
    expectProblem(await refund(orderId, { amountCents: 501, expectedRefundedCents: 2_500 }), 409, 'REFUND_EXCEEDS_CAPTURED');
    const last = await refund(orderId, { amountCents: 500, expectedRefundedCents: 2_500 });
    expect(last.status).toBe(202);
    await settled(orderId, last.body.id);
    expect((await providerRefunds(orderId)).reduce((sum, made) => sum + made.amountCents, 0)).toBe(3_000);
    expect((await fixture.api.get(`/orders/${orderId}`)).body).toMatchObject({ refundedCents: 3_000, refundStatus: 'REFUNDED' });
    await eventually(async () => expect(kindsSentAbout(orderId)).toEqual(['ORDER_CONFIRMED', 'ORDER_PARTIALLY_REFUNDED', 'ORDER_REFUNDED']));
  });

  test('the same Idempotency-Key answers the same refund, and is refused for another one', async () => {
    const { orderId } = await soldOrder();
    const key = randomUUID();
    const first = await refund(orderId, { amountCents: 300 }, key);
    const again = await refund(orderId, { amountCents: 300 }, key);
    expect(again).toMatchObject({ status: 202, body: { id: first.body.id } });
    expectProblem(await refund(orderId, { amountCents: 400 }, key), 422, 'IDEMPOTENCY_KEY_REUSED');
    await settled(orderId, first.body.id);
    expect(await providerRefunds(orderId)).toHaveLength(1);
  });

  test('a refund the provider declines ends FAILED, is never retried into a refund, and leaves the order unrefunded', async () => {
    const { orderId } = await soldOrder({ token: 'tok_refundFails' });
    const failedBefore = await metric('refunds', { status: 'FAILED' });
    const answer = await refund(orderId, { amountCents: 2_000 });
    expect(await settled(orderId, answer.body.id)).toMatchObject({ status: 'FAILED', failureReason: expect.stringContaining('declined') });
    expect(await providerRefunds(orderId)).toEqual([]);
    expect((await fixture.api.get(`/orders/${orderId}`)).body).toMatchObject({ refundedCents: 0, refundStatus: 'NONE' });
    // Staff are told: a metric and a webhook.
    expect(await metric('refunds', { status: 'FAILED' })).toBe(failedBefore + 1);
    await eventually(async () => expect(eventsAbout(orderId)).toMatchObject([{ type: 'refund.failed', data: { refundId: answer.body.id, failureReason: expect.any(String) } }]));
  });

  test('a refund whose answer the provider lost is found on the retry and ends SUCCEEDED, made once', async () => {
    const { orderId } = await soldOrder({ token: 'tok_refundTimeout' });
    const answer = await refund(orderId, { amountCents: 700 });
    expect(await settled(orderId, answer.body.id)).toMatchObject({ status: 'SUCCEEDED', amountCents: 700 });
    expect((await providerRefunds(orderId)).map((made) => made.amountCents)).toEqual([700]);
  });

  test('only a CONFIRMED order is refundable; a refund needs an Idempotency-Key and staff', async () => {
    const { orderId } = await reservedOrder();
    expectProblem(await refund(orderId, { amountCents: 100 }), 409, 'ORDER_NOT_REFUNDABLE');
    const sold = await soldOrder();
    expectProblem(await fixture.api.post(`/orders/${sold.orderId}/refunds`, { amountCents: 1, reason: 'x', expectedRefundedCents: 0 }, { as: OPERATOR }), 400, 'VALIDATION_FAILED');
    expectProblem(await fixture.api.post(`/orders/${sold.orderId}/refunds`, { amountCents: 1, reason: 'x', expectedRefundedCents: 0 }, { idempotencyKey: 'k' }), 403, 'FORBIDDEN');
    expectProblem(await refund(sold.orderId, { amountCents: 1, lines: [{ productId: 1, quantity: 1 }] }), 400, 'VALIDATION_FAILED');
  });
});

describe('returns', () => {
  test('a received return puts its sellable units back on sale once, keeps damaged ones out, and refunds them all', async () => {
    const { product, orderId } = await soldOrder({ quantity: 3 });
    expect(await readStock(fixture.service.orm, product.id)).toBe(7);
    const asked = await fixture.api.post(`/orders/${orderId}/returns`, { lines: [{ productId: product.id, quantity: 2 }] });
    expect(asked).toMatchObject({ status: 201, body: { status: 'REQUESTED', lines: [{ productId: product.id, quantity: 2 }] } });
    const receive = () =>
      fixture.api.post(`/returns/${asked.body.id}/receive`, {
        lines: [
          { productId: product.id, quantity: 1, condition: 'SELLABLE' },
          { productId: product.id, quantity: 1, condition: 'DAMAGED' },
        ],
      });
    const [once, twice] = await Promise.all([receive(), receive()]);
    expect(once).toMatchObject({ status: 200, body: { status: 'RECEIVED', refundId: expect.any(String) } });
    expect(twice.body).toEqual(once.body);
    expect((await receive()).body).toEqual(once.body);
    expect(await readStock(fixture.service.orm, product.id)).toBe(8);
    expect(await available(product.id)).toBe(8);
    expect(await settled(orderId, once.body.refundId)).toMatchObject({ status: 'SUCCEEDED', amountCents: 2_000, returnId: asked.body.id });
    expect((await fixture.api.get(`/orders/${orderId}`)).body).toMatchObject({ refundStatus: 'PARTIALLY_REFUNDED', returns: [{ id: asked.body.id, status: 'RECEIVED' }] });
    await eventually(async () => expect(eventsAbout(orderId).map((event) => event.type).sort()).toEqual(['order.refunded', 'return.received']));
    expect(await metric('returnedUnits', { condition: 'DAMAGED' })).toBeGreaterThanOrEqual(1);
  });

  test('a return of more units than were sold is refused, and a refund alone never restocks', async () => {
    const { product, orderId } = await soldOrder({ quantity: 2 });
    expect((await fixture.api.post(`/orders/${orderId}/returns`, { lines: [{ productId: product.id, quantity: 1 }] })).status).toBe(201);
    expectProblem(await fixture.api.post(`/orders/${orderId}/returns`, { lines: [{ productId: product.id, quantity: 2 }] }), 409, 'RETURN_EXCEEDS_SOLD');
    const byLine = await refund(orderId, { lines: [{ productId: product.id, quantity: 2 }] });
    await settled(orderId, byLine.body.id);
    expect(await readStock(fixture.service.orm, product.id)).toBe(8);
    expect(await available(product.id)).toBe(8);
  });

  test('receiving a return that does not exist is 404 RETURN_NOT_FOUND', async () => {
    expectProblem(await fixture.api.post('/returns/ret_nope/receive', { lines: [{ productId: 1, quantity: 1, condition: 'SELLABLE' }] }), 404, 'RETURN_NOT_FOUND');
  });
});

describe('invariants', () => {
  test("npm run check's invariants hold over every order above, I8 (after the sale) included", async () => {
    expect(productIds.length).toBeGreaterThan(5);
    const { orm, redis, paymentsBaseUrl } = fixture.service;
    const result = checkInvariants(await takeSnapshot({ orm, redis, paymentsUrl: paymentsBaseUrl, temporal: null }, { productIds }), { stuckAfterMs: 60_000, quietRequired: true });
    expect(result.findings.filter((finding) => finding.severity === 'breach')).toEqual([]);
    expect(result.summary.I8).toMatchObject({ status: 'ok', breaches: 0 });
  });
});
