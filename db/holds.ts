import { IsolationLevel, type MikroORM } from '@mikro-orm/core';
import { driverOf } from './driver';
import { forkSql, run, select } from './sql';

/**
 * SQL condition on an `order_line` aliased `line`: its sale is in MySQL's stock, i.e. it has a SALE movement not
 * undone by a RESTORE. Recovery, the holds it subtracts and the invariant checker all need this one rule.
 */
export const LINE_IS_SOLD = `EXISTS (
  SELECT 1 FROM stock_movement sale
   WHERE sale.order_id = line.order_id AND sale.product_id = line.product_id AND sale.kind = 'SALE'
     AND NOT EXISTS (
       SELECT 1 FROM stock_movement restore
        WHERE restore.order_id = sale.order_id AND restore.product_id = sale.product_id AND restore.kind = 'RESTORE'))`;

/**
 * SQL condition on an `orders` aliased `o`: the order has recorded that it let go of its Redis hold (hold_release).
 * Written before Redis gives the units back, so from that moment MySQL no longer counts the order as holding.
 */
export const HOLD_IS_RELEASED = 'EXISTS (SELECT 1 FROM hold_release released WHERE released.order_id = o.id)';

/** Records, before Redis gives its units back, that the order lets go of its hold. Idempotent. */
export async function recordHoldRelease(orm: MikroORM, orderId: string): Promise<void> {
  await run(driverOf(orm), 'INSERT INTO hold_release (order_id) VALUES (?) ON DUPLICATE KEY UPDATE order_id = order_id', [orderId]);
}

/** Whether MySQL records the order CONFIRMED: its sale is then in the stock, and its settle has run before. */
export async function isRecordedConfirmed(orm: MikroORM, orderId: string): Promise<boolean> {
  const [row] = await select<{ status: string }>(driverOf(orm), 'SELECT status FROM orders WHERE id = ?', [orderId]);
  return row?.status === 'CONFIRMED';
}

/**
 * Units each product has promised to orders still holding stock (PENDING or RESERVED, hold not released) whose sale
 * is not yet in MySQL's stock (no SALE movement, or one already undone by a RESTORE). Availability = stock − these.
 */
export async function unitsHeldByOpenOrders(orm: MikroORM): Promise<Map<number, number>> {
  const rows = await select<{ product_id: number; units: string | number }>(
    forkSql(orm),
    `SELECT line.product_id, SUM(line.quantity) AS units
       FROM order_line line
       JOIN orders o ON o.id = line.order_id
      WHERE o.status IN ('PENDING', 'RESERVED')
        AND NOT ${HOLD_IS_RELEASED}
        AND NOT ${LINE_IS_SOLD}
      GROUP BY line.product_id`,
  );
  return new Map(rows.map((row) => [Number(row.product_id), Number(row.units)]));
}

/** An order MySQL records as open (PENDING or RESERVED) with a line of the product being rebuilt. */
export interface RecordedHoldRow {
  orderId: string;
  /** Its units of the product being rebuilt. */
  units: number;
  /** Whether its sale of this product is in MySQL's stock (a SALE movement not undone by a RESTORE). */
  sold: boolean;
  /** RESERVED (MySQL says it holds stock) rather than PENDING (its reservation may not have happened). */
  reserved: boolean;
  /** Whether it has recorded letting go of its hold (hold_release): Redis gives, or gave, its units back. */
  released: boolean;
  /** All of its lines, to recreate a lost hold whole. */
  lines: { productId: number; quantity: number }[];
}

/** What a rebuild of one product's availability reads from MySQL: its stock and its open orders, as of one moment. */
export interface RebuildSnapshot {
  productId: number;
  /** null when the product does not exist. */
  stock: number | null;
  holds: RecordedHoldRow[];
}

/**
 * Reads the product's stock and its open orders in one REPEATABLE READ transaction, so both are as of the same
 * moment: read apart, a sale committed (or restored) between the two reads would be counted in one and not the
 * other, and the rebuilt availability would be off by that order's units for good.
 */
export async function readRebuildSnapshot(orm: MikroORM, productId: number): Promise<RebuildSnapshot> {
  return forkSql(orm).transactional(
    async (tx) => {
      const [product] = await select<{ stock: number }>(tx, 'SELECT stock FROM product WHERE id = ?', [productId]);
      if (!product) return { productId, stock: null, holds: [] };
      const rows = await select<{ order_id: string; product_id: number; quantity: number; sold: number; status: string; released: number }>(
        tx,
        `SELECT line.order_id, line.product_id, line.quantity, o.status,
                ${LINE_IS_SOLD} AS sold, ${HOLD_IS_RELEASED} AS released
           FROM order_line line
           JOIN orders o ON o.id = line.order_id AND o.status IN ('PENDING', 'RESERVED')
          WHERE line.order_id IN (SELECT order_id FROM order_line WHERE product_id = ?)
          ORDER BY line.order_id, line.product_id`,
        [productId],
      );
      const holds = new Map<string, RecordedHoldRow>();
      for (const row of rows) {
        const hold = holds.get(row.order_id) ?? {
          orderId: row.order_id,
          units: 0,
          sold: false,
          reserved: row.status === 'RESERVED',
          released: Number(row.released) === 1,
          lines: [],
        };
        hold.lines.push({ productId: Number(row.product_id), quantity: Number(row.quantity) });
        if (Number(row.product_id) === productId) {
          hold.units = Number(row.quantity);
          hold.sold = Number(row.sold) === 1;
        }
        holds.set(row.order_id, hold);
      }
      return { productId, stock: Number(product.stock), holds: [...holds.values()] };
    },
    { isolationLevel: IsolationLevel.REPEATABLE_READ },
  );
}
