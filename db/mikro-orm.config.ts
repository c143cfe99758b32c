import { join } from 'node:path';
import { defineConfig } from '@mikro-orm/mysql';
import { Migrator } from '@mikro-orm/migrations';
import { ALL_ENTITIES } from './entities';
import { ALL_MIGRATIONS } from './migrations';

/** Connections per process. Stock commits are short transactions; a few connections serve many activities. */
const POOL_SIZE = 10;

/**
 * The one ORM configuration, used by the API, the worker, the migrate CLI and the tests.
 * The schema is owned by the hand-written migrations, not by the entity metadata: the entities
 * do not describe the CHECK constraints, so never run `schema:update` (it would drop them).
 */
export function createOrmConfig(databaseUrl: string, poolSize = POOL_SIZE) {
  return defineConfig({
    clientUrl: databaseUrl,
    entities: ALL_ENTITIES,
    extensions: [Migrator],
    // The ORM writes and reads DATETIMEs as UTC; the session time zone is set to match so the
    // columns' CURRENT_TIMESTAMP defaults are UTC too, whatever the server's own zone is.
    forceUtcTimezone: true,
    pool: {
      min: 0,
      max: poolSize,
      afterCreate: (connection: { query: (sql: string, done: (error: Error | null) => void) => void }, done: (error: Error | null, connection: unknown) => void) => {
        connection.query("SET time_zone = '+00:00'", (error) => done(error, connection));
      },
    },
    debug: false,
    migrations: {
      // Migrations are hand-written and listed explicitly (see migrations/index.ts); path and
      // pathTs only tell `mikro-orm migration:create` where to put a new one.
      migrationsList: ALL_MIGRATIONS,
      path: join(__dirname, 'migrations'),
      pathTs: join(__dirname, 'migrations'),
      emit: 'ts',
      snapshot: false,
      // MySQL commits implicitly around every DDL statement, so a migration transaction would be a
      // pretence (knex warns about it). A failed migration has to be repaired by hand either way.
      transactional: false,
      // migrateUp returns the names applied; callers decide what to print.
      silent: true,
    },
  });
}
