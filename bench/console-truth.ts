/**
 * What the operator console's counters should read at a given moment, from the stores themselves: MySQL (orders,
 * stock), Redis (availability) and Temporal (order workflows running). Plain queries written for this check, not the
 * console's own (db/console-queries.ts), so a wrong console query shows as a difference instead of agreeing with itself.
 */
import type { MikroORM } from '@mikro-orm/core';
import { forkSql, select } from '../db/sql';
import type { Inventory } from '../inventory/inventory';

export interface ConsoleCounters {
  /** The drop's product: Redis availability and MySQL stock. */
  available: number | null;
  stock: number | null;
  /** Over the console's window: orders placed, orders confirmed, their revenue. */
  placed: number | null;
  confirmed: number | null;
  revenueCents: number | null;
  /** Now: orders holding stock (PENDING or RESERVED in MySQL) and order workflows running in Temporal. */
  holdingStock: number | null;
  sagasInFlight: number | null;
}

const utc = (date: Date) => date.toISOString().replace('T', ' ').replace('Z', '');

export async function readTruth(
  deps: { orm: MikroORM; inventory: Inventory; countRunningOrderWorkflows: () => Promise<number> },
  productId: number,
  windowSeconds: number,
): Promise<ConsoleCounters> {
  const since = utc(new Date(Date.now() - windowSeconds * 1000));
  const em = forkSql(deps.orm);
  const count = async (sql: string, params: unknown[] = []) => Number((await select<{ n: number | string | null }>(em, sql, params))[0].n ?? 0);
  const [available, sagasInFlight] = await Promise.all([
    deps.inventory.available(productId),
    deps.countRunningOrderWorkflows(),
  ]);
  // One EntityManager runs one query at a time.
  const stock = await count('SELECT stock AS n FROM product WHERE id = ?', [productId]);
  const placed = await count('SELECT COUNT(*) AS n FROM orders WHERE created_at >= ?', [since]);
  const confirmed = await count("SELECT COUNT(*) AS n FROM orders WHERE status = 'CONFIRMED' AND updated_at >= ?", [since]);
  const revenueCents = await count("SELECT SUM(total_cents) AS n FROM orders WHERE status = 'CONFIRMED' AND updated_at >= ?", [since]);
  const holdingStock = await count("SELECT COUNT(*) AS n FROM orders WHERE status IN ('PENDING', 'RESERVED')");
  return { available, stock, placed, confirmed, revenueCents, holdingStock, sagasInFlight };
}
