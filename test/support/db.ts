/**
 * The real MariaDB for tests. Test files share one database and run serially, but must never
 * assume an empty table: every product and order a test makes gets a unique name.
 */
import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import { loadConfig } from '../../config';
import { createProduct, type Product } from '../../db/catalogue';
import { migrateUp } from '../../db/migrate';
import { openOrm } from '../../db/orm';
import { forkSql, run, select } from '../../db/sql';

let migrated = false;

/** Opens the ORM on DATABASE_URL and brings the schema up to date (once per test file). Close it in afterAll. */
export async function openTestOrm(options: { poolSize?: number } = {}): Promise<MikroORM> {
  const orm = await openOrm(loadConfig().DATABASE_URL, options);
  if (!migrated) {
    await migrateUp(orm);
    migrated = true;
  }
  return orm;
}

/** A short random suffix that keeps names from colliding with other tests' rows and earlier runs. */
export function uniqueSuffix(): string {
  return randomUUID().slice(0, 8);
}

export function uniqueOrderId(label = 'order'): string {
  return `test-${label}-${randomUUID()}`;
}

/** A fresh product with its own sku; stock 10 and 10.00 unless told otherwise. */
export function createTestProduct(orm: MikroORM, options: { stock?: number; priceCents?: number; label?: string } = {}): Promise<Product> {
  const label = options.label ?? 'product';
  return createProduct(orm, {
    sku: `test-${label}-${uniqueSuffix()}`,
    name: `Test ${label}`,
    priceCents: options.priceCents ?? 1_000,
    stock: options.stock ?? 10,
  });
}

/** The product's stock as stored now, read past any identity map. */
export async function readStock(orm: MikroORM, productId: number): Promise<number> {
  const [row] = await select<{ stock: number }>(forkSql(orm), 'SELECT stock FROM product WHERE id = ?', [productId]);
  if (!row) throw new Error(`product ${productId} does not exist`);
  return row.stock;
}

/** The order's stock movements, e.g. [{ productId: 3, kind: 'SALE', delta: -2 }]. */
export function readMovements(orm: MikroORM, orderId: string): Promise<Array<{ productId: number; kind: string; delta: number }>> {
  return select(forkSql(orm), 'SELECT product_id AS productId, kind, delta FROM stock_movement WHERE order_id = ? ORDER BY product_id, kind', [orderId]);
}

/**
 * Runs `use` on a brand-new, empty database of its own (created on open, dropped after), for
 * tests that need to start from nothing without touching the shared database.
 */
export async function withScratchDatabase<T>(use: (orm: MikroORM) => Promise<T>): Promise<T> {
  const name = `test_scratch_${uniqueSuffix()}`;
  const url = new URL(loadConfig().DATABASE_URL);
  url.pathname = `/${name}`;
  const orm = await openOrm(url.toString()); // MikroORM creates the missing database
  try {
    return await use(orm);
  } finally {
    await run(forkSql(orm), `DROP DATABASE \`${name}\``);
    await orm.close();
  }
}
