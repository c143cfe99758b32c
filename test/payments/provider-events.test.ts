/**
 * Finding 1 of the hostile probe, the service's side: a refund made at the provider left the order CONFIRMED with
 * payment CAPTURED. Now the real stand-in announces it by a signed event to POST /payments/events, and the order shows
 * it within seconds; a forged event is refused, a repeated one records nothing twice, and the saga's own reversals
 * are not news to staff. A refund made at the provider is a refund of the order like one staff made through the API:
 * listed with its refunds, counted by the after-sale workflow's checks (running or started later).
 */
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { checkInvariants } from '../../check/invariants';
import { takeSnapshot } from '../../check/snapshot';
import { sagaReversalKeys } from '../../payments/saga-keys';
import { afterSaleWorkflowId } from '../../temporal/names';
import { getAfterSaleQuery } from '../../workflows/after-sale-messages';
import { call, eventually, expectProblem, unique } from '../api/http';
import { buyer, OPERATOR } from '../support/auth';
import { TEST_PAYMENTS_WEBHOOK_SECRET } from '../support/payments-keys';
import { serviceForThisFile } from '../api/service-per-file';
import { request } from './stand-in';

const stack = serviceForThisFile({ holdMs: 60_000, paymentEvents: true, metrics: true });

/** Every product these tests sold: the invariant check at the end looks at them. */
const productIds: number[] = [];

async function confirmedOrder(): Promise<{ orderId: string; customer: string; authorizationId: string; totalCents: number }> {
  const product = await stack.api.post('/products', { sku: unique('evt'), name: 'Evented', priceCents: 1_250, stock: 5 });
  productIds.push(product.body.id);
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
  expect(seen.body).toMatchObject({ status: 'CONFIRMED', refundedCents: order.totalCents, refundStatus: 'REFUNDED', refunds: [{ status: 'SUCCEEDED', amountCents: order.totalCents }] });
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

/** Staff refund `amountCents` through the API, believing `expectedRefundedCents` are refunded already. */
const staffRefund = (orderId: string, amountCents: number, expectedRefundedCents: number) =>
  stack.api.post(`/orders/${orderId}/refunds`, { amountCents, reason: 'customer service', expectedRefundedCents }, { as: OPERATOR, idempotencyKey: randomUUID() });

/** A refund of part of the capture made at the provider's dashboard, with the service's key: answered with the provider's refund. */
async function refundAtProvider(authorizationId: string, amountCents: number): Promise<{ id: string; amountCents: number }> {
  const made = await request(stack.service.paymentsBaseUrl, 'POST', '/v1/refunds', { key: unique('dashboard'), body: { authorizationId, amountCents } });
  expect(made.status).toBe(201);
  return made.body;
}

/** What the order's running after-sale workflow counts as refunded. */
const afterSaleKnows = (orderId: string) => stack.service.temporalClient.workflow.getHandle(afterSaleWorkflowId(orderId)).query(getAfterSaleQuery);
const orderAsStaffSeeIt = async (orderId: string) => (await stack.api.get(`/orders/${orderId}`, { as: OPERATOR })).body;
const refundsOfOrder = async (orderId: string) => (await orderAsStaffSeeIt(orderId)).refunds as Array<{ id: string; reason: string }>;

describe('a refund made at the provider is a refund of the order', () => {
  test('it shows within seconds, the running after-sale workflow counts it, and the buyer hears of the full refund', async () => {
    const order = await confirmedOrder();
    // A refund through the API first, so the order's after-sale workflow is running when the provider's event comes.
    const own = await staffRefund(order.orderId, 500, 0);
    expect(own.status).toBe(202);
    await eventually(async () => expect((await orderAsStaffSeeIt(order.orderId)).refundedCents).toBe(500), 5_000);

    const outside = await refundAtProvider(order.authorizationId, 700);
    const seen = await eventually(async () => {
      const answer = await orderAsStaffSeeIt(order.orderId);
      expect(answer).toMatchObject({ status: 'CONFIRMED', refundedCents: 1_200, refundStatus: 'PARTIALLY_REFUNDED', payment: { status: 'CAPTURED', refundedCents: 1_200 } });
      return answer;
    }, 5_000);
    expect(seen.refunds).toHaveLength(2);
    // MySQL has it before the workflow is signalled: wait for the workflow too, or a staff request might come first.
    await eventually(async () => expect((await afterSaleKnows(order.orderId)).refundedCents).toBe(1_200), 5_000);
    const atProvider = (await refundsOfOrder(order.orderId)).find((refund) => refund.reason === 'refunded at the payment provider')!;
    const shown = await stack.api.get(`/orders/${order.orderId}/refunds/${atProvider.id}`, { as: OPERATOR });
    expect(shown.body).toMatchObject({ status: 'SUCCEEDED', amountCents: 700, lines: [], reason: 'refunded at the payment provider' });

    // Staff looking at the screen from before the provider's refund: stale; and no more than what is left.
    const stale = await staffRefund(order.orderId, 100, 500);
    expectProblem(stale, 409, 'REFUND_STATE_CHANGED');
    expect(stale.body.refundedCents).toBe(1_200);
    expectProblem(await staffRefund(order.orderId, order.totalCents - 1_200 + 1, 1_200), 409, 'REFUND_EXCEEDS_CAPTURED');

    // The rest refunded at the provider too: REFUNDED, and the buyer is told by the workflow as of its own refunds.
    await refundAtProvider(order.authorizationId, order.totalCents - 1_200);
    await eventually(async () => {
      expect(await orderAsStaffSeeIt(order.orderId)).toMatchObject({ refundedCents: order.totalCents, refundStatus: 'REFUNDED', payment: { status: 'REFUNDED' } });
      expect((await afterSaleKnows(order.orderId)).refundStatus).toBe('REFUNDED');
      expect(stack.service.notifications.filter((sent) => sent.orderId === order.orderId).map((sent) => sent.kind)).toContain('ORDER_REFUNDED');
    }, 5_000);
    expectProblem(await staffRefund(order.orderId, 1, order.totalCents), 409, 'REFUND_EXCEEDS_CAPTURED');
    expect(outside.amountCents).toBe(700);
  });

  test('with no after-sale workflow running, the next one reads it from MySQL', async () => {
    const order = await confirmedOrder();
    await refundAtProvider(order.authorizationId, 800);
    await eventually(async () => expect(await orderAsStaffSeeIt(order.orderId)).toMatchObject({ refundedCents: 800, refundStatus: 'PARTIALLY_REFUNDED' }), 5_000);
    const stale = await staffRefund(order.orderId, 100, 0);
    expectProblem(stale, 409, 'REFUND_STATE_CHANGED');
    expect(stale.body.refundedCents).toBe(800);
    expectProblem(await staffRefund(order.orderId, order.totalCents - 800 + 1, 800), 409, 'REFUND_EXCEEDS_CAPTURED');
    expect((await staffRefund(order.orderId, order.totalCents - 800, 800)).status).toBe(202);
  });

  test('a repeated event, or another event of the same provider refund, changes nothing; a forged one is refused', async () => {
    const order = await confirmedOrder();
    const made = await refundAtProvider(order.authorizationId, 300);
    await eventually(async () => expect((await orderAsStaffSeeIt(order.orderId)).refundedCents).toBe(300), 5_000);
    const before = { order: await orderAsStaffSeeIt(order.orderId), refunds: await refundsOfOrder(order.orderId) };
    const event = {
      id: `evt_${unique('again').replace(/[^A-Za-z0-9]/g, '')}`,
      type: 'authorization.refunded',
      createdAt: new Date().toISOString(),
      data: {
        authorization: { id: order.authorizationId, reference: order.orderId, status: 'captured', capturedAmountCents: order.totalCents, refundedAmountCents: 300 },
        idempotencyKey: null,
        refund: { id: made.id, amountCents: 300 },
      },
    };
    const signed = signedEvent(event);
    expect((await postEvent(signed)).body).toEqual({ received: true, recorded: true });
    expect((await postEvent(signed)).body).toEqual({ received: true, recorded: false });
    const forged = signedEvent({ ...event, id: 'evt_forgedrefund1', data: { ...event.data, refund: { id: 're_forged', amountCents: 900 } } }, `whsec_${Buffer.from('not-the-providers-secret-0123456').toString('base64')}`);
    expectProblem(await postEvent(forged), 401, 'PAYMENT_EVENT_UNVERIFIED');
    expect(await orderAsStaffSeeIt(order.orderId)).toEqual(before.order);
    expect(await refundsOfOrder(order.orderId)).toEqual(before.refunds);
  });
});

test("npm run check's invariants hold over every order above: a refund made at the provider is one the checker expects", async () => {
  const { orm, redis, paymentsBaseUrl } = stack.service;
  const result = checkInvariants(await takeSnapshot({ orm, redis, paymentsUrl: paymentsBaseUrl, temporal: null }, { productIds }), { stuckAfterMs: 60_000, quietRequired: true });
  expect(result.findings.filter((finding) => finding.severity === 'breach')).toEqual([]);
  expect(result.summary.I8).toMatchObject({ status: 'ok', breaches: 0 });
});
