/** POST /orders/:id/payment: confirmation, declines, failures, and races with other payments and cancels.
 *
 * End to end (see test/support/service.ts): the Express app, a worker with the real activities on the real Temporal
 * dev server, MariaDB, Redis and the payments stand-in. Every product and customer here is new, so the tests hold
 * whatever else is in the shared database.
 */
import { MAX_ORDER_TOTAL_CENTS } from '../../config/bounds';
import { OPERATOR } from '../support/auth';
import { readStock } from '../support/db';
import { useService } from './fixtures';
import { eventually, expectProblem } from './http';

const HOLD_MS = 60_000;

const fixture = useService({ holdMs: HOLD_MS });
const { newProduct, available, reservedOrder, pay, cancel, authorizationsOf } = fixture;

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
    expect(await readStock(fixture.service.orm, product.id)).toBe(8);
    expect(await available(product.id)).toBe(8);
    expect(await authorizationsOf(orderId)).toEqual([
      expect.objectContaining({ id: answer.body.payment.authorizationId, status: 'captured', amountCents: 1_400, capturedAmountCents: 1_400 }),
    ]);

    const stored = await eventually(async () => {
      const read = await fixture.api.get(`/orders/${orderId}`);
      expect(read.body.notifications).toEqual(['ORDER_CONFIRMED']);
      return read;
    });
    expect(stored.body).toMatchObject({ status: 'CONFIRMED', payment: { status: 'CAPTURED', amountCents: 1_400 } });
    expect(fixture.service.notifications.filter((message) => message.orderId === orderId).map((message) => message.kind)).toEqual(['ORDER_CONFIRMED']);
  });

  test('an order at the largest total the API accepts is paid in full: the provider takes every amount the API lets in', async () => {
    const { orderId } = await reservedOrder({ product: await newProduct({ priceCents: MAX_ORDER_TOTAL_CENTS }) });
    const answer = await pay(orderId, 'tok_visa');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'CONFIRMED', payment: { status: 'CAPTURED', amountCents: MAX_ORDER_TOTAL_CENTS } });
    expect(await authorizationsOf(orderId)).toEqual([expect.objectContaining({ status: 'captured', capturedAmountCents: MAX_ORDER_TOTAL_CENTS })]);
  });

  test.each(['tok_flaky', 'tok_timeout'])(
    '%s confirms too: retries under one idempotency key make exactly one authorization, captured',
    async (paymentToken) => {
      const { product, orderId } = await reservedOrder();
      const answer = await pay(orderId, paymentToken);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ status: 'CONFIRMED', payment: { status: 'CAPTURED' } });
      expect(await authorizationsOf(orderId)).toEqual([expect.objectContaining({ status: 'captured' })]);
      expect(await readStock(fixture.service.orm, product.id)).toBe(9);
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
    expect((await fixture.api.get(`/orders/${orderId}`)).body.status).toBe('RESERVED');
    expect((await fixture.api.get(`/orders/${orderId}`)).body).not.toHaveProperty('paymentAttempts');
    expect((await fixture.api.get(`/orders/${orderId}`, { as: OPERATOR })).body.paymentAttempts).toEqual([
      { outcome: 'DECLINED', reason: declineCode, at: expect.any(String) },
    ]);
    expect(await available(product.id)).toBe(8);
    expect(await readStock(fixture.service.orm, product.id)).toBe(10);

    const paid = await pay(orderId, 'tok_visa');
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe('CONFIRMED');
    expect(await readStock(fixture.service.orm, product.id)).toBe(8);
    expect((await authorizationsOf(orderId)).map((authorization) => authorization.status)).toEqual(['captured']);
  });

  test('a token the provider does not know is declined with 402 PAYMENT_DECLINED', async () => {
    const { orderId } = await reservedOrder();
    const answer = await pay(orderId, 'tok_doesNotExist');
    expectProblem(answer, 402, 'PAYMENT_DECLINED');
    expect((await fixture.api.get(`/orders/${orderId}`, { as: OPERATOR })).body.paymentAttempts).toMatchObject([{ outcome: 'DECLINED', reason: 'invalid_payment_token' }]);
  });

  test('tok_captureFails answers 402 PAYMENT_FAILED; the order is FAILED, stock restored, availability released, authorization voided', async () => {
    const { product, orderId } = await reservedOrder({ product: await newProduct({ stock: 10 }), quantity: 4 });
    expect(await available(product.id)).toBe(6);

    const answer = await pay(orderId, 'tok_captureFails');
    expectProblem(answer, 402, 'PAYMENT_FAILED');
    expect(answer.body.order).toMatchObject({ id: orderId, status: 'FAILED' });

    const stored = (await fixture.api.get(`/orders/${orderId}`)).body;
    expect(stored).toMatchObject({ status: 'FAILED', failureReason: expect.any(String), payment: { status: 'VOIDED' } });
    expect(await readStock(fixture.service.orm, product.id)).toBe(10);
    expect(await fixture.service.inventory.available(product.id)).toBe(10);
    expect(await authorizationsOf(orderId)).toEqual([expect.objectContaining({ status: 'voided', capturedAmountCents: 0 })]);
    await eventually(async () => expect((await fixture.api.get(`/orders/${orderId}`)).body.notifications).toEqual(['ORDER_FAILED']));
  });

  test('two concurrent payments of one order charge it once: one 200 CONFIRMED, the other 409 ORDER_NOT_PAYABLE', async () => {
    const { product, orderId } = await reservedOrder({ quantity: 2 });
    const answers = await Promise.all([pay(orderId, 'tok_visa'), pay(orderId, 'tok_visa')]);

    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    expectProblem(answers.find((answer) => answer.status === 409)!, 409, 'ORDER_NOT_PAYABLE');
    expect(await authorizationsOf(orderId)).toEqual([expect.objectContaining({ status: 'captured' })]);
    expect(await readStock(fixture.service.orm, product.id)).toBe(8);
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
      const final = (await fixture.api.get(`/orders/${orderId}`)).body;
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
    expect(await readStock(fixture.service.orm, product.id)).toBe(RACES - confirmed);
    expect(await available(product.id)).toBe(RACES - confirmed);
  });

  test('a CONFIRMED order answers 409 ORDER_NOT_PAYABLE and is not charged again', async () => {
    const { orderId } = await reservedOrder();
    expect((await pay(orderId, 'tok_visa')).status).toBe(200);
    expectProblem(await pay(orderId, 'tok_visa'), 409, 'ORDER_NOT_PAYABLE');
    // Once the workflow has finished too (notified), the answer is the same.
    await eventually(async () => expect((await fixture.api.get(`/orders/${orderId}`)).body.notifications).toEqual(['ORDER_CONFIRMED']));
    await fixture.service.temporalClient.workflow.getHandle(orderId).result();
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
    const answer = await fixture.api.post(`/orders/${orderId}/payment`, body);
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe(field);
    expect(await authorizationsOf(orderId)).toEqual([]);
    expect((await fixture.api.get(`/orders/${orderId}`)).body.status).toBe('RESERVED');
  });
});
