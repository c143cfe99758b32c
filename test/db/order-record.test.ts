import type { MikroORM } from '@mikro-orm/core';
import { createOrderRecordActivities, type OrderRecordActivities } from '../../activities/order-record';
import type { Product } from '../../db/catalogue';
import { createCoupon, findCoupon, giveClaimBack, recordClaim, redeemClaim, unusedClaimsOf } from '../../coupons/store';
import { getOrderRecord, listOrders } from '../../db/order-queries';
import { forkSql, run } from '../../db/sql';
import { onEveryStatement } from '../../db/statement-count';
import type { OrderView } from '../../workflows/order-types';
import { createTestProduct, openTestOrm, uniqueOrderId, uniqueSuffix } from '../support/db';

describe('saveOrder and the order queries', () => {
  let orm: MikroORM;
  let record: OrderRecordActivities;
  let shoe: Product;
  let hat: Product;
  beforeAll(async () => {
    orm = await openTestOrm();
    record = createOrderRecordActivities(orm);
    shoe = await createTestProduct(orm, { priceCents: 5_000 });
    hat = await createTestProduct(orm, { priceCents: 1_500 });
  });
  afterAll(() => orm.close());

  /** The statements this process sends while `work` runs (this file's tests run one at a time). */
  const sent: string[] = [];
  let counting = false;
  beforeAll(() => onEveryStatement(orm, (sql) => counting && sent.push(sql)));
  async function statementsOf(work: () => Promise<unknown>): Promise<string[]> {
    sent.length = 0;
    counting = true;
    try {
      await work();
    } finally {
      counting = false;
    }
    return sent.map((sql) => sql.trim().split(/\s+/).slice(0, 3).join(' '));
  }

  /** An order as the workflow sees it when it starts. */
  function pendingView(overrides: Partial<OrderView> = {}): OrderView {
    return {
      id: uniqueOrderId(),
      customerId: `customer-${uniqueSuffix()}`,
      status: 'PENDING',
      items: [
        { productId: shoe.id, sku: shoe.sku, quantity: 1, unitPriceCents: 5_000 },
        { productId: hat.id, sku: hat.sku, quantity: 2, unitPriceCents: 1_500 },
      ],
      totalCents: 8_000,
      reservedUntil: null,
      payment: null,
      notifications: [],
      requestHash: 'sha256:abc',
      ...overrides,
    };
  }

  it('saves twice and reads back the same view', async () => {
    const view = pendingView();
    await record.saveOrder(view);
    await record.saveOrder(view);
    expect(await getOrderRecord(orm, view.id)).toEqual(view);
  });

  it("writes the lines with an order's first record, whatever its status, and a status change keeps them as written", async () => {
    const first = pendingView({ status: 'RESERVED' });
    await record.saveOrder(first);
    expect((await getOrderRecord(orm, first.id))?.items).toEqual(first.items);

    const confirmed: OrderView = { ...first, status: 'CONFIRMED' };
    await record.saveOrder(confirmed);
    await record.saveOrder(confirmed); // a repeat that changes nothing
    expect((await getOrderRecord(orm, first.id))?.items).toEqual(first.items);
  });

  it('writes each row in one statement, without a transaction, when there is no event to keep with the status', async () => {
    const pending = pendingView();
    expect(await statementsOf(() => record.saveOrder(pending))).toEqual(['INSERT INTO orders', 'INSERT INTO order_line']);
    const reserved: OrderView = { ...pending, status: 'RESERVED', reservedUntil: new Date().toISOString() };
    expect(await statementsOf(() => record.saveOrder(reserved))).toEqual(['INSERT INTO orders']);
    const confirmed: OrderView = { ...reserved, status: 'CONFIRMED', payment: { status: 'CAPTURED', amountCents: 8_000, authorizationId: `auth-${uniqueSuffix()}` } };
    expect(await statementsOf(() => record.saveOrder(confirmed))).toEqual(['INSERT INTO orders', 'INSERT INTO payment']);
    expect(await getOrderRecord(orm, pending.id)).toEqual(confirmed);
  });

  it("mends a first record that a crash cut after the order's row: the retry writes its lines", async () => {
    const pending = pendingView();
    // What the first attempt left: the order's row, not its lines.
    await run(forkSql(orm), "INSERT INTO orders (id, customer_id, status, total_cents, request_hash) VALUES (?, ?, 'PENDING', ?, ?)", [
      pending.id,
      pending.customerId,
      pending.totalCents,
      pending.requestHash,
    ]);
    await record.saveOrder(pending);
    expect(await getOrderRecord(orm, pending.id)).toEqual(pending);
  });

  it('records the code that tells staff to act on a FAILED order', async () => {
    const pending = pendingView();
    await record.saveOrder(pending);
    const failed: OrderView = { ...pending, status: 'FAILED', failureReason: 'reverse payment failed: rejected', failureCode: 'REFUND_FAILED' };
    await record.saveOrder(failed);
    expect(await getOrderRecord(orm, pending.id)).toEqual(failed);
  });

  it('follows the order through its transitions, keeping the newest payment', async () => {
    const pending = pendingView();
    await record.saveOrder(pending);
    const reservedUntil = new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 678)).toISOString();
    const reserved: OrderView = { ...pending, status: 'RESERVED', reservedUntil };
    await record.saveOrder(reserved);
    await record.saveOrder({ ...reserved, payment: { status: 'AUTHORIZED', amountCents: 8_000, authorizationId: `auth-a-${uniqueSuffix()}` } });
    const declined = { status: 'DECLINED' as const, amountCents: 8_000, authorizationId: `auth-b-${uniqueSuffix()}`, declineCode: 'card_declined' };
    await record.saveOrder({ ...reserved, payment: declined });
    expect(await getOrderRecord(orm, pending.id)).toMatchObject({ status: 'RESERVED', reservedUntil, payment: declined });

    const captured = { status: 'CAPTURED' as const, amountCents: 8_000, authorizationId: `auth-c-${uniqueSuffix()}` };
    const confirmed: OrderView = { ...reserved, status: 'CONFIRMED', payment: captured };
    await record.saveOrder(confirmed);
    expect(await getOrderRecord(orm, pending.id)).toEqual(confirmed);
  });

  it('never moves a record backwards when an older save arrives late', async () => {
    const authorizationId = `auth-${uniqueSuffix()}`;
    const reserved = pendingView({ status: 'RESERVED', reservedUntil: new Date().toISOString(), payment: { status: 'AUTHORIZED', amountCents: 8_000, authorizationId } });
    const failed: OrderView = {
      ...reserved,
      status: 'FAILED',
      failureReason: 'payment failed after authorisation: capture declined?',
      payment: { status: 'VOIDED', amountCents: 8_000, authorizationId },
    };
    await record.saveOrder(reserved);
    await record.saveOrder(failed);
    await record.saveOrder(reserved); // a timed-out attempt finishing after its retry
    await record.saveOrder({ ...reserved, status: 'PENDING', reservedUntil: null, payment: null });
    expect(await getOrderRecord(orm, reserved.id)).toEqual(failed);
  });

  it('returns null for an unknown order', async () => {
    expect(await getOrderRecord(orm, uniqueOrderId('missing'))).toBeNull();
  });

  it('lists orders newest first, by customer and by status, up to the limit', async () => {
    const customerId = `customer-${uniqueSuffix()}`;
    const first = pendingView({ customerId });
    const second = pendingView({ customerId, status: 'RESERVED', reservedUntil: new Date().toISOString() });
    const third = pendingView({ customerId, status: 'EXPIRED', notifications: [] });
    for (const view of [first, second, third]) await record.saveOrder(view);
    // created_at has millisecond precision: set it apart explicitly so "newest" is unambiguous.
    for (const [view, secondsAgo] of [[first, 30], [second, 20], [third, 10]] as const) {
      await run(forkSql(orm), 'UPDATE orders SET created_at = NOW(3) - INTERVAL ? SECOND WHERE id = ?', [secondsAgo, view.id]);
    }

    const mine = await listOrders(orm, { customerId, limit: 10 });
    expect(mine.map((view) => view.id)).toEqual([third.id, second.id, first.id]);
    expect(mine[2]).toEqual(first);
    expect((await listOrders(orm, { customerId, limit: 2 })).map((view) => view.id)).toEqual([third.id, second.id]);
    expect((await listOrders(orm, { customerId, status: 'RESERVED', limit: 10 })).map((view) => view.id)).toEqual([second.id]);
    const anyReserved = await listOrders(orm, { status: 'RESERVED', limit: 5 });
    expect(anyReserved.length).toBeGreaterThan(0);
    expect(anyReserved.every((view) => view.status === 'RESERVED')).toBe(true);
  });

  it('shows the notifications recorded for the order', async () => {
    const view = pendingView({ status: 'CONFIRMED' });
    await record.saveOrder(view);
    await run(forkSql(orm), "INSERT INTO notification (order_id, kind, channel) VALUES (?, 'ORDER_CONFIRMED', 'test')", [view.id]);
    expect((await getOrderRecord(orm, view.id))?.notifications).toEqual(['ORDER_CONFIRMED']);
  });
  it('a CONFIRMED coupon order takes its claim again when a lost workflow task had given it back', async () => {
    const coupon = await createCoupon(orm, { code: `KEEP-${uniqueSuffix().toUpperCase()}`, name: 'Kept claim', percentOff: 10, quantity: 5, perBuyer: 1 });
    const view = pendingView({ couponCode: coupon.code, discountCents: 800, totalCents: 7_200 });
    const recorded = await recordClaim(orm, coupon.id, view.customerId);
    expect(recorded.outcome).toBe('CLAIMED');
    await redeemClaim(orm, { orderId: view.id, customerId: view.customerId, code: coupon.code });
    await giveClaimBack(orm, view.id); // the undo of a release, run in a task whose retry then took the sale

    await record.saveOrder({ ...view, status: 'CONFIRMED' });
    await record.saveOrder({ ...view, status: 'CONFIRMED' });

    expect(await unusedClaimsOf(orm, view.customerId)).toEqual([]);
    expect((await findCoupon(orm, coupon.code))?.redeemed).toBe(1);
  });
});
