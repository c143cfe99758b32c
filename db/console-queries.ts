/**
 * Read-only figures for the operator console (GET /console/summary). Every query reads one index range bounded by
 * the window (see Migration20261128090000_console_indexes), so a poll costs the rows of its window, not the table.
 *
 * Times: an order's row changes for the last time when it reaches its status, so `updated_at` is when a terminal
 * order reached its outcome and `created_at` is when it was placed (its reservation, or its refusal, was recorded).
 */
import type { MikroORM } from '@mikro-orm/core';
import type { OrderStatus } from '../workflows/order-types';
import { forkSql, fromMysqlUtc, mysqlUtc, select, type Sql } from './sql';

/** The outcomes the console counts, each at the moment an order reached it. */
export const OUTCOMES = ['CONFIRMED', 'REJECTED', 'CANCELLED', 'EXPIRED', 'FAILED'] as const satisfies readonly OrderStatus[];
export type Outcome = (typeof OUTCOMES)[number];

export interface SalesFiguresRequest {
  /** Start of the sales window (revenue, top products, counts, compensations). */
  since: Date;
  /** Start of the per-second timeline (a short, recent span). */
  timelineSince: Date;
  now: Date;
  /** How many products the top list holds. */
  topProducts: number;
}

export interface TopProduct {
  productId: number;
  sku: string;
  name: string;
  units: number;
  revenueCents: number;
}

export interface SalesFigures {
  /** Per second from timelineSince to now (oldest first): orders placed, and orders reaching each outcome. */
  timeline: { startedAt: string; placed: number[]; outcomes: Record<Outcome, number[]> };
  /** In the window: orders placed, and orders that reached each outcome. */
  placed: number;
  outcomes: Record<Outcome, number>;
  /** Now, whatever their age: orders placed and not yet finished (their units are held). */
  open: { pending: number; reserved: number };
  /** Orders confirmed in the window and what they were paid. */
  revenue: { cents: number; orders: number };
  topProducts: TopProduct[];
  /** Orders that failed after the payment began in the window, and the undo steps recorded for them. */
  compensations: {
    failedOrders: number;
    paymentsVoided: number;
    paymentsRefunded: number;
    stockRestores: number;
    unitsRestored: number;
    /** After the sale, settled in the window: refunds SUCCEEDED (and their cents) or FAILED (staff must act). */
    refundsSucceeded: number;
    refundedCents: number;
    refundsFailed: number;
    /** Returns received in the window, and their units put back on sale. */
    returnsReceived: number;
    unitsReturned: number;
  };
}

const marks = (count: number) => Array.from({ length: count }, () => '?').join(', ');
const zeroes = () => Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as Record<Outcome, number>;

export async function readSalesFigures(orm: MikroORM, request: SalesFiguresRequest): Promise<SalesFigures> {
  // One EntityManager, one query after another: an EntityManager is not meant to run queries concurrently.
  const em = forkSql(orm);
  const timeline = await readTimeline(em, request.timelineSince, request.now);
  const since = mysqlUtc(request.since);

  const [{ placed }] = await select<{ placed: number | string }>(em, 'SELECT COUNT(*) AS placed FROM orders WHERE created_at >= ?', [since]);
  const outcomes = zeroes();
  const outcomeRows = await select<{ status: Outcome; n: number | string }>(
    em,
    `SELECT status, COUNT(*) AS n FROM orders WHERE status IN (${marks(OUTCOMES.length)}) AND updated_at >= ? GROUP BY status`,
    [...OUTCOMES, since],
  );
  for (const row of outcomeRows) outcomes[row.status] = Number(row.n);

  const openRows = await select<{ status: OrderStatus; n: number | string }>(
    em,
    "SELECT status, COUNT(*) AS n FROM orders WHERE status IN ('PENDING', 'RESERVED') GROUP BY status",
  );
  const open = { pending: 0, reserved: 0 };
  for (const row of openRows) open[row.status === 'PENDING' ? 'pending' : 'reserved'] = Number(row.n);

  const [revenue] = await select<{ orders: number | string; cents: number | string | null }>(
    em,
    "SELECT COUNT(*) AS orders, SUM(total_cents) AS cents FROM orders WHERE status = 'CONFIRMED' AND updated_at >= ?",
    [since],
  );

  const topRows = await select<{ product_id: number; sku: string; name: string; units: number | string; revenue: number | string }>(
    em,
    `SELECT line.product_id, p.sku, p.name, SUM(line.quantity) AS units, SUM(line.quantity * line.unit_price_cents) AS revenue
       FROM orders o
       JOIN order_line line ON line.order_id = o.id
       JOIN product p ON p.id = line.product_id
      WHERE o.status = 'CONFIRMED' AND o.updated_at >= ?
      GROUP BY line.product_id, p.sku, p.name
      ORDER BY revenue DESC, units DESC, line.product_id
      LIMIT ?`,
    [since, request.topProducts],
  );

  return {
    timeline,
    placed: Number(placed),
    outcomes,
    open,
    revenue: { cents: Number(revenue.cents ?? 0), orders: Number(revenue.orders) },
    topProducts: topRows.map((row) => ({
      productId: Number(row.product_id),
      sku: row.sku,
      name: row.name,
      units: Number(row.units),
      revenueCents: Number(row.revenue),
    })),
    compensations: await readCompensations(em, since),
  };
}

async function readTimeline(em: Sql, timelineSince: Date, now: Date): Promise<SalesFigures['timeline']> {
  const seconds = Math.max(1, Math.ceil((now.getTime() - timelineSince.getTime()) / 1000));
  const start = mysqlUtc(timelineSince);
  const placed = Array.from({ length: seconds }, () => 0);
  const outcomes = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, Array.from({ length: seconds }, () => 0)])) as Record<Outcome, number[]>;
  const inRange = (second: number) => second >= 0 && second < seconds;

  const placedRows = await select<{ second: number | string; n: number | string }>(
    em,
    'SELECT TIMESTAMPDIFF(SECOND, ?, created_at) AS second, COUNT(*) AS n FROM orders WHERE created_at >= ? GROUP BY second',
    [start, start],
  );
  for (const row of placedRows) if (inRange(Number(row.second))) placed[Number(row.second)] += Number(row.n);

  const outcomeRows = await select<{ status: Outcome; second: number | string; n: number | string }>(
    em,
    `SELECT status, TIMESTAMPDIFF(SECOND, ?, updated_at) AS second, COUNT(*) AS n
       FROM orders WHERE status IN (${marks(OUTCOMES.length)}) AND updated_at >= ?
      GROUP BY status, second`,
    [start, ...OUTCOMES, start],
  );
  for (const row of outcomeRows) if (inRange(Number(row.second))) outcomes[row.status][Number(row.second)] += Number(row.n);
  return { startedAt: timelineSince.toISOString(), placed, outcomes };
}

async function readCompensations(em: Sql, since: string): Promise<SalesFigures['compensations']> {
  const [{ failed }] = await select<{ failed: number | string }>(
    em,
    "SELECT COUNT(*) AS failed FROM orders WHERE status = 'FAILED' AND updated_at >= ?",
    [since],
  );
  const paymentRows = await select<{ status: string; n: number | string }>(
    em,
    `SELECT p.status, COUNT(*) AS n FROM orders o JOIN payment p ON p.order_id = o.id
      WHERE o.status = 'FAILED' AND o.updated_at >= ? AND p.status IN ('VOIDED', 'REFUNDED')
      GROUP BY p.status`,
    [since],
  );
  const [restores] = await select<{ n: number | string; units: number | string | null }>(
    em,
    `SELECT COUNT(*) AS n, SUM(m.delta) AS units FROM orders o JOIN stock_movement m ON m.order_id = o.id AND m.kind = 'RESTORE'
      WHERE o.status = 'FAILED' AND o.updated_at >= ?`,
    [since],
  );
  const payments = (status: string) => Number(paymentRows.find((row) => row.status === status)?.n ?? 0);
  const refundRows = await select<{ status: string; n: number | string; cents: number | string | null }>(
    em,
    "SELECT status, COUNT(*) AS n, SUM(amount_cents) AS cents FROM refund WHERE status IN ('SUCCEEDED', 'FAILED') AND updated_at >= ? GROUP BY status",
    [since],
  );
  const [returns] = await select<{ n: number | string }>(em, "SELECT COUNT(*) AS n FROM order_return WHERE status = 'RECEIVED' AND updated_at >= ?", [since]);
  const [returned] = await select<{ units: number | string | null }>(em, "SELECT SUM(delta) AS units FROM stock_movement WHERE kind = 'RETURN' AND created_at >= ?", [since]);
  const refunds = (status: string) => refundRows.find((row) => row.status === status);
  return {
    failedOrders: Number(failed),
    paymentsVoided: payments('VOIDED'),
    paymentsRefunded: payments('REFUNDED'),
    stockRestores: Number(restores.n),
    unitsRestored: Number(restores.units ?? 0),
    refundsSucceeded: Number(refunds('SUCCEEDED')?.n ?? 0),
    refundedCents: Number(refunds('SUCCEEDED')?.cents ?? 0),
    refundsFailed: Number(refunds('FAILED')?.n ?? 0),
    returnsReceived: Number(returns.n),
    unitsReturned: Number(returned.units ?? 0),
  };
}

/**
 * When each given product sold its last unit: the newest SALE movement of each (one index dive per product).
 * Callers ask only for products whose stock is 0 now; a restocked product is on sale again.
 */
export async function readSoldOutTimes(orm: MikroORM, productIds: number[]): Promise<Map<number, Date>> {
  if (productIds.length === 0) return new Map();
  const rows = await select<{ product_id: number; last_sale: string | Date }>(
    forkSql(orm),
    `SELECT product_id, MAX(created_at) AS last_sale FROM stock_movement
      WHERE product_id IN (${marks(productIds.length)}) AND kind = 'SALE'
      GROUP BY product_id`,
    productIds,
  );
  return new Map(rows.map((row) => [Number(row.product_id), fromMysqlUtc(row.last_sale)]));
}

/**
 * Carts over the window: made, and checked out into an order the workflow did not refuse (a refused checkout leaves
 * its cart open). Checkouts are read by the cart_checkout_created_idx range; carts by a scan of `cart`, which holds
 * only the carts of the last CART_TTL.
 */
export async function readCartFigures(orm: MikroORM, sinceDate: Date): Promise<{ created: number; checkedOut: number }> {
  const em = forkSql(orm);
  const since = mysqlUtc(sinceDate);
  const [created] = await select<{ n: number }>(em, 'SELECT COUNT(*) AS n FROM cart WHERE created_at >= ?', [since]);
  const [checkedOut] = await select<{ n: number }>(
    em,
    "SELECT COUNT(*) AS n FROM cart_checkout c JOIN orders o ON o.id = c.order_id WHERE c.created_at >= ? AND o.status <> 'REJECTED'",
    [since],
  );
  return { created: Number(created.n), checkedOut: Number(checkedOut.n) };
}

/** A coupon as the console shows it: its counts from MySQL (redeemed: claims held by an order in flight or CONFIRMED). */
export interface ConsoleCoupon {
  code: string;
  name: string;
  quantity: number;
  issued: number;
  redeemed: number;
  remaining: number;
  disabled: boolean;
}

/** The newest coupons with their counts; `redeemed` is read through the claims' (coupon_id, customer_id) index. */
export async function readNewestCoupons(orm: MikroORM, limit: number): Promise<ConsoleCoupon[]> {
  const rows = await select<{ code: string; name: string; quantity: number; issued: number; redeemed: number | string; disabled: number }>(
    forkSql(orm),
    `SELECT c.code, c.name, c.quantity, c.issued, c.disabled_at IS NOT NULL AS disabled,
            (SELECT COUNT(*) FROM coupon_claim k WHERE k.coupon_id = c.id AND k.order_id IS NOT NULL) AS redeemed
       FROM coupon c ORDER BY c.id DESC LIMIT ?`,
    [limit],
  );
  return rows.map((row) => ({
    code: row.code,
    name: row.name,
    quantity: Number(row.quantity),
    issued: Number(row.issued),
    redeemed: Number(row.redeemed),
    remaining: Number(row.quantity) - Number(row.issued),
    disabled: Number(row.disabled) === 1,
  }));
}
