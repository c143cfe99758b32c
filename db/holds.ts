import type { MikroORM } from '@mikro-orm/core';
import { forkSql, select } from './sql';

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
        AND NOT EXISTS (
          SELECT 1 FROM stock_movement sale
           WHERE sale.order_id = line.order_id AND sale.product_id = line.product_id AND sale.kind = 'SALE'
             AND NOT EXISTS (
               SELECT 1 FROM stock_movement restore
                WHERE restore.order_id = sale.order_id AND restore.product_id = sale.product_id AND restore.kind = 'RESTORE'))
      GROUP BY line.product_id`,
  );
  return new Map(rows.map((row) => [Number(row.product_id), Number(row.units)]));
}
