/**
 * Every SQL statement this process sends, through the ORM (knex's `query` event, BEGIN and COMMIT included) or on the
 * driver (db/driver.ts announces its statements on the same event). For counting statements per order: the worker
 * exports the count as a metric, and bench:saga divides it by the orders of each phase.
 */
import type { MikroORM } from '@mikro-orm/core';
import { SqlEntityManager } from '@mikro-orm/mysql';

export function onEveryStatement(orm: MikroORM, listener: (sql: string) => void): void {
  const em = orm.em;
  if (!(em instanceof SqlEntityManager)) throw new TypeError('the db layer needs MikroORM with the MySQL driver (see db/orm.ts)');
  em.getKnex().on('query', (query: { sql: string }) => listener(query.sql));
}
