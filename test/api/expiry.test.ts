/**
 * The hold running out, end to end: a service whose reservations last HOLD_MS (RESERVATION_TTL in production), with
 * the real worker, dev server, MariaDB, Redis and payments stand-in.
 */
import { readStock } from '../support/db';
import { eventually, expectProblem, ledger, unique } from './http';
import { useService } from './fixtures';

const HOLD_MS = 1_500;

const fixture = useService({ holdMs: HOLD_MS });

async function reserve(productId: number, quantity: number): Promise<string> {
  const answer = await fixture.api.post('/orders', { customerId: unique('cus-expiry'), items: [{ productId, quantity }] });
  expect(answer.status).toBe(201);
  expect(answer.body.status).toBe('RESERVED');
  return answer.body.id;
}

/** Waits for the hold to run out and the workflow to release the order (EXPIRED, then notified). */
async function expired(orderId: string) {
  return eventually(async () => {
    const read = await fixture.api.get(`/orders/${orderId}`);
    expect(read.body).toMatchObject({ status: 'EXPIRED', notifications: ['ORDER_EXPIRED'] });
    return read.body;
  }, HOLD_MS + 10_000);
}

describe('an order not paid within the hold', () => {
  test('expires: EXPIRED, its units available again, MySQL stock untouched, ORDER_EXPIRED notified', async () => {
    const productId = (await fixture.newProduct({ stock: 5, priceCents: 500 })).id;
    const orderId = await reserve(productId, 3);
    expect(await fixture.service.inventory.available(productId)).toBe(2);

    await expired(orderId);
    expect(await fixture.service.inventory.available(productId)).toBe(5);
    expect(await readStock(fixture.service.orm, productId)).toBe(5);
    expect(fixture.service.notifications.filter((message) => message.orderId === orderId).map((message) => message.kind)).toEqual(['ORDER_EXPIRED']);
  });

  test('answers 409 ORDER_NOT_PAYABLE once expired, and nothing is charged', async () => {
    const productId = (await fixture.newProduct({ stock: 5, priceCents: 500 })).id;
    const orderId = await reserve(productId, 1);
    await expired(orderId);

    expectProblem(await fixture.api.post(`/orders/${orderId}/payment`, { paymentToken: 'tok_visa' }), 409, 'ORDER_NOT_PAYABLE');
    expect((await ledger(fixture.service.paymentsBaseUrl)).filter((authorization) => authorization.reference === orderId)).toEqual([]);
    expect((await fixture.api.get(`/orders/${orderId}`)).body.status).toBe('EXPIRED');
    expect(await fixture.service.inventory.available(productId)).toBe(5);
  });

  test('answers 409 ORDER_NOT_CANCELLABLE once expired', async () => {
    const productId = (await fixture.newProduct({ stock: 5, priceCents: 500 })).id;
    const orderId = await reserve(productId, 1);
    await expired(orderId);
    expectProblem(await fixture.api.post(`/orders/${orderId}/cancel`), 409, 'ORDER_NOT_CANCELLABLE');
    expect(await fixture.service.inventory.available(productId)).toBe(5);
  });

  test('a declined payment does not extend the hold: the order still expires and releases its units', async () => {
    const productId = (await fixture.newProduct({ stock: 5, priceCents: 500 })).id;
    const orderId = await reserve(productId, 2);
    expectProblem(await fixture.api.post(`/orders/${orderId}/payment`, { paymentToken: 'tok_chargeDeclined' }), 402, 'PAYMENT_DECLINED');
    await expired(orderId);
    expect(await fixture.service.inventory.available(productId)).toBe(5);
    expect(await readStock(fixture.service.orm, productId)).toBe(5);
  });

  test('an order paid within the hold is confirmed and does not expire afterwards', async () => {
    const productId = (await fixture.newProduct({ stock: 5, priceCents: 500 })).id;
    const orderId = await reserve(productId, 1);
    expect((await fixture.api.post(`/orders/${orderId}/payment`, { paymentToken: 'tok_visa' })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS + 500));
    const read = await fixture.api.get(`/orders/${orderId}`);
    expect(read.body).toMatchObject({ status: 'CONFIRMED', notifications: ['ORDER_CONFIRMED'] });
    expect(await readStock(fixture.service.orm, productId)).toBe(4);
    expect(await fixture.service.inventory.available(productId)).toBe(4);
  });
});
