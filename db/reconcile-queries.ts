/** What the reconciler (activities/reconcile.ts) reads from MySQL: products to compare, and orders left open. */
import { IsolationLevel, type MikroORM } from '@mikro-orm/core';
import type { OrderStatus } from '../workflows/order-types';
import { RELEASE_FAILED } from '../workflows/failures';
import { fromMysqlUtc, mysqlUtc } from './sql';
import { forkSql, select } from './sql';

const marks = (count: number) => Array.from({ length: count }, () => '?').join(', ');

/** A page of products as of one moment: their stock, and which of them an open order names. */
export interface StockPage {
  products: Array<{ id: number; stock: number }>;
  /** Products with a line on a PENDING or RESERVED order: in flight, so not compared. */
  inFlight: Set<number>;
}

/**
 * Up to `limit` products with ids above `afterId`, with their stock and whether an open order names them, in one
 * REPEATABLE READ snapshot: an order that ends between the two reads cannot make a busy product look quiet.
 */
export function readStockPage(orm: MikroORM, { afterId, limit }: { afterId: number; limit: number }): Promise<StockPage> {
  return forkSql(orm).transactional(
    async (tx) => {
      const rows = await select<{ id: number; stock: number }>(tx, 'SELECT id, stock FROM product WHERE id > ? ORDER BY id LIMIT ?', [afterId, limit]);
      const products = rows.map((row) => ({ id: Number(row.id), stock: Number(row.stock) }));
      if (products.length === 0) return { products, inFlight: new Set<number>() };
      const busy = await select<{ product_id: number }>(
        tx,
        `SELECT DISTINCT line.product_id FROM order_line line JOIN orders o ON o.id = line.order_id
          WHERE o.status IN ('PENDING', 'RESERVED') AND line.product_id IN (${marks(products.length)})`,
        products.map((product) => product.id),
      );
      return { products, inFlight: new Set(busy.map((row) => Number(row.product_id))) };
    },
    { isolationLevel: IsolationLevel.REPEATABLE_READ },
  );
}

/**
 * What says whether a product stayed quiet between two reads: its stock, how many orders ever named it, and how many
 * of those are open. Every Redis step of an order falls between its first record (PENDING, lines included) and its
 * terminal one, so two equal readings with nothing open, taken around a Redis read, mean no order touched the count
 * while it was read (a new order raises the count, a restock changes the stock).
 */
export interface QuietReading {
  stock: number;
  orders: number;
  open: number;
}

/** The product's quiet reading, or null when there is no such product. */
export async function readQuiet(orm: MikroORM, productId: number): Promise<QuietReading | null> {
  const [row] = await select<{ stock: number; orders: number | string; open: number | string }>(
    forkSql(orm),
    `SELECT p.stock,
            (SELECT COUNT(*) FROM order_line line WHERE line.product_id = p.id) AS orders,
            (SELECT COUNT(*) FROM order_line line JOIN orders o ON o.id = line.order_id
              WHERE line.product_id = p.id AND o.status IN ('PENDING', 'RESERVED')) AS open
       FROM product p WHERE p.id = ?`,
    [productId],
  );
  return row ? { stock: Number(row.stock), orders: Number(row.orders), open: Number(row.open) } : null;
}

/**
 * Orders of the product that ended FAILED because their release failed for good (RELEASE_FAILED): the one way an
 * order that is no longer open can still have a live hold in Redis. Such a hold is staff's to release; until then a
 * repair would count its units twice once they release it.
 */
export async function ordersLeftHolding(orm: MikroORM, productId: number): Promise<string[]> {
  const rows = await select<{ id: string }>(
    forkSql(orm),
    `SELECT o.id FROM orders o JOIN order_line line ON line.order_id = o.id
      WHERE o.failure_code = ? AND line.product_id = ?`,
    [RELEASE_FAILED, productId],
  );
  return rows.map((row) => row.id);
}

/**
 * When an open order's hold ends: its `reserved_until`, or, for an order that never reserved, when it was created.
 * The invariant checker (check/invariants.ts, I4) judges an order stuck by the same deadline.
 */
export const HOLD_END_SQL = 'COALESCE(o.reserved_until, o.created_at)';

/** An order still PENDING or RESERVED whose hold ended before the bound. */
export interface OpenOrderPastHold {
  id: string;
  status: Extract<OrderStatus, 'PENDING' | 'RESERVED'>;
  holdEndedAt: Date;
}

/**
 * Orders still PENDING or RESERVED whose hold ended before `endedBefore`, oldest hold first, at most `limit`; with
 * `after`, only those after that one in the same order (the next page).
 */
export async function openOrdersPastHold(
  orm: MikroORM,
  { endedBefore, limit, after }: { endedBefore: Date; limit: number; after?: OpenOrderPastHold },
): Promise<OpenOrderPastHold[]> {
  const page = after ? `AND (${HOLD_END_SQL} > ? OR (${HOLD_END_SQL} = ? AND o.id > ?))` : '';
  const pageParams = after ? [mysqlUtc(after.holdEndedAt), mysqlUtc(after.holdEndedAt), after.id] : [];
  const rows = await select<{ id: string; status: OpenOrderPastHold['status']; hold_ended_at: string | Date }>(
    forkSql(orm),
    `SELECT o.id, o.status, ${HOLD_END_SQL} AS hold_ended_at FROM orders o
      WHERE o.status IN ('PENDING', 'RESERVED') AND ${HOLD_END_SQL} < ? ${page}
      ORDER BY hold_ended_at, o.id LIMIT ?`,
    [mysqlUtc(endedBefore), ...pageParams, limit],
  );
  return rows.map((row) => ({ id: row.id, status: row.status, holdEndedAt: fromMysqlUtc(row.hold_ended_at) }));
}
