/**
 * Thin helpers for the few statements the ORM's unit of work cannot express: conditional updates
 * (`stock = stock - ? WHERE stock >= ?`), multi-row inserts and upserts. Parameters are always bound.
 * They run on the given EntityManager, so inside `em.transactional` they join its transaction.
 */
import type { MikroORM, QueryResult } from '@mikro-orm/core';
import { SqlEntityManager } from '@mikro-orm/mysql';
import type { Statements } from './driver';

export type Sql = SqlEntityManager;
/** Where a statement runs: an EntityManager (inside its transaction, if any) or the driver (db/driver.ts). */
export type Db = Sql | Statements;

/** A Date as the DATETIME(3) text MySQL compares with (the columns hold UTC, see mikro-orm.config.ts). */
export const mysqlUtc = (date: Date): string => date.toISOString().replace('T', ' ').replace('Z', '');

/** DATETIME columns hold UTC and come back from raw queries as text (or a Date): the Date they mean. */
export const fromMysqlUtc = (value: string | Date): Date => (value instanceof Date ? value : new Date(`${value.replace(' ', 'T')}Z`));

/**
 * A fresh EntityManager for one unit of work (never the global one: its identity map would be
 * shared by concurrent activities). Takes the driver-neutral MikroORM type so callers may hold
 * either; checks at run time that it really is the SQL driver these raw statements need.
 */
export function forkSql(orm: MikroORM): Sql {
  const em = orm.em.fork();
  if (!(em instanceof SqlEntityManager)) throw new TypeError('the db layer needs MikroORM with the MySQL driver (see db/orm.ts)');
  return em;
}

/** A write; affectedRows counts matched rows (the driver sets CLIENT_FOUND_ROWS). */
export async function run(db: Db, sql: string, params: unknown[] = []): Promise<QueryResult> {
  if (db instanceof SqlEntityManager) return db.execute<QueryResult>(sql, params, 'run');
  const { affectedRows, insertId } = await db.run(sql, params);
  return { affectedRows, insertId, rows: [] };
}

/** A read; DATETIME columns come back as UTC strings here, so prefer entities when dates matter. */
export function select<Row extends object>(db: Db, sql: string, params: unknown[] = []): Promise<Row[]> {
  return db instanceof SqlEntityManager ? db.execute<Row[]>(sql, params, 'all') : db.select<Row>(sql, params);
}

/** `(?, ?, ?), (?, ?, ?)` for a multi-row insert of `rowCount` rows of `columnCount` values. */
export function placeholders(rowCount: number, columnCount: number): string {
  const row = `(${Array.from({ length: columnCount }, () => '?').join(', ')})`;
  return Array.from({ length: rowCount }, () => row).join(', ');
}
