import { PAYMENT_DECLINED, PAYMENT_PROVIDER_UNAVAILABLE } from '../../workflows/failures';
import { getOrderQuery } from '../../workflows/messages';
import type { OrderInput, OrderView } from '../../workflows/order-types';
import type { OrderClient } from '../../temporal/order-client';
import { FakeActivities } from './fake-activities';
import { eventually, HOLD_MS, orderInput, runOrder as runOrderIn, useTimeSkippingEnv } from './harness';

const testEnv = useTimeSkippingEnv();
const runOrder = (fake: FakeActivities, input: OrderInput, scenario: (orders: OrderClient) => Promise<void>): Promise<OrderView> =>
  runOrderIn(testEnv(), fake, input, scenario);

describe('order workflow', () => {
  test('a paid order is committed, captured, confirmed and then notified', async () => {
    const fake = new FakeActivities();
    const input = orderInput();
    const finished = await runOrder(fake, input, async (orders) => {
      const placed = await orders.place(input);
      expect(placed.status).toBe('RESERVED');
      expect(Date.parse(placed.reservedUntil!)).toBeGreaterThan(Date.now());
      const paid = await orders.pay(input.orderId, 'tok_visa');
      expect(paid).toMatchObject({ status: 'CONFIRMED', payment: { status: 'CAPTURED', authorizationId: 'auth_1' } });
    });
    expect(finished.notifications).toEqual(['ORDER_CONFIRMED']);
    expect(fake.calls).toEqual([
      'saveOrder:PENDING',
      'reserveStock',
      'saveOrder:RESERVED',
      'authorizePayment:1',
      'commitStock',
      'capturePayment',
      'settleReservation',
      'saveOrder:CONFIRMED',
      'notifyCustomer:ORDER_CONFIRMED',
    ]);
  });

  test('an order for stock that is gone is rejected and holds nothing', async () => {
    const fake = new FakeActivities();
    fake.stockAvailable = false;
    const input = orderInput();
    await runOrder(fake, input, async (orders) => {
      const placed = await orders.place(input);
      expect(placed.status).toBe('REJECTED');
      expect(placed.failureReason).toMatch(/out of stock/);
    });
    expect(fake.calls).toEqual(['saveOrder:PENDING', 'reserveStock', 'saveOrder:REJECTED']);
  });

  test('a declined payment leaves the order reserved, and another method can still pay it', async () => {
    const fake = new FakeActivities();
    fake.authorize = ['declined', 'ok'];
    const input = orderInput();
    await runOrder(fake, input, async (orders) => {
      await orders.place(input);
      const declined = orders.pay(input.orderId, 'tok_chargeDeclined');
      await expect(declined).rejects.toEqual(expect.objectContaining({ name: 'OrderRefusal', type: PAYMENT_DECLINED, declineCode: 'card_declined' }));
      await expect(declined).rejects.toMatchObject({ declineCode: 'card_declined' });
      const afterDecline = await orders.get(input.orderId);
      expect(afterDecline).toMatchObject({ status: 'RESERVED', payment: { status: 'DECLINED', declineCode: 'card_declined' } });
      const paid = await orders.pay(input.orderId, 'tok_visa');
      expect(paid.status).toBe('CONFIRMED');
    });
    expect(fake.calls.filter((call) => call.startsWith('authorizePayment'))).toEqual(['authorizePayment:1', 'authorizePayment:2']);
    expect(fake.calls).toContain('voidStrayAuthorizations');
  });

  test('an unpaid order expires exactly when its hold ends and its reservation is released', async () => {
    const fake = new FakeActivities();
    const input = orderInput();
    const finished = await runOrder(fake, input, async (orders) => {
      await orders.place(input);
      // The test server's clock only moves in env.sleep: the expiry is bracketed to the second around the hold's end.
      await testEnv().sleep(HOLD_MS - 1_000);
      expect((await orders.get(input.orderId)).status).toBe('RESERVED');
      expect(fake.calls).not.toContain('releaseReservation');
      await testEnv().sleep(2_000);
      await eventually(async () => expect((await orders.get(input.orderId)).status).toBe('EXPIRED'));
    });
    expect(finished).toMatchObject({ status: 'EXPIRED', notifications: ['ORDER_EXPIRED'] });
    expect(fake.calls).toContain('releaseReservation');
    expect(fake.calls).not.toContain('commitStock');
  });

  test('a cancelled order releases its reservation without touching the payment provider, and the buyer is told', async () => {
    const fake = new FakeActivities();
    const input = orderInput();
    const finished = await runOrder(fake, input, async (orders) => {
      await orders.place(input);
      expect((await orders.cancel(input.orderId)).status).toBe('CANCELLED');
    });
    expect(fake.calls.slice(fake.calls.indexOf('releaseReservation'))).toEqual([
      'releaseReservation',
      'saveOrder:CANCELLED',
      'notifyCustomer:ORDER_CANCELLED',
    ]);
    expect(fake.calls).not.toContain('authorizePayment:1');
    expect(finished.notifications).toEqual(['ORDER_CANCELLED']);
  });

  test('a stock commit that fails after authorisation voids the payment, then releases the reservation', async () => {
    const fake = new FakeActivities();
    fake.commit = 'fails';
    const input = orderInput();
    await runOrder(fake, input, async (orders) => {
      await orders.place(input);
      const failed = await orders.pay(input.orderId, 'tok_visa');
      expect(failed).toMatchObject({ status: 'FAILED', payment: { status: 'VOIDED' } });
      expect(failed.failureReason).toBe('commit stock failed: stock ran out in MySQL');
    });
    expect(fake.calls.slice(fake.calls.indexOf('commitStock'))).toEqual([
      'commitStock',
      'reversePayment',
      'releaseReservation',
      'saveOrder:FAILED',
      'notifyCustomer:ORDER_FAILED',
    ]);
    expect(fake.providerState).toBe('voided');
  });

  test('a capture that fails after the stock commit restores the MySQL stock, voids the payment, then releases: newest first', async () => {
    const fake = new FakeActivities();
    fake.capture = 'declined';
    const input = orderInput();
    await runOrder(fake, input, async (orders) => {
      await orders.place(input);
      const failed = await orders.pay(input.orderId, 'tok_captureFails');
      expect(failed).toMatchObject({ status: 'FAILED', failureReason: 'capture payment failed: capture declined' });
    });
    expect(fake.calls.slice(fake.calls.indexOf('capturePayment'))).toEqual([
      'capturePayment',
      'restoreStock',
      'reversePayment',
      'releaseReservation',
      'saveOrder:FAILED',
      'notifyCustomer:ORDER_FAILED',
    ]);
    expect(fake.providerState).toBe('voided');
  });

  test('a capture whose outcome stays unknown for its whole retry window is refunded once the provider says it was charged', async () => {
    const fake = new FakeActivities();
    fake.captureChargesButAnswerIsLost = true;
    const input = orderInput({ captureRetryWindowMs: 10_000 });
    await runOrder(fake, input, async (orders) => {
      await orders.place(input);
      const failed = await orders.pay(input.orderId, 'tok_timeout');
      expect(failed).toMatchObject({ status: 'FAILED', payment: { status: 'REFUNDED' } });
    });
    // Five quick tries in the worker, then the rest of the 10 s window as a scheduled activity; then given up.
    expect(fake.calls.filter((call) => call === 'capturePayment').length).toBeGreaterThan(5);
    expect(fake.providerState).toBe('refunded');
    expect(fake.distinctCalls()).toContain('restoreStock');
  });

  test('an authorisation whose answer never arrived is voided when the hold ends unpaid', async () => {
    const fake = new FakeActivities();
    fake.authorize = ['unreachable'];
    const input = orderInput();
    const finished = await runOrder(fake, input, async (orders) => {
      await orders.place(input);
      await expect(orders.pay(input.orderId, 'tok_timeout')).rejects.toEqual(expect.objectContaining({ name: 'OrderRefusal', type: PAYMENT_PROVIDER_UNAVAILABLE }));
      expect((await orders.get(input.orderId)).status).toBe('RESERVED');
      await testEnv().sleep(HOLD_MS);
    });
    expect(finished.status).toBe('EXPIRED');
    expect(fake.providerState).toBe('voided');
    expect(fake.calls.indexOf('reversePayment')).toBeLessThan(fake.calls.indexOf('releaseReservation'));
  });

  test('a notification that keeps failing never undoes a confirmed order', async () => {
    const fake = new FakeActivities();
    fake.notify = 'fails';
    const input = orderInput();
    const finished = await runOrder(fake, input, async (orders) => {
      await orders.place(input);
      expect((await orders.pay(input.orderId, 'tok_visa')).status).toBe('CONFIRMED');
    });
    expect(finished).toMatchObject({ status: 'CONFIRMED', payment: { status: 'CAPTURED' }, notifications: [] });
    expect(fake.calls.filter((call) => call.startsWith('notifyCustomer')).length).toBeGreaterThan(1);
    expect(fake.calls).not.toContain('reversePayment');
    expect(fake.calls).not.toContain('restoreStock');
  });

  test('the order can be read while it waits for payment', async () => {
    const fake = new FakeActivities();
    const input = orderInput();
    await runOrder(fake, input, async (orders) => {
      await orders.place(input);
      const viewed = await testEnv().client.workflow.getHandle(input.orderId).query(getOrderQuery);
      expect(viewed).toMatchObject({ id: input.orderId, status: 'RESERVED', totalCents: 3000, payment: null });
      await orders.cancel(input.orderId);
    });
  });
});
