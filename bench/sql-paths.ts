/**
 * `tsx bench/sql-paths.ts`: CPU per statement of this process on each path the db layer offers, one after the other in
 * one process (the same upsert, `SQL_PATHS_COUNT` times each, 2,000 by default, after a warm-up): the EntityManager's
 * `execute` (db/sql.ts), the driver's (db/driver.ts), and a transaction of one statement on each. CPU time of this
 * process only (process.cpuUsage), so other work on the machine slows the wall clock more than these figures.
 * Uses BENCH_DATABASE_URL's database (the hold_release table, keys `sql-paths-*`).
 */
import './databases';
import { loadavg } from 'node:os';
import { loadConfig } from '../config';
import { driverOf } from '../db/driver';
import { openOrm } from '../db/orm';
import { migrateUp } from '../db/migrate';
import { forkSql, run } from '../db/sql';
import { numberArg, printTable, round } from './lib';

const UPSERT = 'INSERT INTO hold_release (order_id) VALUES (?) ON DUPLICATE KEY UPDATE order_id = order_id';

async function main(): Promise<void> {
  const count = numberArg('count', 'SQL_PATHS_COUNT', 2_000);
  const orm = await openOrm(loadConfig().DATABASE_URL);
  await migrateUp(orm);
  const driver = driverOf(orm);
  const key = (i: number) => [`sql-paths-${i % 50}`];
  const paths: Array<[string, (i: number) => Promise<unknown>]> = [
    ['EntityManager execute (forkSql + run)', (i) => run(forkSql(orm), UPSERT, key(i))],
    ['driver run', (i) => driver.run(UPSERT, key(i))],
    ['em.transactional, one statement', (i) => forkSql(orm).transactional((tx) => run(tx, UPSERT, key(i)))],
    ['driver transaction, one statement', (i) => driver.transaction((tx) => tx.run(UPSERT, key(i)))],
  ];
  const rows: Array<[string, number, number]> = [];
  try {
    for (const [name, statement] of paths) {
      for (let i = 0; i < 200; i += 1) await statement(i);
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      for (let i = 0; i < count; i += 1) await statement(i);
      const cpu = process.cpuUsage(cpuBefore);
      rows.push([name, round((cpu.user + cpu.system) / count, 1), round(((performance.now() - started) * 1000) / count, 1)]);
    }
  } finally {
    await orm.close();
  }
  printTable(`CPU µs per statement of this process, ${count} each (load average ${loadavg().map((load) => load.toFixed(2)).join(' ')})`, [
    ['path', 'CPU µs', 'wall µs'],
    ...rows,
  ]);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
