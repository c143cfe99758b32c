/**
 * Reads the stores into plain data for the pure checks (invariants.ts). Read-only everywhere.
 *
 * The stores are read one after another, in the order that keeps a busy system from producing false
 * breaches (every status only moves forward, and the side effects of a step finish before its status is saved):
 *   1. Temporal's Running workflows: an order open in MySQL afterwards was open (and running) before;
 *   2. MySQL, in one REPEATABLE READ transaction (one consistent view of all tables);
 *   3. Redis (availability, holds): a hold of an order terminal in MySQL is already final;
 *   4. the payment provider: the money of an order terminal in MySQL is already final.
 */
import type { MikroORM } from '@mikro-orm/core';
import { IsolationLevel } from '@mikro-orm/core';
import { Client, Connection } from '@temporalio/client';
import type { Redis } from 'ioredis';
import { loadConfig } from '../config';
import { LINE_IS_SOLD } from '../db/holds';
import { forkSql, select, type Sql } from '../db/sql';
import { availabilityKey, holdKey } from '../inventory/keys';
import { createPaymentsClient } from '../payments/client';
import type { Authorization, Refund } from '../payments/types';
import type { OrderStatus, PaymentStatus } from '../workflows/order-types';
import type { ReceivedLine, RefundStatus, ReturnStatus } from '../workflows/after-sale-types';
import { unitsHeld, type CartsSnapshot, type HoldState, type InFlightOrder, type OrderSnapshot, type PaymentsSnapshot, type ProductSnapshot, type Snapshot, type TemporalSnapshot } from './invariants';
import { temporalConnectionOptions } from '../temporal/connection-options';
import { readCouponTables, withCouponCounts } from './coupon-snapshot';
import { readQueueTables } from './queue-snapshot';
import { admissionFactorOf } from '../config/queue';

export interface SnapshotScope {
  /** Only these products, and orders with a line on one of them. */
  productIds?: number[];
  /** Only orders created at or after this time (products are not limited by it). */
  ordersSince?: Date;
}

export interface SnapshotSources {
  orm: MikroORM;
  redis: Redis;
  /** Base URL of the provider; null skips I3. */
  paymentsUrl: string | null;
  /** The merchant's key there; PAYMENTS_API_KEY unless given. */
  paymentsApiKey?: string;
  /** Null skips the Temporal part of I4. */
  temporal: { address: string; namespace: string } | null;
  /** Per remote call of the optional sources (provider, Temporal). */
  timeoutMs?: number;
  /** I9's QUEUE_ADMISSION_FACTOR; the environment's unless given. */
  admissionFactor?: number;
}

export class UnknownProductsError extends Error {
  constructor(readonly productIds: number[]) {
    super(`no such product(s) in MySQL: ${productIds.join(', ')}`);
    this.name = 'UnknownProductsError';
  }
}

const CHUNK = 1_000;
const chunks = <T>(items: T[], size = CHUNK): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
const marks = (count: number) => Array.from({ length: count }, () => '?').join(', ');

/** DATETIME columns come back from raw queries as UTC strings ("2026-11-21 09:26:39.464"). */
function utc(value: unknown): Date {
  if (value instanceof Date) return value;
  return new Date(`${String(value).replace(' ', 'T')}Z`);
}

/** A Date as the DATETIME(3) text MySQL compares with (the columns hold UTC). */
const mysqlUtc = (date: Date): string => date.toISOString().replace('T', ' ').replace('Z', '');

export async function takeSnapshot(sources: SnapshotSources, scope: SnapshotScope = {}): Promise<Snapshot> {
  const timeoutMs = sources.timeoutMs ?? 5_000;
  const listing = sources.temporal ? await readTemporal(sources.temporal, timeoutMs) : skipped('disabled (--no-temporal)');
  const takenAt = new Date();
  const mysql = await readMysql(sources.orm, scope);
  const holdOrderIds = [...new Set([...mysql.orders.map((order) => order.id), ...mysql.inFlight.map((order) => order.id)])];
  const redis = await readRedis(sources.redis, mysql.products.map((product) => product.id), holdOrderIds);
  const payments = sources.paymentsUrl
    ? await readPayments(sources.orm, { baseUrl: sources.paymentsUrl, apiKey: sources.paymentsApiKey ?? loadConfig().PAYMENTS_API_KEY ?? '' }, mysql.orders.map((order) => order.id), scope, timeoutMs)
    : skipped('disabled (--no-payments)');

  const temporal = await withUnrecorded(sources.orm, listing, scope);
  const carts = await readCarts(sources.orm, scope);
  const inFlight = mysql.inFlight.map((order) => ({ ...order, hold: redis.holds.get(order.id) ?? null }));
  const held = unitsHeld(inFlight);
  return {
    takenAt,
    products: mysql.products.map((product) => ({
      ...product,
      available: redis.available.get(product.id) ?? null,
      held: held.get(product.id) ?? 0,
    })),
    orders: mysql.orders.map((order) => ({ ...order, hold: redis.holds.get(order.id) ?? null })),
    inFlight,
    payments,
    temporal,
    carts,
    coupons: await withCouponCounts(sources.redis, mysql.coupons),
    queue: {
      admissionFactor: sources.admissionFactor ?? admissionFactorOf(process.env),
      products: mysql.queued.map((product) => ({ ...product, available: redis.available.get(product.productId) ?? null })),
    },
  };
}

/** I10's anomalies (checkouts since `ordersSince` when scoped by time; every cart is read whatever the product scope). */
async function readCarts(orm: MikroORM, scope: SnapshotScope): Promise<CartsSnapshot> {
  const em = forkSql(orm);
  const since = scope.ordersSince ? mysqlUtc(scope.ordersSince) : null;
  const orphans = await select<{ id: string; order_id: string; updated_at: unknown }>(
    em,
    `SELECT c.id, c.order_id, c.updated_at FROM cart c LEFT JOIN orders o ON o.id = c.order_id
      WHERE c.status = 'CHECKED_OUT' AND o.id IS NULL ${since ? 'AND c.updated_at >= ?' : ''}`,
    since ? [since] : [],
  );
  const doubles = await select<{ cart_id: string; cart_version: number; order_ids: string }>(
    em,
    `SELECT cart_id, cart_version, GROUP_CONCAT(order_id ORDER BY order_id) AS order_ids FROM cart_checkout
      ${since ? 'WHERE created_at >= ?' : ''} GROUP BY cart_id, cart_version HAVING COUNT(*) > 1`,
    since ? [since] : [],
  );
  return {
    checkedOutWithoutOrder: orphans.map((row) => ({ cartId: row.id, orderId: row.order_id, updatedAt: utc(row.updated_at) })),
    versionsWithSeveralOrders: doubles.map((row) => ({ cartId: row.cart_id, version: Number(row.cart_version), orderIds: String(row.order_ids).split(',') })),
  };
}

/**
 * Which Running order workflows have no order row in MySQL (read after the listing, so a workflow that recorded its
 * order in between is found). A workflow has no lines to scope by product, so with --products none is judged.
 */
async function withUnrecorded(orm: MikroORM, listing: TemporalListing, scope: SnapshotScope): Promise<TemporalSnapshot> {
  if (listing.status !== 'ok') return listing;
  const { startedAt, ...temporal } = listing;
  if (!startedAt || (scope.productIds && scope.productIds.length > 0)) return temporal;
  const candidates = [...startedAt].filter(([, start]) => !scope.ordersSince || start >= scope.ordersSince).map(([id]) => id);
  const recorded = new Set<string>();
  for (const ids of chunks(candidates)) {
    const rows = await select<{ id: string }>(forkSql(orm), `SELECT id FROM orders WHERE id IN (${marks(ids.length)})`, ids);
    for (const row of rows) recorded.add(row.id);
  }
  const unrecorded = candidates.filter((id) => !recorded.has(id)).map((id) => ({ id, startedAt: startedAt.get(id)! }));
  return { ...temporal, unrecorded };
}

function skipped(reason: string): { status: 'skipped'; reason: string } {
  return { status: 'skipped', reason };
}

interface MysqlView {
  products: Array<Omit<ProductSnapshot, 'available' | 'held'>>;
  orders: Array<Omit<OrderSnapshot, 'hold'>>;
  inFlight: Array<Omit<InFlightOrder, 'hold'>>;
  coupons: Awaited<ReturnType<typeof readCouponTables>>;
  queued: Awaited<ReturnType<typeof readQueueTables>>;
}

/** All tables in one REPEATABLE READ transaction: one consistent view, however busy the shop is. */
function readMysql(orm: MikroORM, scope: SnapshotScope): Promise<MysqlView> {
  // Coupons belong to no product: a check scoped to products leaves them out (I7 runs on an unscoped check).
  const scoped = scope.productIds !== undefined && scope.productIds.length > 0;
  const productIds = scoped ? [...new Set(scope.productIds!)] : undefined;
  return forkSql(orm).transactional(
    async (em) => ({
      ...(await readTables(em as Sql, scope)),
      coupons: scoped ? [] : await readCouponTables(em as Sql),
      queued: await readQueueTables(em as Sql, productIds),
    }),
    { isolationLevel: IsolationLevel.REPEATABLE_READ },
  );
}

async function readTables(em: Sql, scope: SnapshotScope): Promise<Omit<MysqlView, 'coupons' | 'queued'>> {
  const productIds = scope.productIds && scope.productIds.length > 0 ? [...new Set(scope.productIds)] : undefined;
  const productFilter = (column: string) => (productIds ? `${column} IN (${marks(productIds.length)})` : '1 = 1');
  const productParams = productIds ?? [];

  const productRows = await select<{ id: number; sku: string; stock: number }>(
    em,
    `SELECT id, sku, stock FROM product WHERE ${productFilter('id')} ORDER BY id`,
    productParams,
  );
  if (productIds) {
    const found = new Set(productRows.map((row) => Number(row.id)));
    const missing = productIds.filter((id) => !found.has(id));
    if (missing.length > 0) throw new UnknownProductsError(missing);
  }

  const movementRows = await select<Record<string, string | number | null>>(
    em,
    `SELECT m.product_id,
            SUM(CASE WHEN m.kind = 'SALE' THEN -m.delta ELSE 0 END) AS sold,
            SUM(CASE WHEN m.kind = 'RESTORE' THEN m.delta ELSE 0 END) AS restored,
            SUM(CASE WHEN m.kind = 'RESTOCK' THEN m.delta ELSE 0 END) AS restocked,
            SUM(CASE WHEN m.kind IN ('SALE', 'RESTORE') AND o.status = 'CONFIRMED' THEN -m.delta ELSE 0 END) AS net_confirmed,
            SUM(CASE WHEN m.kind IN ('SALE', 'RESTORE') AND o.status IN ('PENDING', 'RESERVED') THEN -m.delta ELSE 0 END) AS net_open,
            SUM(CASE WHEN m.kind IN ('SALE', 'RESTORE') AND o.id IS NULL THEN -m.delta ELSE 0 END) AS net_unknown
       FROM stock_movement m
       LEFT JOIN orders o ON o.id = m.order_id
      WHERE ${productFilter('m.product_id')}
      GROUP BY m.product_id`,
    productParams,
  );
  const movements = new Map(movementRows.map((row) => [Number(row.product_id), row]));
  const confirmedRows = await select<{ product_id: number; units: string | number }>(
    em,
    `SELECT line.product_id, SUM(line.quantity) AS units
       FROM order_line line JOIN orders o ON o.id = line.order_id
      WHERE o.status = 'CONFIRMED' AND ${productFilter('line.product_id')}
      GROUP BY line.product_id`,
    productParams,
  );
  const confirmed = new Map(confirmedRows.map((row) => [Number(row.product_id), Number(row.units)]));

  const products = productRows.map((row) => {
    const id = Number(row.id);
    const m = movements.get(id);
    return {
      id,
      sku: row.sku,
      stock: Number(row.stock),
      soldUnits: Number(m?.sold ?? 0),
      restoredUnits: Number(m?.restored ?? 0),
      restockedUnits: Number(m?.restocked ?? 0),
      confirmedUnits: confirmed.get(id) ?? 0,
      netSoldConfirmed: Number(m?.net_confirmed ?? 0),
      netSoldOpen: Number(m?.net_open ?? 0),
      netSoldUnknown: Number(m?.net_unknown ?? 0),
    };
  });

  // Orders in scope: a subquery reused by the per-order reads.
  const orderConditions = [
    ...(scope.ordersSince ? ['o.created_at >= ?'] : []),
    ...(productIds ? [`EXISTS (SELECT 1 FROM order_line sl WHERE sl.order_id = o.id AND ${productFilter('sl.product_id')})`] : []),
  ];
  const orderWhere = orderConditions.length > 0 ? orderConditions.join(' AND ') : '1 = 1';
  const orderParams: unknown[] = [...(scope.ordersSince ? [mysqlUtc(scope.ordersSince)] : []), ...productParams];
  const scoped = `SELECT o.id FROM orders o WHERE ${orderWhere}`;

  const orderRows = await select<{ id: string; status: OrderStatus; total_cents: number; reserved_until: unknown; created_at: unknown; updated_at: unknown }>(
    em,
    `SELECT o.id, o.status, o.total_cents, o.reserved_until, o.created_at, o.updated_at FROM orders o WHERE ${orderWhere} ORDER BY o.created_at, o.id`,
    orderParams,
  );
  const lineRows = await select<{ order_id: string; product_id: number; quantity: number }>(
    em,
    `SELECT order_id, product_id, quantity FROM order_line WHERE order_id IN (${scoped}) ORDER BY order_id, product_id`,
    orderParams,
  );
  const movementOfOrderRows = await select<{ order_id: string; product_id: number; kind: 'SALE' | 'RESTORE'; delta: number }>(
    em,
    `SELECT order_id, product_id, kind, delta FROM stock_movement WHERE kind IN ('SALE', 'RESTORE') AND order_id IN (${scoped}) ORDER BY id`,
    orderParams,
  );
  const notificationRows = await select<{ order_id: string; kind: string; n: number | string }>(
    em,
    `SELECT order_id, kind, COUNT(*) AS n FROM notification WHERE order_id IN (${scoped}) GROUP BY order_id, kind`,
    orderParams,
  );
  const refundRows = await select<{ order_id: string; id: string; status: RefundStatus; amount_cents: number | string; provider_refund_id: string | null }>(
    em,
    `SELECT order_id, id, status, amount_cents, provider_refund_id FROM refund WHERE order_id IN (${scoped}) ORDER BY created_at, id`,
    orderParams,
  );
  const returnRows = await select<{ order_id: string; id: string; status: ReturnStatus; received_items: string | null }>(
    em,
    `SELECT order_id, id, status, received_items FROM order_return WHERE order_id IN (${scoped}) ORDER BY created_at, id`,
    orderParams,
  );
  const returnMovementRows = await select<{ order_id: string; ref: string; product_id: number; delta: number }>(
    em,
    `SELECT order_id, ref, product_id, delta FROM stock_movement WHERE kind = 'RETURN' AND order_id IN (${scoped}) ORDER BY id`,
    orderParams,
  );

  const paymentRows = await select<{ order_id: string; id: string; status: PaymentStatus }>(
    em,
    `SELECT order_id, id, status FROM payment WHERE order_id IN (${scoped})`,
    orderParams,
  );

  const group = <T extends { order_id: string }>(rows: T[]) => {
    const byOrder = new Map<string, T[]>();
    for (const row of rows) byOrder.set(row.order_id, [...(byOrder.get(row.order_id) ?? []), row]);
    return byOrder;
  };
  const lines = group(lineRows);
  const orderMovements = group(movementOfOrderRows);
  const notifications = group(notificationRows);
  const payments = group(paymentRows);
  const refunds = group(refundRows);
  const returns = group(returnRows);
  const returnMovements = group(returnMovementRows);

  const orders = orderRows.map((row) => ({
    id: row.id,
    status: row.status,
    totalCents: Number(row.total_cents),
    reservedUntil: row.reserved_until === null ? null : utc(row.reserved_until),
    createdAt: utc(row.created_at),
    updatedAt: utc(row.updated_at),
    lines: (lines.get(row.id) ?? []).map((line) => ({ productId: Number(line.product_id), quantity: Number(line.quantity) })),
    movements: (orderMovements.get(row.id) ?? []).map((movement) => ({ productId: Number(movement.product_id), kind: movement.kind, delta: Number(movement.delta) })),
    notifications: (notifications.get(row.id) ?? []).map((notification) => ({ kind: notification.kind, count: Number(notification.n) })),
    recordedPayments: (payments.get(row.id) ?? []).map((payment) => ({ id: payment.id, status: payment.status })),
    refunds: (refunds.get(row.id) ?? []).map((refund) => ({ id: refund.id, status: refund.status, amountCents: Number(refund.amount_cents), providerRefundId: refund.provider_refund_id })),
    returns: (returns.get(row.id) ?? []).map((ret) => ({ id: ret.id, status: ret.status, sellable: sellableOf(ret.received_items) })),
    returnMovements: (returnMovements.get(row.id) ?? []).map((movement) => ({ ref: movement.ref, productId: Number(movement.product_id), delta: Number(movement.delta) })),
  }));

  // Every in-flight order of the product scope, whatever --orders-since says: they hold stock and explain I2 mismatches.
  const inFlightRows = await select<{ id: string; status: OrderStatus; product_id: number; quantity: number; sold: number | string }>(
    em,
    `SELECT o.id, o.status, line.product_id, line.quantity, ${LINE_IS_SOLD} AS sold
       FROM orders o JOIN order_line line ON line.order_id = o.id
      WHERE o.status IN ('PENDING', 'RESERVED')
        ${productIds ? `AND EXISTS (SELECT 1 FROM order_line sl WHERE sl.order_id = o.id AND ${productFilter('sl.product_id')})` : ''}
      ORDER BY o.id, line.product_id`,
    productParams,
  );
  const inFlightById = new Map<string, Omit<InFlightOrder, 'hold'>>();
  for (const row of inFlightRows) {
    const order = inFlightById.get(row.id) ?? { id: row.id, status: row.status, productIds: [], lines: [] };
    order.productIds.push(Number(row.product_id));
    order.lines.push({ productId: Number(row.product_id), quantity: Number(row.quantity), sold: Number(row.sold) === 1 });
    inFlightById.set(row.id, order);
  }
  const inFlight = [...inFlightById.values()];

  return { products, orders, inFlight };
}

/** The SELLABLE units of a received return's lines (order_return.received_items). */
function sellableOf(receivedItems: string | null): Array<{ productId: number; quantity: number }> {
  if (receivedItems === null) return [];
  return (JSON.parse(receivedItems) as ReceivedLine[]).filter((line) => line.condition === 'SELLABLE').map(({ productId, quantity }) => ({ productId, quantity }));
}

async function readRedis(redis: Redis, productIds: number[], orderIds: string[]): Promise<{ available: Map<number, number>; holds: Map<string, HoldState> }> {
  const available = new Map<number, number>();
  for (const ids of chunks(productIds)) {
    const values = await redis.mget(ids.map(availabilityKey));
    ids.forEach((id, index) => {
      const value = values[index];
      if (value !== null) available.set(id, Number(value));
    });
  }
  const holds = new Map<string, HoldState>();
  for (const ids of chunks(orderIds)) {
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hget(holdKey(id), 'state');
    const results = (await pipeline.exec()) ?? [];
    ids.forEach((id, index) => {
      const [error, state] = results[index] ?? [];
      if (error) throw error;
      if (typeof state === 'string') holds.set(id, state as HoldState);
    });
  }
  return { available, holds };
}

async function readPayments(
  orm: MikroORM,
  { baseUrl, apiKey }: { baseUrl: string; apiKey: string },
  orderIds: string[],
  scope: SnapshotScope,
  timeoutMs: number,
): Promise<PaymentsSnapshot> {
  const url = `${baseUrl.replace(/\/+$/, '')}/v1/ledger`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json', authorization: `Bearer ${apiKey}` }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    return skipped(`not reachable at ${baseUrl}: ${describe(error)}`);
  }
  if (response.status === 404) {
    // A real provider has no whole-ledger listing: ask per order of the scope (orphans cannot be found this way).
    try {
      const client = createPaymentsClient({ baseUrl, apiKey, timeoutMs });
      const authorizations: Authorization[] = [];
      for (const orderId of orderIds) authorizations.push(...(await client.listByReference(orderId)));
      const refunds: Refund[] = [];
      for (const authorization of authorizations) if (authorization.refundedAmountCents > 0) refunds.push(...(await client.listRefunds(authorization.id)));
      return { status: 'ok', source: 'by-reference', authorizations, refunds, otherOrderIds: [], checkOrphans: false };
    } catch (error) {
      return skipped(`listing authorizations by order at ${baseUrl} failed: ${describe(error)}`);
    }
  }
  if (!response.ok) return skipped(`GET ${url} answered HTTP ${response.status}`);
  const body = (await response.json()) as { authorizations?: Authorization[]; refunds?: Refund[] };
  if (!Array.isArray(body.authorizations)) return skipped(`GET ${url} did not return {authorizations: [...]}`);

  const inScope = new Set(orderIds);
  const foreign = [...new Set(body.authorizations.map((authorization) => authorization.reference).filter((reference) => !inScope.has(reference)))];
  // References outside the scope that are orders in MySQL: not checked. The rest are orphans.
  const otherOrderIds: string[] = [];
  const em = forkSql(orm);
  for (const ids of chunks(foreign)) {
    const rows = await select<{ id: string }>(em, `SELECT id FROM orders WHERE id IN (${marks(ids.length)})`, ids);
    otherOrderIds.push(...rows.map((row) => row.id));
  }
  const others = new Set(otherOrderIds);
  return {
    status: 'ok',
    source: 'ledger',
    authorizations: body.authorizations.filter((authorization) => !others.has(authorization.reference)),
    ...(Array.isArray(body.refunds) ? { refunds: body.refunds.filter((refund) => !others.has(refund.reference)) } : {}),
    otherOrderIds,
    checkOrphans: !(scope.productIds && scope.productIds.length > 0),
  };
}

/** The order workflow's type name (workflows/order.ts exports `orderWorkflow`; temporal/order-client.ts starts it by that name). */
export const ORDER_WORKFLOW_TYPE = 'orderWorkflow';

type TemporalListing = TemporalSnapshot & { startedAt?: Map<string, Date> };

async function readTemporal(target: { address: string; namespace: string }, timeoutMs: number): Promise<TemporalListing> {
  let connection: Connection | undefined;
  try {
    // TLS, mTLS and the API key as configured for the API and worker (TEMPORAL_TLS_*, TEMPORAL_API_KEY).
    connection = await Connection.connect({ ...temporalConnectionOptions(target.address), connectTimeout: timeoutMs });
    const client = new Client({ connection, namespace: target.namespace });
    const listedAt = new Date();
    const runningWorkflowIds: string[] = [];
    const startedAt = new Map<string, Date>();
    const query = `WorkflowType = '${ORDER_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`;
    for await (const execution of client.workflow.list({ query })) {
      runningWorkflowIds.push(execution.workflowId);
      startedAt.set(execution.workflowId, execution.startTime);
    }
    return { status: 'ok', listedAt, runningWorkflowIds, startedAt };
  } catch (error) {
    return skipped(`Temporal not reachable at ${target.address} (namespace ${target.namespace}): ${describe(error)}`);
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error && cause.message && cause.message !== error.message ? ` (${cause.message})` : '';
    return `${error.message || error.name}${detail}`;
  }
  return String(error);
}
