/**
 * The operator console's read-only API, end to end on a real service: the figures follow real orders through MySQL,
 * Redis and Temporal. The test database is shared with other suites, so counts are compared before and after.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OPERATOR, buyer } from '../support/auth';
import { forkSql, select } from '../../db/sql';
import { openTestOrm } from '../support/db';
import { serviceForThisFile } from './service-per-file';
import { eventually, expectProblem, sleep, unique } from './http';

/** Short, so that an admission lapses within the test. */
const ADMISSION_TTL_MS = 1_500;
// The page the service serves, written before the service starts (its options are fixed when the file loads).
const webDir = mkdtempSync(path.join(tmpdir(), 'web-page-'));
writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>Flash sale</title>');
// A file named like an API route: the route must win.
writeFileSync(path.join(webDir, 'products'), 'not the API');
const stack = serviceForThisFile({ holdMs: 60_000, webDir, consoleChecksEverything: true, queue: { admissionTtlMs: ADMISSION_TTL_MS, pollMaxSeconds: 1 } });

async function newProduct(stock: number, priceCents = 1_000): Promise<number> {
  const answer = await stack.api.post('/products', { sku: unique('console'), name: 'Console test product', priceCents, stock });
  expect(answer.status).toBe(201);
  return answer.body.id;
}

async function reserve(productId: number, quantity: number): Promise<string> {
  const answer = await stack.api.post('/orders', { customerId: unique('cus-console'), items: [{ productId, quantity }] });
  expect(answer.status).toBe(201);
  return answer.body.id;
}

/** A fresh summary (the API caches one per window for a second). */
async function summary(window = '15m') {
  await sleep(1_100);
  const answer = await stack.api.get(`/console/summary?window=${window}`);
  expect(answer.status).toBe(200);
  return answer.body;
}

const TOP_PRICE_CENTS = 49_999_999;

describe('GET /console/summary', () => {
  test("shows each queued drop's line: waiting, admitted, the admission rate and lapsed admissions", async () => {
    const created = await stack.api.post('/products', { sku: unique('console-drop'), name: 'Queued drop', priceCents: 1_000, stock: 1, queue: { admitPerSecond: 100, maxAdmitted: 100 } });
    expect(created.status).toBe(201);
    const productId: number = created.body.id;
    const row = async () => (await summary()).queues.find((queue: { productId: number }) => queue.productId === productId);
    expect(await row()).toEqual({ productId, sku: created.body.sku, name: 'Queued drop', waiting: 0, admitted: 0, admissionRate: 0, admissionsTotal: 0, lapsedAdmissions: 0 });

    // One unit: the first buyer is admitted, the second waits.
    const [first, second] = [unique('cus-console-queue'), unique('cus-console-queue')];
    const firstTicket: string = (await stack.api.post(`/products/${productId}/queue`, undefined, { as: buyer(first) })).body.ticket;
    // Admission runs as buyers visit the room.
    await eventually(async () => expect((await stack.api.get(`/products/${productId}/queue`, { as: buyer(first), headers: { 'Queue-Ticket': firstTicket } })).body.state).toBe('ADMITTED'));
    const waiting = await stack.api.post(`/products/${productId}/queue`, undefined, { as: buyer(second) });
    expect(waiting.body.state).toBe('WAITING');
    expect(await row()).toMatchObject({ waiting: 1, admitted: 1, admissionsTotal: 1, lapsedAdmissions: 0, admissionRate: Math.round((1 / 60) * 100) / 100 });

    // The first admission lapses unused; the second buyer's next poll takes the place.
    await sleep(ADMISSION_TTL_MS + 100);
    const admitted = await stack.api.get(`/products/${productId}/queue`, { as: buyer(second), headers: { 'Queue-Ticket': waiting.body.ticket } });
    expect(admitted.body.state).toBe('ADMITTED');
    expect(await row()).toMatchObject({ waiting: 0, admitted: 1, admissionsTotal: 2, lapsedAdmissions: 1, admissionRate: Math.round((2 / 60) * 100) / 100 });
    // A product without a waiting room has no row.
    const plain = await newProduct(1);
    expect((await summary()).queues.map((queue: { productId: number }) => queue.productId)).not.toContain(plain);
  });

  test('counts carts made and checked out in the window', async () => {
    const productId = await newProduct(5, 1_000);
    const buyerAs = { as: { sub: unique('cus-console-cart'), roles: ['customer' as const] } };
    const before = await summary('7d');
    const cart = await stack.api.call('POST', '/carts', buyerAs);
    expect((await stack.api.call('PUT', `/carts/${cart.body.id}/lines/${productId}`, { ...buyerAs, json: { quantity: 1 } })).status).toBe(200);
    const order = await stack.api.call('POST', `/carts/${cart.body.id}/checkout`, buyerAs);
    expect(order.status).toBe(201);
    const after = await summary('7d');
    expect({ created: after.carts.created - before.carts.created, checkedOut: after.carts.checkedOut - before.carts.checkedOut }).toEqual({ created: 1, checkedOut: 1 });
    // No saga left running for the tests that count them.
    expect((await stack.api.call('POST', `/orders/${order.body.id}/cancel`, buyerAs)).status).toBe(200);
  });

  test('shows each coupon issued, redeemed and remaining, and a cancel gives its redemption back', async () => {
    const productId = await newProduct(5, 2_000);
    const code = unique('CONSOLE').toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 24);
    expect((await stack.api.post('/coupons', { code, name: 'Console coupon', percentOff: 10, quantity: 3 }, { as: { sub: 'console-admin', roles: ['admin'] } })).status).toBe(201);
    const buyers = [unique('cus-console-coupon'), unique('cus-console-coupon')].map((sub) => ({ as: { sub, roles: ['customer' as const] } }));
    for (const buyerAs of buyers) expect((await stack.api.call('POST', `/coupons/${code}/claims`, buyerAs)).status).toBe(201);
    const orders = [];
    for (const buyerAs of buyers) orders.push(await stack.api.call('POST', '/orders', { ...buyerAs, json: { items: [{ productId, quantity: 1 }], couponCode: code } }));
    const row = async () => (await summary()).coupons.find((coupon: { code: string }) => coupon.code === code);
    expect(await row()).toEqual({ code, name: 'Console coupon', quantity: 3, issued: 2, redeemed: 2, remaining: 1, disabled: false });
    expect((await stack.api.call('POST', `/orders/${orders[0].body.id}/cancel`, buyers[0])).status).toBe(200);
    expect(await row()).toEqual(expect.objectContaining({ issued: 2, redeemed: 1, remaining: 1 }));
    expect((await stack.api.call('POST', `/orders/${orders[1].body.id}/cancel`, buyers[1])).status).toBe(200);
  });

  test('counts a confirmed sale: revenue, top products, outcome rates, units left and when the product sold out', async () => {
    // Priced so its sale outranks every other product sold in the shared test database within the window (a total
    // may not pass the provider's 99,999,999 cents), so the top list of five must show it whatever ran before.
    const productId = await newProduct(2, TOP_PRICE_CENTS);
    // The totals are compared over the widest window: over 15 minutes, a sale made by an earlier run could slide out
    // between the two reads and change the difference.
    const before = await summary('7d');

    const orderId = await reserve(productId, 2);
    expect((await stack.api.post(`/orders/${orderId}/payment`, { paymentToken: 'tok_visa' })).status).toBe(200);
    const after = await summary('7d');

    expect(after.revenue.cents - before.revenue.cents).toBe(2 * TOP_PRICE_CENTS);
    expect(after.revenue.orders - before.revenue.orders).toBe(1);
    expect(after.orders.outcomes.CONFIRMED - before.orders.outcomes.CONFIRMED).toBe(1);
    expect(after.orders.placed - before.orders.placed).toBe(1);
    expect(after.rates.outcomes.CONFIRMED).toBeGreaterThan(0);
    expect(after.timeline.placed).toHaveLength(60);
    expect(after.timeline.placed.reduce((sum: number, n: number) => sum + n, 0)).toBeGreaterThanOrEqual(1);
    expect((await summary()).topProducts).toContainEqual(expect.objectContaining({ productId, units: 2, revenueCents: 2 * TOP_PRICE_CENTS }));

    const product = after.products.find((row: { id: number }) => row.id === productId);
    expect(product).toMatchObject({ stock: 0, available: 0, priceCents: TOP_PRICE_CENTS });
    expect(Date.parse(product.soldOutAt)).toBeGreaterThan(Date.parse(before.generatedAt));
  });

  test('counts a failed payment as a compensation: the payment voided and the stock restored', async () => {
    const productId = await newProduct(3);
    const before = await summary();

    const orderId = await reserve(productId, 1);
    const paid = await stack.api.post(`/orders/${orderId}/payment`, { paymentToken: 'tok_captureFails' });
    expectProblem(paid, 402, 'PAYMENT_FAILED');
    const after = await summary();

    expect(after.compensations.failedOrders - before.compensations.failedOrders).toBe(1);
    expect(after.compensations.paymentsVoided + after.compensations.paymentsRefunded).toBe(
      before.compensations.paymentsVoided + before.compensations.paymentsRefunded + 1,
    );
    expect(after.compensations.stockRestores - before.compensations.stockRestores).toBe(1);
    expect(after.orders.outcomes.FAILED - before.orders.outcomes.FAILED).toBe(1);
    expect(after.products.find((row: { id: number }) => row.id === productId)).toMatchObject({ stock: 3, available: 3, soldOutAt: null });
  });

  test('counts refunds and returns after the sale beside the compensations', async () => {
    const productId = await newProduct(5);
    const before = await summary();
    const orderId = await reserve(productId, 2);
    expect((await stack.api.post(`/orders/${orderId}/payment`, { paymentToken: 'tok_visa' })).body.status).toBe('CONFIRMED');
    const refunded = await stack.api.post(`/orders/${orderId}/refunds`, { amountCents: 300, reason: 'console', expectedRefundedCents: 0 }, { as: OPERATOR, idempotencyKey: unique('refund') });
    expect(refunded.status).toBe(202);
    const asked = await stack.api.post(`/orders/${orderId}/returns`, { lines: [{ productId, quantity: 1 }] });
    const received = await stack.api.post(`/returns/${asked.body.id}/receive`, { lines: [{ productId, quantity: 1, condition: 'SELLABLE' }] }, { as: OPERATOR });
    expect(received.body.status).toBe('RECEIVED');
    await eventually(async () => {
      const after = await summary();
      expect(after.compensations.refundsSucceeded - before.compensations.refundsSucceeded).toBe(2);
      expect(after.compensations.refundedCents - before.compensations.refundedCents).toBe(300 + 1_000);
      expect(after.compensations.returnsReceived - before.compensations.returnsReceived).toBe(1);
      expect(after.compensations.unitsReturned - before.compensations.unitsReturned).toBe(1);
    });
  });

  test('counts sagas in flight from Temporal and open orders from MySQL, and both fall when the order is cancelled', async () => {
    const productId = await newProduct(5);
    const orderId = await reserve(productId, 1);

    const during = await eventually(async () => {
      const body = await summary();
      expect(body.sagasInFlight).toEqual({ count: 1 });
      return body;
    }, 15_000);
    expect(during.orders.open.reserved).toBeGreaterThanOrEqual(1);
    expect(during.products.find((row: { id: number }) => row.id === productId)).toMatchObject({ stock: 5, available: 4 });

    expect((await stack.api.post(`/orders/${orderId}/cancel`)).status).toBe(200);
    await eventually(async () => expect((await summary()).sagasInFlight).toEqual({ count: 0 }), 15_000);
  });

  test("answers while buyers' reads hold every connection of the API's pool: the console has a pool of its own", async () => {
    const productId = await newProduct(1);
    const marker = unique('bulkhead');
    // A transaction on a connection of neither pool locks the product's row; ten reads through the API's pool (all
    // its connections) wait for that lock, as buyers' cap reads queue there during a drop.
    const holder = await openTestOrm();
    let release = () => undefined as void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked = () => undefined as void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const holding = forkSql(holder).transactional(async (em) => {
      await select(em, 'SELECT id FROM product WHERE id = ? FOR UPDATE', [productId]);
      locked();
      await released;
    });
    await lockTaken;
    const waiting = Array.from({ length: 10 }, () => select(forkSql(stack.service.orm), `SELECT id FROM product WHERE id = ? FOR UPDATE /* ${marker} */`, [productId]));
    try {
      await eventually(async () => {
        const [row] = await select<{ n: number | string }>(forkSql(holder), "SELECT COUNT(*) AS n FROM information_schema.processlist WHERE info LIKE ? AND info NOT LIKE '%processlist%'", [`%${marker}%`]);
        expect(Number(row.n)).toBe(10);
      }, 15_000);
      // A window no other test asked for: no cached summary can answer for the pool.
      const answer = await Promise.race([stack.api.get('/console/summary?window=17m'), sleep(15_000).then(() => 'no answer in 15 s while the pool was held')]);
      expect(typeof answer === 'string' ? answer : answer.status).toBe(200);
    } finally {
      release();
      await holding;
      await Promise.all(waiting);
      await holder.close();
    }
  }, 60_000);

  test('refuses a window that is not a duration from 1m to 7d, naming the field', async () => {
    for (const window of ['0m', '30s', '8d', 'soon', '15']) {
      const answer = await stack.api.get(`/console/summary?window=${window}`);
      expectProblem(answer, 400, 'VALIDATION_FAILED');
      expect(answer.body.field).toBe('query.window');
    }
    expectProblem(await stack.api.get('/console/summary?window=15m&extra=1'), 400, 'VALIDATION_FAILED');
  });
});

describe('invariant checks', () => {
  test('POST runs the checker against MySQL, Redis, the provider and Temporal; the summary and GET latest show it', async () => {
    const answer = await stack.api.post('/console/invariant-checks', { ordersSince: '1h' });
    expect(answer.status).toBe(200);
    expect(answer.body.invariants.map((row: { id: string }) => row.id)).toEqual(['I1', 'I2', 'I3', 'I4', 'I5', 'I6', 'I7', 'I8', 'I9', 'I10']);
    // Every part ran: the provider (I3) and Temporal (I4) were reachable.
    for (const row of answer.body.invariants) expect(row.skipped).toBeUndefined();
    expect(Date.now() - Date.parse(answer.body.takenAt)).toBeLessThan(30_000);

    expect((await stack.api.get('/console/invariant-checks/latest')).body).toEqual(answer.body);
    expect((await summary()).invariantCheck).toEqual(answer.body);
  });

  test('refuses an unknown body field', async () => {
    expectProblem(await stack.api.post('/console/invariant-checks', { everything: true }), 400, 'VALIDATION_FAILED');
  });
});

describe('the web page', () => {
  test('GET / serves the built page; API routes keep precedence over files; settings name the Web UI', async () => {
    const page = await stack.api.get('/');
    expect(page.status).toBe(200);
    expect(page.contentType).toMatch(/^text\/html/);
    expect(page.body).toContain('<title>Flash sale</title>');

    const products = await stack.api.get('/products');
    expect(products.status).toBe(200);
    expect(products.body.data).toEqual(expect.any(Array));

    const settings = await stack.api.get('/console/settings');
    expect(settings.body).toMatchObject({ temporalUiUrl: 'http://localhost:8233', namespace: 'default' });
  });
});

describe('POST /auth/local-sign-in', () => {
  const anonymous = { as: 'anonymous' as const };

  test('with the local secret: a token for the name and roles asked, which the API accepts', async () => {
    const buyerId = unique('cus-signin');
    const signedIn = await stack.api.post('/auth/local-sign-in', { sub: buyerId, roles: ['customer'] }, anonymous);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({ sub: buyerId, roles: ['customer'], token: expect.any(String) });
    const bearer = { as: 'anonymous' as const, headers: { authorization: `Bearer ${signedIn.body.token}` } };
    expect((await stack.api.get('/orders', bearer)).status).toBe(200);
    expectProblem(await stack.api.get('/console/summary', bearer), 403, 'FORBIDDEN');

    const staff = await stack.api.post('/auth/local-sign-in', { sub: 'ops-1', roles: ['operator', 'admin'] }, anonymous);
    expect((await stack.api.get('/console/summary', { as: 'anonymous', headers: { authorization: `Bearer ${staff.body.token}` } })).status).toBe(200);
  });

  test('refuses an unknown role or a malformed name', async () => {
    expectProblem(await stack.api.post('/auth/local-sign-in', { sub: 'x', roles: ['root'] }, anonymous), 400, 'VALIDATION_FAILED');
    expectProblem(await stack.api.post('/auth/local-sign-in', { sub: 'a b', roles: ['customer'] }, anonymous), 400, 'VALIDATION_FAILED');
    expectProblem(await stack.api.post('/auth/local-sign-in', { sub: 'x', roles: [] }, anonymous), 400, 'VALIDATION_FAILED');
  });
});
