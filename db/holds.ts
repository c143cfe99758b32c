import type { MikroORM } from '@mikro-orm/core';
import { forkSql, select } from './sql';

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
 * Units each product has promised to orders still holding stock (PENDING or RESERVED) whose sale is not yet in
 * MySQL's stock (no SALE movement, or one already undone by a RESTORE). Availability = stock − these units.
 */
export async function unitsHeldByOpenOrders(orm: MikroORM): Promise<Map<number, number>> {
  const rows = await select<{ product_id: number; units: string | number }>(
    forkSql(orm),
    `SELECT line.product_id, SUM(line.quantity) AS units
       FROM order_line line
       JOIN orders o ON o.id = line.order_id
      WHERE o.status IN ('PENDING', 'RESERVED')
        AND NOT ${LINE_IS_SOLD}
      GROUP BY line.product_id`,
  );
  return new Map(rows.map((row) => [Number(row.product_id), Number(row.units)]));
}

export interface RecordedHoldRow {
  orderId: string;
  units: number;
  sold: boolean;
  lines: { productId: number; quantity: number }[];
}

/**
 * The orders MySQL records as RESERVED with a line of `productId`: each with its units of that product, whether
 * its sale is already in the stock (a SALE movement not undone by a RESTORE), and all of its lines.
 * PENDING orders are left out: their reservation has not been confirmed, and their own reserve step decides it.
 */
export async function recordedHoldsOfProduct(orm: MikroORM, productId: number): Promise<RecordedHoldRow[]> {
  const rows = await select<{ order_id: string; product_id: number; quantity: number; sold: number }>(
    forkSql(orm),
    `SELECT line.order_id, line.product_id, line.quantity,
            ${LINE_IS_SOLD} AS sold
       FROM order_line line
       JOIN orders o ON o.id = line.order_id AND o.status = 'RESERVED'
      WHERE line.order_id IN (SELECT order_id FROM order_line WHERE product_id = ?)
      ORDER BY line.order_id, line.product_id`,
    [productId],
  );
  const holds = new Map<string, RecordedHoldRow>();
  for (const row of rows) {
    const hold = holds.get(row.order_id) ?? { orderId: row.order_id, units: 0, sold: false, lines: [] };
    hold.lines.push({ productId: Number(row.product_id), quantity: Number(row.quantity) });
    if (Number(row.product_id) === productId) {
      hold.units = Number(row.quantity);
      hold.sold = Number(row.sold) === 1;
    }
    holds.set(row.order_id, hold);
  }
  return [...holds.values()];
}
