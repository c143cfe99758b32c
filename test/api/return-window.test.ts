/**
 * The return window over HTTP: on a service whose RETURN_WINDOW is a few seconds, a return asked at once is accepted
 * and one asked after the window closed answers 409 RETURN_WINDOW_CLOSED. (The window's durable timer over 14 days is
 * pinned on the time-skipping server in test/after-sale/return-window.test.ts.)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { useService } from './fixtures';
import { expectProblem } from './http';

/** Long enough for a loaded machine to confirm an order and ask for its return inside it. */
const RETURN_WINDOW_MS = 8_000;
const fixture = useService({ holdMs: 60_000, returnWindowMs: RETURN_WINDOW_MS });
const { newProduct, reservedOrder, pay } = fixture;

test('a return asked within RETURN_WINDOW is 201; one asked after the window closed is 409 RETURN_WINDOW_CLOSED', async () => {
  const product = await newProduct({ stock: 5, priceCents: 1_000 });
  const early = await reservedOrder({ product, quantity: 1 });
  const late = await reservedOrder({ product, quantity: 1 });
  for (const { orderId } of [early, late]) expect((await pay(orderId, 'tok_visa')).body.status).toBe('CONFIRMED');
  const confirmedBy = Date.now();

  const asked = await fixture.api.post(`/orders/${early.orderId}/returns`, { lines: [{ productId: product.id, quantity: 1 }] });
  expect(asked).toMatchObject({ status: 201, body: { status: 'REQUESTED' } });

  await sleep(confirmedBy + RETURN_WINDOW_MS + 1_000 - Date.now());
  const refused = await fixture.api.post(`/orders/${late.orderId}/returns`, { lines: [{ productId: product.id, quantity: 1 }] });
  expectProblem(refused, 409, 'RETURN_WINDOW_CLOSED');
}, 60_000);
