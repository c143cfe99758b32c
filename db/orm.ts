import { MikroORM } from '@mikro-orm/mysql';
import { createOrmConfig } from './mikro-orm.config';

export { MikroORM };

/** Thrown by openOrm when the database cannot be reached or refuses us; the message says where and why. */
export class DatabaseUnreachableError extends Error {
  /** Nothing answered at the address (as opposed to, say, a wrong password): starting the server may help. */
  readonly serverDown: boolean;

  constructor(
    readonly databaseUrl: string,
    readonly reason: string,
  ) {
    super(`MySQL is not reachable at ${redactPassword(databaseUrl)}: ${reason}`);
    this.name = 'DatabaseUnreachableError';
    this.serverDown = /ECONNREFUSED|ENOENT|ETIMEDOUT|EHOSTUNREACH/.test(reason);
  }
}

/**
 * Opens the ORM and checks the connection, so a process fails at start-up with a clear reason
 * instead of at its first query. Close it with `orm.close()`. `poolSize`: connections at most (default 10).
 */
export async function openOrm(databaseUrl: string, options: { poolSize?: number } = {}): Promise<MikroORM> {
  // Metadata first, without connecting: a mistake in an entity surfaces as itself, not as "unreachable".
  const orm = await MikroORM.init({ ...createOrmConfig(databaseUrl, options.poolSize), connect: false });
  try {
    await orm.connect(); // also creates the database when it is missing
    const check = await orm.checkConnection();
    if (!check.ok) throw new Error(check.reason ?? 'unknown reason');
  } catch (error) {
    await orm.close(true);
    throw new DatabaseUnreachableError(databaseUrl, describeError(error));
  }
  return orm;
}

/** A connection URL that is safe to print. */
export function redactPassword(databaseUrl: string): string {
  return databaseUrl.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0]);
  if (error instanceof Error) return error.message || (error as { code?: string }).code || error.name;
  return String(error);
}
