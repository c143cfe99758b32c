/**
 * A flash sale through the REST API, end to end: many buyers at once for a few units, with the real worker, dev
 * server, MariaDB, Redis and payments stand-in. Checks the invariants of docs/DESIGN.md §3 at the end:
 * I1 no oversell, I2 Redis availability equals MySQL stock at rest, I3 one capture per confirmed order and no
 * authorization left open.
 */
import { forkSql, select } from '../../db/sql';
import { readStock } from '../support/db';
import { eventually, expectProblem, ledger, sleep, unique, type Answer } from './http';
import { useService } from './fixtures';

/** Long enough for 60 buyers to reserve and pay, short enough to wait for in the expiry scenario. */
const HOLD_MS = 6_000;

const fixture = useService({ holdMs: HOLD_MS });

/** Samples the product's MySQL stock until stopped; resolves with the lowest value seen. */
function watchStock(productId: number): { stop(): Promise<number> } {
  let running = true;
  let lowest = Number.POSITIVE_INFINITY;
  const loop = (async () => {
    while (running) {
      lowest = Math.min(lowest, await readStock(fixture.service.orm, productId));
      await sleep(5);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return lowest;
    },
  };
}

async function orderStatuses(customerIdPrefix: string): Promise<Record<string, number>> {
  const rows = await select<{ status: string; n: number | string }>(
    forkSql(fixture.service.orm),
    'SELECT status, COUNT(*) AS n FROM orders WHERE customer_id LIKE ? GROUP BY status',
    [`${customerIdPrefix}%`],
  );
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}

async function unitsSold(productId: number): Promise<number> {
  const [row] = await select<{ units: number | string | null }>(
    forkSql(fixture.service.orm),
    'SELECT -SUM(delta) AS units FROM stock_movement WHERE product_id = ? AND kind IN (\'SALE\', \'RESTORE\')',
    [productId],
  );
  return Number(row.units ?? 0);
}

const placeOrder = (customerId: string, productId: number) => fixture.api.post('/orders', { customerId, items: [{ productId, quantity: 1 }] });
const pay = (orderId: string, paymentToken: string) => fixture.api.post(`/orders/${orderId}/payment`, { paymentToken });

test('5 units and 60 concurrent buyers: exactly 5 orders confirmed, 55 answered 409 OUT_OF_STOCK, nothing oversold', async () => {
  const STOCK = 5;
  const BUYERS = 60;
  const productId = (await fixture.newProduct({ stock: STOCK, priceCents: 9_900 })).id;
  const customerPrefix = unique('flash');
  const stock = watchStock(productId);

  const buyers = await Promise.all(
    Array.from({ length: BUYERS }, async (_, index) => {
      const placed = await placeOrder(`${customerPrefix}-${index}`, productId);
      const paid: Answer | undefined = placed.status === 201 ? await pay(placed.body.id, 'tok_visa') : undefined;
      return { placed, paid };
    }),
  );
  const lowestStock = await stock.stop();

  const reserved = buyers.filter((buyer) => buyer.placed.status === 201);
  const refused = buyers.filter((buyer) => buyer.placed.status !== 201);
  expect(reserved).toHaveLength(STOCK);
  for (const { placed } of refused) expectProblem(placed, 409, 'OUT_OF_STOCK');
  for (const { paid } of reserved) {
    expect(paid?.status).toBe(200);
    expect(paid?.body.status).toBe('CONFIRMED');
  }
  const confirmedIds = reserved.map((buyer) => buyer.placed.body.id as string).sort();

  // I1: MySQL stock reached 0 and never went below it; exactly the stock was sold.
  expect(await readStock(fixture.service.orm, productId)).toBe(0);
  expect(lowestStock).toBeGreaterThanOrEqual(0);
  expect(await unitsSold(productId)).toBe(STOCK);
  // I2 at rest: nothing more to reserve in Redis either.
  expect(await fixture.service.inventory.available(productId)).toBe(0);
  expect((await fixture.api.get(`/products/${productId}`)).body).toMatchObject({ stock: 0, available: 0 });
  // I3: one capture per confirmed order, and no authorization left open.
  const book = await ledger(fixture.service.paymentsBaseUrl);
  const captured = book.filter((authorization) => authorization.status === 'captured' && confirmedIds.includes(authorization.reference));
  expect(captured.map((authorization) => authorization.reference).sort()).toEqual(confirmedIds);
  expect(book.filter((authorization) => authorization.status === 'authorized')).toEqual([]);
  // The durable records agree: 5 CONFIRMED, and no order of the sale left holding stock.
  const statuses = await orderStatuses(customerPrefix);
  expect(statuses.CONFIRMED).toBe(STOCK);
  expect(statuses.RESERVED ?? 0).toBe(0);
  expect(statuses.PENDING ?? 0).toBe(0);
}, 60_000);

test('a sale where buyers pay, cancel, fail at capture, are declined or walk away ends with Redis availability equal to MySQL stock', async () => {
  const STOCK = 10;
  const BUYERS = 30;
  const productId = (await fixture.newProduct({ stock: STOCK, priceCents: 9_900 })).id;
  const customerPrefix = unique('flash-mixed');
  /** What each buyer who got a reservation does next, handed out in turn: two of each for 10 units. */
  const fates = ['pay', 'cancel', 'captureFails', 'declinedThenGone', 'gone'] as const;

  // Everyone tries at once; then each buyer who got a unit does one thing with it (all at once again). The two
  // rounds are apart because a cancel or a failed capture hands its unit back to a buyer still trying.
  const placements = await Promise.all(Array.from({ length: BUYERS }, (_, index) => placeOrder(`${customerPrefix}-${index}`, productId)));
  for (const placed of placements.filter((answer) => answer.status !== 201)) expectProblem(placed, 409, 'OUT_OF_STOCK');
  const reserved = placements
    .filter((answer) => answer.status === 201)
    .map((answer, index) => ({ orderId: answer.body.id as string, fate: fates[index % fates.length] }));
  expect(reserved).toHaveLength(STOCK);

  await Promise.all(
    reserved.map(async ({ orderId, fate }) => {
      switch (fate) {
        case 'pay':
          expect((await pay(orderId, 'tok_visa')).status).toBe(200);
          break;
        case 'cancel':
          expect((await fixture.api.post(`/orders/${orderId}/cancel`)).status).toBe(200);
          break;
        case 'captureFails':
          expectProblem(await pay(orderId, 'tok_captureFails'), 402, 'PAYMENT_FAILED');
          break;
        case 'declinedThenGone':
          expectProblem(await pay(orderId, 'tok_insufficientFunds'), 402, 'PAYMENT_DECLINED');
          break;
        case 'gone':
          break;
      }
    }),
  );

  // At rest once the unpaid holds have run out: every order of the sale is terminal.
  const statuses = await eventually(async () => {
    const counts = await orderStatuses(customerPrefix);
    expect(counts.RESERVED ?? 0).toBe(0);
    expect(counts.PENDING ?? 0).toBe(0);
    return counts;
  }, HOLD_MS + 15_000, 250);
  expect(statuses).toMatchObject({ CONFIRMED: 2, CANCELLED: 2, FAILED: 2, EXPIRED: 4 });

  // I1 and I2: only the confirmed units are sold, and Redis agrees with MySQL.
  expect(await readStock(fixture.service.orm, productId)).toBe(STOCK - 2);
  expect(await fixture.service.inventory.available(productId)).toBe(STOCK - 2);
  expect((await fixture.api.get(`/products/${productId}`)).body).toMatchObject({ stock: STOCK - 2, available: STOCK - 2 });
  // I3: captured exactly for the confirmed orders; every other authorization of the sale voided.
  const ids = new Set(reserved.map((buyer) => buyer.orderId));
  const book = (await ledger(fixture.service.paymentsBaseUrl)).filter((authorization) => ids.has(authorization.reference));
  const paidIds = reserved.filter((buyer) => buyer.fate === 'pay').map((buyer) => buyer.orderId).sort();
  expect(book.filter((authorization) => authorization.status === 'captured').map((authorization) => authorization.reference).sort()).toEqual(paidIds);
  expect(book.filter((authorization) => authorization.status === 'authorized')).toEqual([]);
  expect(book.filter((authorization) => authorization.status === 'voided')).toHaveLength(2);
}, 60_000);
