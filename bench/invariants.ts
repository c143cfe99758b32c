/**
 * The end-of-run check of every benchmark, on the products it made:
 *
 * 1. The project's checker (check/snapshot.ts + check/invariants.ts, what `npm run check` runs), scoped to the
 *    benchmark's products: I1–I6 per product and per order from MySQL, Redis, the payment ledger and Temporal.
 * 2. The benchmark's own small check, which knows what the checker cannot (how many units it stocked):
 *   I1  MySQL stock >= 0, Redis availability >= 0, units on CONFIRMED orders <= units stocked, and
 *       stock == stocked - net units the stock ledger took (SALE - RESTORE).
 *   I2  once quiet: Redis availability == MySQL stock - units held by open orders (db/holds.ts).
 *   I3  from the stand-in's books (GET /v1/ledger): at most one capture per order, a capture only for a CONFIRMED
 *       order, every CONFIRMED order captured once, no authorization left 'authorized' for a terminal order.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import { checkInvariants, type CheckResult } from '../check/invariants';
import { takeSnapshot } from '../check/snapshot';
import { unitsHeldByOpenOrders } from '../db/holds';
import { forkSql, select } from '../db/sql';
import { Inventory } from '../inventory/inventory';
import type { Authorization } from '../payments/types';
import { TERMINAL_STATUSES, type OrderStatus } from '../workflows/order-types';
import { sleep } from './lib';
import { BENCH_PAYMENTS_API_KEY } from './tokens';

export interface InvariantInput {
  orm: MikroORM;
  redis: Redis;
  paymentsUrl: string;
  /** product id -> units the benchmark stocked it with. */
  stocked: Map<number, number>;
  /** How long to wait for the products' orders to settle (no PENDING, counts unchanged for 1 s). */
  quietTimeoutMs?: number;
  /** The stack's Temporal, for the checker's I4 cross-check. */
  temporal: { address: string; namespace: string };
}

export interface InvariantReport {
  ok: boolean;
  quiet: boolean;
  I1: { ok: boolean; products: Array<{ productId: number; stocked: number; stock: number; available: number | null; confirmedUnits: number; netSoldUnits: number }>; violations: string[] };
  I2: { ok: boolean; products: Array<{ productId: number; available: number | null; stock: number; held: number }>; violations: string[] };
  I3: { ok: boolean; authorizations: number; orders: number; captured: number; violations: string[] };
  ordersByStatus: Record<string, number>;
  /** The project's checker (npm run check) on the same products. */
  checker: { ok: boolean; summary: CheckResult['summary']; products: CheckResult['products']; findings: CheckResult['findings']; findingsTotal: number } | { ok: false; error: string };
}

const inList = (ids: number[]) => ids.map(() => '?').join(', ');

async function statusCounts(orm: MikroORM, productIds: number[]): Promise<Record<string, number>> {
  const rows = await select<{ status: string; n: number }>(
    forkSql(orm),
    `SELECT o.status, COUNT(DISTINCT o.id) AS n FROM orders o JOIN order_line l ON l.order_id = o.id
      WHERE l.product_id IN (${inList(productIds)}) GROUP BY o.status`,
    productIds,
  );
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}

/** Waits until no order of the products is PENDING and the status counts stay the same for a second. */
export async function waitForQuiet(orm: MikroORM, productIds: number[], timeoutMs: number): Promise<{ quiet: boolean; counts: Record<string, number> }> {
  const deadline = Date.now() + timeoutMs;
  let previous = '';
  for (;;) {
    const counts = await statusCounts(orm, productIds);
    const key = JSON.stringify(Object.entries(counts).sort());
    if (key === previous && !counts.PENDING) return { quiet: true, counts };
    if (Date.now() > deadline) return { quiet: false, counts };
    previous = key;
    await sleep(1_000);
  }
}

export async function checkBenchInvariants(input: InvariantInput): Promise<InvariantReport> {
  const { orm, redis, paymentsUrl, stocked } = input;
  const productIds = [...stocked.keys()];
  const { quiet, counts } = await waitForQuiet(orm, productIds, input.quietTimeoutMs ?? 60_000);
  const em = forkSql(orm);
  const inventory = new Inventory(redis);

  const stockRows = await select<{ id: number; stock: number }>(em, `SELECT id, stock FROM product WHERE id IN (${inList(productIds)})`, productIds);
  const stockById = new Map(stockRows.map((row) => [Number(row.id), Number(row.stock)]));
  const confirmedRows = await select<{ product_id: number; units: string }>(
    em,
    `SELECT l.product_id, SUM(l.quantity) AS units FROM order_line l JOIN orders o ON o.id = l.order_id
      WHERE o.status = 'CONFIRMED' AND l.product_id IN (${inList(productIds)}) GROUP BY l.product_id`,
    productIds,
  );
  const confirmedById = new Map(confirmedRows.map((row) => [Number(row.product_id), Number(row.units)]));
  const soldRows = await select<{ product_id: number; units: string }>(
    em,
    `SELECT product_id, -SUM(delta) AS units FROM stock_movement WHERE kind IN ('SALE', 'RESTORE') AND product_id IN (${inList(productIds)}) GROUP BY product_id`,
    productIds,
  );
  const netSoldById = new Map(soldRows.map((row) => [Number(row.product_id), Number(row.units)]));
  const available = await inventory.availableMany(productIds);
  const held = await unitsHeldByOpenOrders(orm);

  const i1Violations: string[] = [];
  const i1Products = productIds.map((productId, index) => {
    const row = {
      productId,
      stocked: stocked.get(productId)!,
      stock: stockById.get(productId) ?? NaN,
      available: available[index],
      confirmedUnits: confirmedById.get(productId) ?? 0,
      netSoldUnits: netSoldById.get(productId) ?? 0,
    };
    if (!(row.stock >= 0)) i1Violations.push(`product ${productId}: MySQL stock ${row.stock} < 0`);
    if (row.available !== null && row.available < 0) i1Violations.push(`product ${productId}: Redis availability ${row.available} < 0`);
    if (row.confirmedUnits > row.stocked) i1Violations.push(`product ${productId}: ${row.confirmedUnits} units CONFIRMED > ${row.stocked} stocked (oversold)`);
    if (row.stock !== row.stocked - row.netSoldUnits) {
      i1Violations.push(`product ${productId}: stock ${row.stock} != stocked ${row.stocked} - net sold ${row.netSoldUnits}`);
    }
    return row;
  });

  const i2Violations: string[] = [];
  const i2Products = productIds.map((productId, index) => {
    const row = { productId, available: available[index], stock: stockById.get(productId) ?? NaN, held: held.get(productId) ?? 0 };
    if (row.available !== row.stock - row.held) {
      i2Violations.push(`product ${productId}: Redis available ${row.available} != MySQL stock ${row.stock} - held ${row.held}${quiet ? '' : ' (not quiet)'}`);
    }
    return row;
  });

  // I3: the stand-in belongs to this stack, so its whole ledger is this run's.
  const i3Violations: string[] = [];
  const ledger = (await (await fetch(`${paymentsUrl}/v1/ledger`, { headers: { authorization: `Bearer ${BENCH_PAYMENTS_API_KEY}` } })).json()) as { authorizations: Authorization[] };
  const orders = await select<{ id: string; status: OrderStatus }>(
    em,
    `SELECT DISTINCT o.id, o.status FROM orders o JOIN order_line l ON l.order_id = o.id WHERE l.product_id IN (${inList(productIds)})`,
    productIds,
  );
  const statusById = new Map(orders.map((order) => [order.id, order.status]));
  const byOrder = new Map<string, Authorization[]>();
  for (const authorization of ledger.authorizations) byOrder.set(authorization.reference, [...(byOrder.get(authorization.reference) ?? []), authorization]);
  let captured = 0;
  for (const [orderId, authorizations] of byOrder) {
    const status = statusById.get(orderId);
    const captures = authorizations.filter((authorization) => authorization.status === 'captured');
    captured += captures.length;
    if (status === undefined) i3Violations.push(`${orderId}: authorizations for an order MySQL does not know`);
    if (captures.length > 1) i3Violations.push(`${orderId}: ${captures.length} captures (double charge)`);
    if (captures.length > 0 && status !== 'CONFIRMED') i3Violations.push(`${orderId}: captured but the order is ${status}`);
    if (status !== undefined && TERMINAL_STATUSES.includes(status) && authorizations.some((authorization) => authorization.status === 'authorized')) {
      i3Violations.push(`${orderId}: authorization left 'authorized' though the order is ${status}`);
    }
  }
  for (const order of orders) {
    if (order.status === 'CONFIRMED' && !(byOrder.get(order.id) ?? []).some((authorization) => authorization.status === 'captured')) {
      i3Violations.push(`${order.id}: CONFIRMED without a capture`);
    }
  }

  let checker: InvariantReport['checker'];
  try {
    const snapshot = await takeSnapshot({ orm, redis, paymentsUrl, paymentsApiKey: BENCH_PAYMENTS_API_KEY, temporal: input.temporal, timeoutMs: 10_000 }, { productIds });
    const result = checkInvariants(snapshot, { stuckAfterMs: 120_000, quietRequired: true });
    checker = { ok: result.ok, summary: result.summary, products: result.products, findings: result.findings.slice(0, 20), findingsTotal: result.findings.length };
  } catch (error) {
    checker = { ok: false, error: (error as Error).message };
  }

  const cap = (list: string[]) => (list.length > 20 ? [...list.slice(0, 20), `… and ${list.length - 20} more`] : list);
  const report: InvariantReport = {
    ok: i1Violations.length === 0 && i2Violations.length === 0 && i3Violations.length === 0 && checker.ok,
    quiet,
    I1: { ok: i1Violations.length === 0, products: i1Products, violations: cap(i1Violations) },
    I2: { ok: i2Violations.length === 0, products: i2Products, violations: cap(i2Violations) },
    I3: { ok: i3Violations.length === 0, authorizations: ledger.authorizations.length, orders: orders.length, captured, violations: cap(i3Violations) },
    ordersByStatus: counts,
    checker,
  };
  return report;
}

export function printInvariants(report: InvariantReport): void {
  const line = (name: string, ok: boolean, violations: string[]) => console.log(`  ${name}: ${ok ? 'ok' : 'VIOLATED'}${violations.length ? `\n    - ${violations.join('\n    - ')}` : ''}`);
  console.log(`\nInvariants (${report.quiet ? 'quiet' : 'NOT quiet'}; orders ${JSON.stringify(report.ordersByStatus)})`);
  line('I1 no oversell', report.I1.ok, report.I1.violations);
  line('I2 Redis == MySQL stock - held', report.I2.ok, report.I2.violations);
  line(`I3 money (${report.I3.authorizations} authorizations, ${report.I3.captured} captured)`, report.I3.ok, report.I3.violations);
  const checker = report.checker;
  if ('error' in checker) {
    console.log(`  npm run check (scoped to these products): could not run: ${checker.error}`);
  } else {
    const parts = Object.entries(checker.summary).map(([id, one]) => `${id} ${one.status}${one.breaches ? ` (${one.breaches} breaches)` : ''}${one.warnings ? ` (${one.warnings} warnings)` : ''}`);
    console.log(`  npm run check (scoped to these products): ${checker.ok ? 'ok' : 'BREACH'} — ${parts.join(', ')}`);
    for (const finding of checker.findings) console.log(`    - ${finding.invariant} ${finding.severity}: ${finding.orderId ?? `product ${finding.productId}`}: ${finding.message}`);
  }
}
