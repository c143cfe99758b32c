/**
 * Signed webhooks end to end: staff register an endpoint, orders move through the real API, worker and Temporal dev
 * server, and a real HTTP receiver on loopback verifies every delivery with the standardwebhooks package.
 */
import { forkSql, run } from '../../db/sql';
import { eventually, expectProblem, unique } from '../api/http';
import { ADMIN, buyer } from '../support/auth';
import { serviceForThisFile } from '../api/service-per-file';
import { activityFailed, expectTemporalWarnings } from '../support/temporal-warnings';
import { startWebhookReceiver, verifiedEvent, type WebhookReceiver } from '../support/webhook-receiver';

const FAST_RETRIES = { attemptTimeoutMs: 4_000, initialIntervalMs: 200, maximumIntervalMs: 1_000, giveUpAfterMs: 60_000 };

const stack = serviceForThisFile({ holdMs: 60_000, webhooks: { allowedHosts: new Set(['127.0.0.1']), policy: FAST_RETRIES } });
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  // Endpoints other test files left in this database (the role matrix registers some) would be sent these events too.
  await run(forkSql(stack.service.orm), 'UPDATE webhook_endpoint SET deleted_at = CURRENT_TIMESTAMP(3) WHERE deleted_at IS NULL');
}, 120_000);

afterAll(async () => {
  await receiver?.close();
}, 60_000);

const asAdmin = { as: ADMIN };

async function register(events: string[], url = receiver.url): Promise<{ id: string; secret: string }> {
  const answer = await stack.api.post('/webhooks', { url, events }, asAdmin);
  expect(answer.status).toBe(201);
  return answer.body;
}

async function newProduct(stock = 5): Promise<{ id: number; sku: string }> {
  const answer = await stack.api.post('/products', { sku: unique('hook-sku'), name: 'Webhook test product', priceCents: 700, stock });
  expect(answer.status).toBe(201);
  return answer.body;
}

async function paidOrder(productId: number): Promise<string> {
  const placed = await stack.api.post('/orders', { customerId: unique('cus'), items: [{ productId, quantity: 1 }] });
  expect(placed.status).toBe(201);
  expect((await stack.api.post(`/orders/${placed.body.id}/payment`, { paymentToken: 'tok_visa' })).status).toBe(200);
  return placed.body.id;
}

/** Deliveries to this receiver about this order (or product), in arrival order. */
const about = (needle: string) => receiver.received.filter((webhook) => webhook.body.includes(needle));

describe('webhooks', () => {
  const endpoints: string[] = [];
  afterEach(async () => {
    // One endpoint at a time: each test's receiver sees only what its own endpoint was sent.
    for (const id of endpoints.splice(0)) await stack.api.call('DELETE', `/webhooks/${id}`, asAdmin);
  });

  it('delivers order.reserved and order.confirmed, each signed per Standard Webhooks, without payment data', async () => {
    const endpoint = await register(['order.reserved', 'order.confirmed']);
    endpoints.push(endpoint.id);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const orderId = await paidOrder((await newProduct()).id);

    const deliveries = await eventually(async () => {
      const mine = about(orderId);
      expect(mine).toHaveLength(2);
      return mine;
    });
    const events = deliveries.map((webhook) => verifiedEvent(webhook, endpoint.secret));
    expect(events.map((event) => event.type).sort()).toEqual(['order.confirmed', 'order.reserved']);
    const confirmed = events.find((event) => event.type === 'order.confirmed')!;
    expect(confirmed.data).toMatchObject({ orderId, status: 'CONFIRMED', totalCents: 700 });
    expect(JSON.stringify(confirmed)).not.toMatch(/payment|auth_|tok_/i);
    expect(deliveries[0].headers['webhook-id']).toMatch(/^evt_/);
    expect(() => verifiedEvent(deliveries[0], 'whsec_' + Buffer.alloc(32, 1).toString('base64'))).toThrow();
  });

  it('retries a receiver that fails three times, and records the event delivered once with every attempt', async () => {
    const endpoint = await register(['order.confirmed']);
    endpoints.push(endpoint.id);
    receiver.script([500, 503, 500]);
    expectTemporalWarnings(activityFailed('deliverWebhook', /the endpoint answered 50[03]/));
    const orderId = await paidOrder((await newProduct()).id);

    const log = await eventually(async () => {
      const answer = await stack.api.get(`/webhooks/${endpoint.id}/deliveries`, asAdmin);
      expect(answer.status).toBe(200);
      expect(answer.body.data).toHaveLength(1);
      expect(answer.body.data[0].status).toBe('DELIVERED');
      return answer.body.data[0];
    }, 20_000);
    expect(log.attempts.map((attempt: { statusCode: number }) => attempt.statusCode)).toEqual([500, 503, 500, 200]);
    expect(log.attempts.map((attempt: { attempt: number }) => attempt.attempt)).toEqual([1, 2, 3, 4]);
    expect(log.type).toBe('order.confirmed');
    const requests = about(orderId);
    expect(requests).toHaveLength(4);
    expect(new Set(requests.map((request) => request.headers['webhook-id'])).size).toBe(1);
    expect(verifiedEvent(requests[3], endpoint.secret).type).toBe('order.confirmed');
  });

  it('emits product.sold_out when a reservation takes the last unit', async () => {
    const endpoint = await register(['product.sold_out']);
    endpoints.push(endpoint.id);
    const product = await newProduct(1);
    const placed = await stack.api.post('/orders', { customerId: unique('cus'), items: [{ productId: product.id, quantity: 1 }] });
    expect(placed.status).toBe(201);
    const [soldOut] = await eventually(async () => {
      const mine = about(product.sku);
      expect(mine).toHaveLength(1);
      return mine;
    });
    expect(verifiedEvent(soldOut, endpoint.secret)).toMatchObject({
      type: 'product.sold_out',
      data: { productId: product.id, sku: product.sku, orderId: placed.body.id },
    });
  });

  it('emits coupon.exhausted once, from the claim that takes the last coupon, however many buyers race for it', async () => {
    const endpoint = await register(['coupon.exhausted']);
    endpoints.push(endpoint.id);
    const code = unique('HOOK').toUpperCase().slice(0, 32);
    expect((await stack.api.post('/coupons', { code, name: 'Webhook drop', percentOff: 10, quantity: 3 }, asAdmin)).status).toBe(201);
    const claims = await Promise.all(Array.from({ length: 12 }, () => stack.api.post(`/coupons/${code}/claims`, undefined, { as: buyer(unique('cus-hook')) })));
    const last = claims.filter((answer) => answer.status === 201).map((answer) => answer.body.claimId);
    expect(last).toHaveLength(3);
    const [exhausted] = await eventually(async () => {
      const mine = about(code);
      expect(mine).toHaveLength(1);
      return mine;
    });
    const event = verifiedEvent(exhausted, endpoint.secret);
    expect(event).toMatchObject({ type: 'coupon.exhausted', data: { code, quantity: 3 } });
    expect(last).toContain((event.data as { claimId: string }).claimId);
  });

  it('signs with the new secret after a rotation, and with the old one too during the grace period', async () => {
    const endpoint = await register(['order.cancelled']);
    endpoints.push(endpoint.id);
    const rotated = await stack.api.post(`/webhooks/${endpoint.id}/rotate-secret`, undefined, asAdmin);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    const placed = await stack.api.post('/orders', { customerId: unique('cus'), items: [{ productId: (await newProduct()).id, quantity: 1 }] });
    expect((await stack.api.post(`/orders/${placed.body.id}/cancel`)).status).toBe(200);
    const [cancelled] = await eventually(async () => {
      const mine = about(placed.body.id);
      expect(mine).toHaveLength(1);
      return mine;
    });
    expect(verifiedEvent(cancelled, rotated.body.secret).type).toBe('order.cancelled');
    expect(verifiedEvent(cancelled, endpoint.secret).type).toBe('order.cancelled');
    expect(String(cancelled.headers['webhook-signature']).split(' ')).toHaveLength(2);
  });

  it("pages an endpoint's delivery log newest first, with an opaque cursor like the other lists", async () => {
    const endpoint = await register(['order.reserved', 'order.cancelled']);
    endpoints.push(endpoint.id);
    const productId = (await newProduct()).id;
    const placed = [];
    for (let i = 0; i < 2; i += 1) placed.push(await stack.api.post('/orders', { customerId: unique('cus'), items: [{ productId, quantity: 1 }] }));
    expect((await stack.api.post(`/orders/${placed[0].body.id}/cancel`)).status).toBe(200);
    const everything = await eventually(async () => {
      const answer = await stack.api.get(`/webhooks/${endpoint.id}/deliveries`, asAdmin);
      expect(answer.body.data).toHaveLength(3);
      return answer.body.data as Array<{ eventId: string; createdAt: string }>;
    });
    const createdAt = everything.map((delivery) => delivery.createdAt);
    expect(createdAt).toEqual([...createdAt].sort().reverse());

    const first = await stack.api.get(`/webhooks/${endpoint.id}/deliveries?limit=2`, asAdmin);
    expect(first.body.data.map((delivery: { eventId: string }) => delivery.eventId)).toEqual(everything.slice(0, 2).map((delivery) => delivery.eventId));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await stack.api.get(`/webhooks/${endpoint.id}/deliveries?limit=2&cursor=${first.body.nextCursor}`, asAdmin);
    expect(second.body).toEqual({ data: [expect.objectContaining({ eventId: everything[2].eventId })], nextCursor: null });

    const forged = await stack.api.get(`/webhooks/${endpoint.id}/deliveries?cursor=${Buffer.from('{"id":1}').toString('base64url')}`, asAdmin);
    expectProblem(forged, 400, 'VALIDATION_FAILED');
    expect(forged.body.field).toBe('query.cursor');
    expectProblem(await stack.api.get(`/webhooks/${endpoint.id}/deliveries?limit=0`, asAdmin), 400, 'VALIDATION_FAILED');
  });

  it('lists endpoints without their secrets, reads and deletes one', async () => {
    const endpoint = await register(['order.expired', 'order.failed']);
    const listed = await stack.api.get('/webhooks', asAdmin);
    expect(listed.body.data).toContainEqual({ id: endpoint.id, url: receiver.url, events: ['order.expired', 'order.failed'], createdAt: expect.any(String) });
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');
    expect((await stack.api.get(`/webhooks/${endpoint.id}`, asAdmin)).body).toEqual({ id: endpoint.id, url: receiver.url, events: ['order.expired', 'order.failed'], createdAt: expect.any(String) });
    expect((await stack.api.call('DELETE', `/webhooks/${endpoint.id}`, asAdmin)).status).toBe(204);
    expectProblem(await stack.api.call('DELETE', `/webhooks/${endpoint.id}`, asAdmin), 404, 'WEBHOOK_NOT_FOUND');
    expect((await stack.api.get('/webhooks', asAdmin)).body.data.map((row: { id: string }) => row.id)).not.toContain(endpoint.id);
    expectProblem(await stack.api.get(`/webhooks/${endpoint.id}`, asAdmin), 404, 'WEBHOOK_NOT_FOUND');
  });

  it.each([
    ['a link-local address (cloud metadata)', 'http://169.254.169.254/latest/meta-data'],
    ['a private address', 'http://10.0.0.7/hooks'],
    ['a name that resolves to loopback, not on the allow-list', 'http://localhost:8080/hooks'],
    ['IPv6 loopback', 'http://[::1]:8080/hooks'],
  ])('refuses an endpoint URL pointing at %s', async (_what, url) => {
    const answer = await stack.api.post('/webhooks', { url, events: ['order.confirmed'] }, asAdmin);
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe('body.url');
  });

  it('refuses bad registrations and callers who are not admin', async () => {
    expectProblem(await stack.api.post('/webhooks', { url: 'ftp://example.com/x', events: ['order.confirmed'] }, asAdmin), 400, 'VALIDATION_FAILED');
    expectProblem(await stack.api.post('/webhooks', { url: receiver.url, events: ['order.shipped'] }, asAdmin), 400, 'VALIDATION_FAILED');
    expectProblem(await stack.api.post('/webhooks', { url: receiver.url, events: [] }, asAdmin), 400, 'VALIDATION_FAILED');
    expectProblem(await stack.api.post('/webhooks', { url: receiver.url, events: ['order.confirmed'] }, { as: buyer('cus-x') }), 403, 'FORBIDDEN');
    expectProblem(await stack.api.get('/webhooks', { as: 'anonymous' }), 401, 'UNAUTHENTICATED');
    expectProblem(await stack.api.get('/webhooks/whk_000000000000000000000000/deliveries', asAdmin), 404, 'WEBHOOK_NOT_FOUND');
  });
});
