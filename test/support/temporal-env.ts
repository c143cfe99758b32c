import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { TEMPORAL_TEST_SERVER, requireBinary } from '../../temporal/binaries';
import { ORDER_SEARCH_ATTRIBUTES } from '../../temporal/names';

/**
 * The time-skipping test server from .venv (installed by `npm ci`): nothing is downloaded at test time.
 * It starts without custom search attributes, so the order's are registered as on the dev server.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: requireBinary(TEMPORAL_TEST_SERVER) } },
  });
  const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(ORDER_SEARCH_ATTRIBUTES.map((key) => [key.name, keyword])),
  });
  return env;
}
