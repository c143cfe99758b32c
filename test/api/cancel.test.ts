/** POST /orders/:id/cancel.
 *
 * End to end (see test/support/service.ts): the Express app, a worker with the real activities on the real Temporal
 * dev server, MariaDB, Redis and the payments stand-in. Every product and customer here is new, so the tests hold
 * whatever else is in the shared database.
 */
import { readStock } from '../support/db';
import { useService } from './fixtures';
import { expectProblem } from './http';

const HOLD_MS = 60_000;

const fixture = useService({ holdMs: HOLD_MS });
const { available, reservedOrder, pay, cancel } = fixture;

describe('cancelling an order', () => {
  test('a RESERVED order answers 200 CANCELLED and its units are available again', async () => {
    const { product, orderId } = await reservedOrder({ quantity: 3 });
    expect(await available(product.id)).toBe(7);

    const answer = await cancel(orderId);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: orderId, status: 'CANCELLED' });
    expect(await available(product.id)).toBe(10);
    expect(await readStock(fixture.service.orm, product.id)).toBe(10);
    expect((await fixture.api.get(`/orders/${orderId}`)).body.status).toBe('CANCELLED');
  });

  test('a CONFIRMED order answers 409 ORDER_NOT_CANCELLABLE and stays sold', async () => {
    const { product, orderId } = await reservedOrder();
    expect((await pay(orderId, 'tok_visa')).status).toBe(200);
    expectProblem(await cancel(orderId), 409, 'ORDER_NOT_CANCELLABLE');
    expect((await fixture.api.get(`/orders/${orderId}`)).body.status).toBe('CONFIRMED');
    expect(await readStock(fixture.service.orm, product.id)).toBe(9);
    expect(await available(product.id)).toBe(9);
  });

  test('a second cancel answers 409 ORDER_NOT_CANCELLABLE and releases nothing twice', async () => {
    const { product, orderId } = await reservedOrder({ quantity: 2 });
    expect((await cancel(orderId)).status).toBe(200);
    expectProblem(await cancel(orderId), 409, 'ORDER_NOT_CANCELLABLE');
    expect(await available(product.id)).toBe(10);
  });

  test('cancelling an order that does not exist answers 404 ORDER_NOT_FOUND', async () => {
    expectProblem(await cancel('ord_doesnotexist0000000000000000'), 404, 'ORDER_NOT_FOUND');
  });
});
