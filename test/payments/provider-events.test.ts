/**
 * Finding 1 of the hostile probe, the service's side: a refund made at the provider left the order CONFIRMED with
 * payment CAPTURED. Now the real stand-in announces it by a signed event to POST /payments/events, and the order shows
 * it within seconds; a forged event is refused, a repeated one records nothing twice, and the saga's own reversals
 * are not news to staff.
 */
import { Webhook } from 'standardwebhooks';
import { sagaReversalKeys } from '../../payments/saga-keys';
import { call, eventually, expectProblem, unique } from '../api/http';
import { buyer, OPERATOR } from '../support/auth';
import { TEST_PAYMENTS_WEBHOOK_SECRET } from '../support/payments-keys';
import { serviceForThisFile } from '../api/service-per-file';
import { request } from './stand-in';

const stack = serviceForThisFile({ holdMs: 60_000, paymentEvents: true, metrics: true });

async function confirmedOrder(): Promise<{ orderId: string; customer: string; authorizationId: string; totalCents: number }> {
  const product = await stack.api.post('/products', { sku: unique('evt'), name: 'Evented', priceCents: 1_250, stock: 5 });
  const customer = unique('cus-evt');
  const placed = await stack.api.post('/orders', { items: [{ productId: product.body.id, quantity: 2 }] }, { as: buyer(customer) });
  const paid = await stack.api.post(`/orders/${placed.body.id}/payment`, { paymentToken: 'tok_visa' }, { as: buyer(customer) });
  expect(paid.body).toMatchObject({ status: 'CONFIRMED', payment: { status: 'CAPTURED' } });
  return { orderId: placed.body.id, customer, authorizationId: paid.body.payment.authorizationId, totalCents: paid.body.totalCents };
}

const outsideCount = async (type: string) =>
  (await stack.service.metrics!.api.paymentEventsOutside.get()).values.find((value) => value.labels.type === type)?.value ?? 0;

/** An event as the stand-in would send it, signed with `secret`. */
function signedEvent(event: object, secret = TEST_PAYMENTS_WEBHOOK_SECRET) {
  const id = (event as { id: string }).id;
  const body = JSON.stringify(event);
  const sentAt = new Date();
  return {
    raw: body,
    headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, sentAt, body) },
  };
}
const postEvent = (signed: { raw: string; headers: Record<string, string> }) => call(stack.service.baseUrl, 'POST', '/payments/events', { as: 'anonymous', ...signed });

test('a refund made at the provider with the right key shows on the order within seconds, and staff are told', async () => {
  const order = await confirmedOrder();
  const before = await outsideCount('authorization.refunded');
  const refunded = await request(stack.service.paymentsBaseUrl, 'POST', `/v1/authorizations/${order.authorizationId}/refund`, { key: 'made-at-the-dashboard', body: {} });
  expect(refunded.body.status).toBe('refunded');

  const seen = await eventually(async () => {
    const answer = await stack.api.get(`/orders/${order.orderId}`, { as: buyer(order.customer) });
    expect(answer.body.payment).toMatchObject({ status: 'REFUNDED', refundedCents: order.totalCents });
    return answer;
  }, 5_000);
  expect(seen.body.status).toBe('CONFIRMED');
  expect(await outsideCount('authorization.refunded')).toBe(before + 1);
});

test('a forged, unsigned or stale event is refused with 401 and changes nothing', async () => {
  const order = await confirmedOrder();
  const event = {
    id: `evt_${unique('forged').replace(/[^A-Za-z0-9]/g, '')}`,
    type: 'authorization.refunded',
    createdAt: new Date().toISOString(),
    data: { authorization: { id: order.authorizationId, reference: order.orderId, status: 'refunded', capturedAmountCents: order.totalCents, refundedAmountCents: order.totalCents }, idempotencyKey: null },
  };
  const forged = signedEvent(event, `whsec_${Buffer.from('not-the-providers-secret-0123456').toString('base64')}`);
  expectProblem(await postEvent(forged), 401, 'PAYMENT_EVENT_UNVERIFIED');
  expectProblem(await postEvent({ raw: forged.raw, headers: {} }), 401, 'PAYMENT_EVENT_UNVERIFIED');
  const genuine = signedEvent(event);
  const stale = { ...genuine.headers, 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 3_600) };
  expectProblem(await postEvent({ raw: genuine.raw, headers: stale }), 401, 'PAYMENT_EVENT_UNVERIFIED');
  expect((await stack.api.get(`/orders/${order.orderId}`, { as: OPERATOR })).body.payment.status).toBe('CAPTURED');
});

test('a signed event is recorded once by its id; a malformed one is a problem, not a 500', async () => {
  const order = await confirmedOrder();
  const event = {
    id: `evt_${unique('once').replace(/[^A-Za-z0-9]/g, '')}`,
    type: 'dispute.created',
    createdAt: new Date().toISOString(),
    data: { authorization: { id: order.authorizationId, reference: order.orderId, status: 'captured', capturedAmountCents: order.totalCents, refundedAmountCents: 0 }, idempotencyKey: null },
  };
  const before = await outsideCount('dispute.created');
  expect((await postEvent(signedEvent(event))).body).toEqual({ received: true, recorded: true });
  expect((await postEvent(signedEvent(event))).body).toEqual({ received: true, recorded: false });
  expect(await outsideCount('dispute.created')).toBe(before + 1);

  const malformed = await postEvent(signedEvent({ ...event, id: 'evt_malformed1', type: 'charge.exploded' }));
  expectProblem(malformed, 400, 'VALIDATION_FAILED');
  expect(malformed.body.field).toBe('body.type');
});

test("the saga's own refund is recorded without telling staff", async () => {
  const order = await confirmedOrder();
  const before = await outsideCount('authorization.refunded');
  const event = {
    id: `evt_${unique('own').replace(/[^A-Za-z0-9]/g, '')}`,
    type: 'authorization.refunded',
    createdAt: new Date().toISOString(),
    data: {
      authorization: { id: order.authorizationId, reference: order.orderId, status: 'refunded', capturedAmountCents: order.totalCents, refundedAmountCents: order.totalCents },
      idempotencyKey: sagaReversalKeys(order.orderId, order.authorizationId).refund,
    },
  };
  expect((await postEvent(signedEvent(event))).body.recorded).toBe(true);
  expect(await outsideCount('authorization.refunded')).toBe(before);
  // The saga records its own reversal with the order; the event alone does not turn a CAPTURED payment REFUNDED.
  expect((await stack.api.get(`/orders/${order.orderId}`, { as: OPERATOR })).body.payment.status).toBe('CAPTURED');
});
