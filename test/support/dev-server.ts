import { TestWorkflowEnvironment, type LocalTestWorkflowEnvironmentOptions } from '@temporalio/testing';
import { TEMPORAL_CLI, requireBinary } from '../../temporal/binaries';
import { SQLITE_WAL_PRAGMA_ARGS } from '../../temporal/dev-server';
import { ORDER_SEARCH_ATTRIBUTES } from '../../temporal/names';

/** Dev-server settings a caller may change; the binary and the order search attributes are always ours. */
export type DevServerEnvOptions = Omit<NonNullable<LocalTestWorkflowEnvironmentOptions['server']>, 'executable' | 'searchAttributes'>;

/**
 * The REAL Temporal dev server (`temporal server start-dev` from .venv, installed by `npm ci`), ephemeral: in-memory
 * state, a random free port, no UI, and the order search attributes registered. Nothing is downloaded.
 * It gets the same SQLite pragmas as every dev server the project starts (WAL; they matter when a caller passes a
 * `dbFilename`, and the in-memory store accepts them). Call `teardown()` on the environment when done.
 */
export async function startDevServerEnv(options: DevServerEnvOptions = {}): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      // The server's own start-up warnings (a generated cluster id) are noise around the results.
      log: { format: 'pretty', level: 'error' },
      ...options,
      extraArgs: [...SQLITE_WAL_PRAGMA_ARGS, ...(options.extraArgs ?? [])],
      executable: { type: 'existing-path', path: requireBinary(TEMPORAL_CLI) },
      searchAttributes: ORDER_SEARCH_ATTRIBUTES,
    },
  });
}
