import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { MikroORM } from '@mikro-orm/core';
import { loadConfig } from '../../config';
import { isCheckViolation } from '../../db/errors';
import { migrateUp } from '../../db/migrate';
import { ALL_MIGRATIONS } from '../../db/migrations';
import { forkSql, run, select } from '../../db/sql';
import { createTestProduct, openTestOrm, withScratchDatabase } from '../support/db';

const runFile = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

async function tableNames(orm: MikroORM): Promise<string[]> {
  const rows = await select<{ name: string }>(
    forkSql(orm),
    'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name',
  );
  return rows.map((row) => row.name);
}

describe('migrations', () => {
  let orm: MikroORM;
  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(() => orm.close());

  it('build the schema in an empty database, then apply again harmlessly', async () => {
    // A database of its own, so the shared one is never dropped or rebuilt under other tests.
    await withScratchDatabase(async (scratch) => {
      expect(await migrateUp(scratch)).toEqual(ALL_MIGRATIONS.map((migration) => migration.name));
      expect(await migrateUp(scratch)).toEqual([]);
      expect(await tableNames(scratch)).toEqual(
        expect.arrayContaining(['coupon', 'coupon_claim', 'hold_release', 'notification', 'order_contact', 'order_line', 'orders', 'payment', 'payment_attempt', 'product', 'stock_movement', 'webhook_attempt', 'webhook_delivery', 'webhook_endpoint', 'webhook_event']),
      );
    });
  });

  it('leave nothing pending in the shared test database', async () => {
    expect(await migrateUp(orm)).toEqual([]);
  });

  it('let the database itself refuse negative stock', async () => {
    const product = await createTestProduct(orm, { stock: 1 });
    const error = await run(forkSql(orm), 'UPDATE product SET stock = stock - 2 WHERE id = ?', [product.id]).catch((e: unknown) => e);
    expect(isCheckViolation(error)).toBe(true);
    expect(String(error)).toContain('product_stock_not_negative');
  });

  it('refuse a stock movement whose sign or order does not fit its kind', async () => {
    const product = await createTestProduct(orm);
    const insert = (orderId: string | null, kind: string, delta: number) =>
      run(forkSql(orm), 'INSERT INTO stock_movement (order_id, product_id, kind, delta) VALUES (?, ?, ?, ?)', [orderId, product.id, kind, delta]);
    for (const [orderId, kind, delta] of [['some-order', 'SALE', 1], [null, 'SALE', -1], ['some-order', 'RESTOCK', 1]] as const) {
      const error = await insert(orderId, kind, delta).catch((e: unknown) => e);
      expect(isCheckViolation(error)).toBe(true);
    }
  });
});

describe('npm run db:migrate (db/migrate-main.ts under tsx)', () => {
  const migrateMain = (databaseUrl: string) =>
    runFile(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'db', 'migrate-main.ts')], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl },
    });

  it('reports an up-to-date schema', async () => {
    const { stdout } = await migrateMain(loadConfig().DATABASE_URL);
    expect(stdout.trim()).toBe('database schema is up to date');
  });

  it('explains in one line, and exits 1, when MySQL is not reachable', async () => {
    const failure = await migrateMain('mysql://root:secret@127.0.0.1:1/test').then(
      () => {
        throw new Error('expected the migration to fail');
      },
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure.code).toBe(1);
    const lines = failure.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^MySQL is not reachable at mysql:\/\/root:\*\*\*@127\.0\.0\.1:1\/test: .*ECONNREFUSED.*\. Start it with: start-stop-daemon/);
  });
});
