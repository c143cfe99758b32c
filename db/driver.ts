/**
 * The saga's hot statements on the MySQL driver itself (mysql2), on the connections of the ORM's own pool. An order
 * writes a handful of rows at each step; through the EntityManager each statement costs about 2.7 × the driver's CPU
 * (150 against 57 µs in one process, 2,000 upserts), and an `em.transactional` of one statement 470 µs, for the fork,
 * the unit of work and the knex query builder, none of which these fixed, bound statements use. MikroORM keeps the
 * model, the migrations and every other query; this is for the few statements every order runs.
 *
 * Parameters are always bound (mysql2 escapes them). Connections are the pool's, with its settings (UTC session time
 * zone, DATETIMEs as strings, CLIENT_FOUND_ROWS): `affectedRows` counts matched rows, as db/sql.ts `run` does. Each
 * statement is announced on the ORM's knex `query` event, as the ORM's own are, so one listener counts both
 * (db/statement-count.ts).
 */
import type { MikroORM } from '@mikro-orm/core';
import { SqlEntityManager } from '@mikro-orm/mysql';
import type { Knex } from '@mikro-orm/knex';

/** What a write reports. */
export interface WriteResult {
  affectedRows: number;
  insertId: number;
}

/** Statements on one connection: the pool's for one statement, or a transaction's. */
export interface Statements {
  run(sql: string, params?: unknown[]): Promise<WriteResult>;
  select<Row extends object>(sql: string, params?: unknown[]): Promise<Row[]>;
}

export interface Driver extends Statements {
  /**
   * Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws (the
   * error is rethrown). `readCommitted` sets that isolation level for this transaction only (one more statement).
   */
  transaction<T>(work: (tx: Statements) => Promise<T>, options?: { readCommitted?: boolean }): Promise<T>;
}

/** The mysql2 connection as the pool hands it out (callback API). */
interface PooledConnection {
  query(sql: string, params: unknown[] | undefined, done: (error: Error | null, result: unknown) => void): void;
}

interface KnexClient {
  acquireConnection(): Promise<PooledConnection>;
  releaseConnection(connection: PooledConnection): Promise<unknown>;
  emit(event: 'query', query: { sql: string; bindings: unknown[] }): boolean;
}

const drivers = new WeakMap<MikroORM, Driver>();

/** The driver of this ORM's pool (one per ORM, made on first use). */
export function driverOf(orm: MikroORM): Driver {
  let driver = drivers.get(orm);
  if (!driver) {
    driver = createDriver(orm);
    drivers.set(orm, driver);
  }
  return driver;
}

function createDriver(orm: MikroORM): Driver {
  const em = orm.em;
  if (!(em instanceof SqlEntityManager)) throw new TypeError('the db layer needs MikroORM with the MySQL driver (see db/orm.ts)');
  const client = (em.getKnex() as Knex & { client: KnexClient }).client;
  // MySQL's errors as the ORM reports them (UniqueConstraintViolationException...), so db/errors.ts reads both alike.
  const ormDriver = em.getDriver();

  const send = <T>(connection: PooledConnection, sql: string, params: unknown[] = []): Promise<T> => {
    client.emit('query', { sql, bindings: params });
    return new Promise((resolve, reject) =>
      connection.query(sql, params, (error, result) => (error ? reject(ormDriver.convertException(error)) : resolve(result as T))),
    );
  };
  const on = (connection: PooledConnection): Statements => ({
    run: async (sql, params) => {
      const { affectedRows, insertId } = await send<WriteResult>(connection, sql, params);
      return { affectedRows, insertId };
    },
    select: (sql, params) => send(connection, sql, params),
  });
  const withConnection = async <T>(work: (connection: PooledConnection) => Promise<T>): Promise<T> => {
    const connection = await client.acquireConnection();
    try {
      return await work(connection);
    } finally {
      await client.releaseConnection(connection);
    }
  };

  return {
    run: (sql, params) => withConnection((connection) => on(connection).run(sql, params)),
    select: (sql, params) => withConnection((connection) => on(connection).select(sql, params)),
    transaction: (work, { readCommitted = false } = {}) =>
      withConnection(async (connection) => {
        if (readCommitted) await send(connection, 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
        await send(connection, 'START TRANSACTION');
        try {
          const result = await work(on(connection));
          await send(connection, 'COMMIT');
          return result;
        } catch (error) {
          // Never hand the pool a connection inside a transaction. A rollback that fails leaves a broken connection,
          // which the pool's validation discards.
          await send(connection, 'ROLLBACK').catch(() => undefined);
          throw error;
        }
      }),
  };
}
