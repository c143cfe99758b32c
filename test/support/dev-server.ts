import { TestWorkflowEnvironment, type LocalTestWorkflowEnvironmentOptions } from '@temporalio/testing';
import { TEMPORAL_CLI, requireBinary } from '../../temporal/binaries';
import { ORDER_SEARCH_ATTRIBUTES } from '../../temporal/names';

/** Dev-server settings a caller may change; the binary and the order search attributes are always ours. */
export type DevServerEnvOptions = Omit<NonNullable<LocalTestWorkflowEnvironmentOptions['server']>, 'executable' | 'searchAttributes'>;

/**
 * The REAL Temporal dev server (`temporal server start-dev` from .venv, installed by `npm ci`), ephemeral: in-memory
 * state, a random free port, no UI, and the order search attributes registered. Nothing is downloaded.
 * Call `teardown()` on the environment when done; it stops the server.
 */
export async function startDevServerEnv(options: DevServerEnvOptions = {}): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      ...options,
      executable: { type: 'existing-path', path: requireBinary(TEMPORAL_CLI) },
      searchAttributes: ORDER_SEARCH_ATTRIBUTES,
    },
  });
}
