/**
 * A received return's sellable units go back on sale: into MySQL's stock with a RETURN movement keyed by (order,
 * product, RETURN, return id), in one transaction, then into Redis's availability, rebuilt from MySQL. Run twice (a
 * retry, a worker that died between the two), the second transaction hits the unique key and rolls back, and the
 * rebuild counts the units once more from MySQL, where they are once: the units come back exactly once.
 */
import type { MikroORM } from '@mikro-orm/core';
import { isDuplicateKey } from '../db/errors';
import { forkSql, placeholders, run } from '../db/sql';
import { STOCK_TRANSACTION } from '../db/transactions';
import type { Inventory } from '../inventory/inventory';
import { resyncAvailability } from '../inventory/availability-sync';
import type { StockLine } from '../workflows/order-types';

export interface RestockReturnInput {
  orderId: string;
  returnId: string;
  /** Sellable units only, one line per product. */
  lines: StockLine[];
}

export function createReturnStockActivities(orm: MikroORM, inventory: Inventory) {
  return {
    async restockReturn({ orderId, returnId, lines }: RestockReturnInput): Promise<void> {
      if (lines.length === 0) return;
      await putBackInMySql(orm, orderId, returnId, lines);
      for (const line of lines) await resyncAvailability(orm, inventory, line.productId);
    },
  };
}

/** True when this call put the units back, false when an earlier one had. */
export async function putBackInMySql(orm: MikroORM, orderId: string, returnId: string, lines: StockLine[]): Promise<boolean> {
  try {
    await forkSql(orm).transactional(async (tx) => {
      for (const line of lines) await run(tx, 'UPDATE product SET stock = stock + ? WHERE id = ?', [line.quantity, line.productId]);
      await run(
        tx,
        `INSERT INTO stock_movement (order_id, product_id, kind, ref, delta) VALUES ${placeholders(lines.length, 5)}`,
        lines.flatMap((line) => [orderId, line.productId, 'RETURN', returnId, line.quantity]),
      );
    }, STOCK_TRANSACTION);
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}
