/**
 * Generation 3 of the order workflow: every undo runs even when one fails for good (staff are told by a code in the
 * order, in MySQL and in the Web UI's OrderFailureCode); a failure MySQL refuses ends the order cleanly; a capture is
 * retried for as long as the authorisation is valid; a cancel waits for a payment under way.
 */
import { ORDER_NOT_CANCELLABLE, PAYMENT_DECLINED } from '../../workflows/failures';
import { orderFailureCodeKey } from '../../temporal/names';
import { FakeActivities } from './fake-activities';
import { orderInput, runOrder, useTimeSkippingEnv } from './harness';

const testEnv = useTimeSkippingEnv();

/** The OrderFailureCode search attribute of a finished order, as the Web UI's search sees it. */
async function failureCodeAttribute(orderId: string): Promise<string | undefined> {
  const description = await testEnv().client.workflow.getHandle(orderId).describe();
  return description.typedSearchAttributes.get(orderFailureCodeKey);
}

describe('every undo runs, and an undo that fails for good leaves the order FAILED for staff', () => {
  test('a refund the provider rejects: the stock is still restored and the hold released; FAILED with REFUND_FAILED', async () => {
    const fake = new FakeActivities();
    fake.capture = 'declined';
    fake.reverse = 'refused';
    const input = orderInput();
    const finished = await runOrder(testEnv(), fake, input, async (orders) => {
      await orders.place(input);
      await orders.pay(input.orderId, 'tok_captureFails');
    });
    expect(fake.calls.slice(fake.calls.indexOf('capturePayment'))).toEqual([
      'capturePayment',
      'restoreStock',
      'reversePayment',
      'releaseReservation',
      'saveOrder:FAILED',
      'notifyCustomer:ORDER_FAILED',
    ]);
    expect(finished).toMatchObject({ status: 'FAILED', failureCode: 'REFUND_FAILED' });
    expect(finished.failureReason).toBe('capture payment failed: capture declined; then reverse payment failed: the provider rejected the refund');
    expect(await failureCodeAttribute(input.orderId)).toBe('REFUND_FAILED');
  });

  test('a stock restore MySQL refuses: the payment is still voided and the hold released; FAILED with STOCK_RESTORE_FAILED', async () => {
    const fake = new FakeActivities();
    fake.capture = 'declined';
    fake.restore = 'refused';
    const input = orderInput();
    const finished = await runOrder(testEnv(), fake, input, async (orders) => {
      await orders.place(input);
      await orders.pay(input.orderId, 'tok_captureFails');
    });
    expect(fake.calls).toEqual(expect.arrayContaining(['restoreStock', 'reversePayment', 'releaseReservation']));
    expect(fake.providerState).toBe('voided');
    expect(finished).toMatchObject({ status: 'FAILED', failureCode: 'STOCK_RESTORE_FAILED', payment: { status: 'VOIDED' } });
    expect(await failureCodeAttribute(input.orderId)).toBe('STOCK_RESTORE_FAILED');
  });

  test('a release that fails for good on cancel: the cancel answers FAILED with RELEASE_FAILED, and the buyer hears ORDER_FAILED', async () => {
    const fake = new FakeActivities();
    fake.release = 'refused';
    const input = orderInput();
    const finished = await runOrder(testEnv(), fake, input, async (orders) => {
      await orders.place(input);
      const cancelled = await orders.cancel(input.orderId);
      expect(cancelled).toMatchObject({ status: 'FAILED', failureCode: 'RELEASE_FAILED' });
    });
    expect(finished.notifications).toEqual(['ORDER_FAILED']);
    expect(await failureCodeAttribute(input.orderId)).toBe('RELEASE_FAILED');
  });

  test('an expired order whose refund and release both fail runs both and names both', async () => {
    const fake = new FakeActivities();
    fake.authorize = ['unreachable'];
    fake.reverse = 'refused';
    fake.release = 'refused';
    const input = orderInput({ holdMs: 60_000 });
    const finished = await runOrder(testEnv(), fake, input, async (orders) => {
      await orders.place(input);
      await expect(orders.pay(input.orderId, 'tok_timeout')).rejects.toThrow();
      await testEnv().sleep(60_000);
    });
    expect(fake.distinctCalls()).toEqual(expect.arrayContaining(['reversePayment', 'releaseReservation']));
    expect(finished).toMatchObject({ status: 'FAILED', failureCode: 'REFUND_FAILED' });
    expect(finished.failureReason).toMatch(/^reverse payment failed: .*; then release reservation failed: /);
  });

  test('an order whose undos all work carries no failure code', async () => {
    const fake = new FakeActivities();
    fake.capture = 'declined';
    const input = orderInput();
    const finished = await runOrder(testEnv(), fake, input, async (orders) => {
      await orders.place(input);
      await orders.pay(input.orderId, 'tok_captureFails');
    });
    expect(finished.status).toBe('FAILED');
    expect(finished.failureCode).toBeUndefined();
    expect(await failureCodeAttribute(input.orderId)).toBeUndefined();
  });
});

describe('data MySQL refuses for good ends the order cleanly', () => {
  test('a first record MySQL refuses: placement answers FAILED at once, nothing is reserved, nobody is notified', async () => {
    const fake = new FakeActivities();
    fake.saveRefusedFor = 'PENDING';
    const input = orderInput();
    const finished = await runOrder(testEnv(), fake, input, async (orders) => {
      const placed = await orders.place(input);
      expect(placed).toMatchObject({ status: 'FAILED' });
      expect(placed.failureReason).toMatch(/^record PENDING failed: save order: MySQL refused the data/);
    });
    expect(finished.status).toBe('FAILED');
    expect(fake.calls.filter((call) => call === 'saveOrder:PENDING')).toHaveLength(1);
    expect(fake.calls).not.toContain('reserveStock');
    expect(fake.calls.some((call) => call.startsWith('notifyCustomer'))).toBe(false);
  });

  test('a RESERVED record MySQL refuses: the hold just taken is released and the order ends FAILED', async () => {
    const fake = new FakeActivities();
    fake.saveRefusedFor = 'RESERVED';
    const input = orderInput();
    const finished = await runOrder(testEnv(), fake, input, async (orders) => {
      expect((await orders.place(input)).status).toBe('FAILED');
    });
    expect(fake.calls).toEqual(['saveOrder:PENDING', 'reserveStock', 'saveOrder:RESERVED', 'releaseReservation', 'saveOrder:FAILED', 'notifyCustomer:ORDER_FAILED']);
    expect(finished.failureReason).toMatch(/^record RESERVED failed: /);
  });
});

describe('a capture is retried for as long as the authorisation is valid', () => {
  // Retries wait in real time while an update waits, also on the time-skipping server: this costs a few seconds.
  test('a provider down for five attempts (the old limit) still sells the order on the sixth', async () => {
    const fake = new FakeActivities();
    fake.captureUnavailableTimes = 5;
    const input = orderInput({ captureRetryWindowMs: 7 * 24 * 3_600_000 });
    const finished = await runOrder(testEnv(), fake, input, async (orders) => {
      await orders.place(input);
      expect((await orders.pay(input.orderId, 'tok_visa')).status).toBe('CONFIRMED');
    });
    expect(fake.calls.filter((call) => call === 'capturePayment')).toHaveLength(6);
    expect(finished).toMatchObject({ status: 'CONFIRMED', payment: { status: 'CAPTURED' } });
  }, 120_000);

  test('a provider down for the whole window: the order is compensated, the authorisation voided', async () => {
    const fake = new FakeActivities();
    fake.captureUnavailableTimes = Number.POSITIVE_INFINITY;
    const input = orderInput({ captureRetryWindowMs: 10_000 });
    const finished = await runOrder(testEnv(), fake, input, async (orders) => {
      await orders.place(input);
      expect((await orders.pay(input.orderId, 'tok_visa')).status).toBe('FAILED');
    });
    // Five quick tries in the worker, then the rest of the window as a scheduled activity; then given up.
    expect(fake.calls.filter((call) => call === 'capturePayment').length).toBeGreaterThan(5);
    expect(finished).toMatchObject({ status: 'FAILED', payment: { status: 'VOIDED' } });
    expect(finished.failureReason).toMatch(/^capture payment failed: /);
    expect(fake.distinctCalls().slice(-5)).toEqual(['restoreStock', 'reversePayment', 'releaseReservation', 'saveOrder:FAILED', 'notifyCustomer:ORDER_FAILED']);
  });
});

describe('a cancel sent while a payment is in flight waits for its outcome', () => {
  test('the payment is declined: the cancel then cancels the order', async () => {
    const fake = new FakeActivities();
    fake.authorize = ['declined'];
    let answer!: () => void;
    fake.authorizationGate = new Promise((resolve) => (answer = resolve));
    const input = orderInput();
    const finished = await runOrder(testEnv(), fake, input, async (orders) => {
      await orders.place(input);
      const payment = orders.pay(input.orderId, 'tok_chargeDeclined');
      await waitForCall(fake, 'authorizePayment:1');
      const cancel = orders.cancel(input.orderId);
      await new Promise((resolve) => setTimeout(resolve, 300)); // the cancel reaches the workflow while the payment waits
      answer();
      await expect(payment).rejects.toEqual(expect.objectContaining({ name: 'OrderRefusal', type: PAYMENT_DECLINED }));
      expect((await cancel).status).toBe('CANCELLED');
    });
    expect(finished).toMatchObject({ status: 'CANCELLED', payment: { status: 'DECLINED' }, notifications: ['ORDER_CANCELLED'] });
  });

  test('the payment goes through: the cancel is refused and the order is sold', async () => {
    const fake = new FakeActivities();
    let answer!: () => void;
    fake.authorizationGate = new Promise((resolve) => (answer = resolve));
    const input = orderInput();
    const finished = await runOrder(testEnv(), fake, input, async (orders) => {
      await orders.place(input);
      const payment = orders.pay(input.orderId, 'tok_visa');
      await waitForCall(fake, 'authorizePayment:1');
      const cancel = orders.cancel(input.orderId);
      await new Promise((resolve) => setTimeout(resolve, 300));
      answer();
      await expect(cancel).rejects.toEqual(expect.objectContaining({ name: 'OrderRefusal', type: ORDER_NOT_CANCELLABLE }));
      expect((await payment).status).toBe('CONFIRMED');
    });
    expect(finished.status).toBe('CONFIRMED');
    expect(fake.calls).not.toContain('releaseReservation');
  });
});

async function waitForCall(fake: FakeActivities, call: string): Promise<void> {
  while (!fake.calls.includes(call)) await new Promise((resolve) => setTimeout(resolve, 20));
}
