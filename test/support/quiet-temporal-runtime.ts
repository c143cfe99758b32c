/**
 * Jest setup (every test file): the Temporal SDK's runtime logger at WARN, one line per record. At its default it
 * prints every worker state change and the bundler's module list; and the activity failures that tests provoke on
 * purpose (declines, retries) would each print a stack trace. A line the running test declared expected
 * (`expectTemporalWarnings`, test/support/temporal-warnings.ts) is not printed; every other one is. The native core's
 * own few warnings are not forwarded here: forwarding keeps the process alive after a file that starts no worker, and
 * Jest would not exit. The runtime can be configured only before its first use in a module registry, which is why
 * this runs before any test code.
 */
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { isExpectedWarning } from './temporal-warnings';

function oneLine({ level, message, meta, timestampNanos }: LogEntry): void {
  const { activityType, workflowType, workflowId, error } = (meta ?? {}) as Record<string, unknown>;
  const where = [workflowType, activityType, workflowId].filter(Boolean).join(' ');
  const why = error instanceof Error ? `: ${error.message}` : '';
  const line = `[temporal ${level}] ${message}${where ? ` (${where})` : ''}${why}`;
  if (!isExpectedWarning(line, timestampNanos)) process.stderr.write(`${line}\n`);
}

// The native core prints straight to stderr. Its warnings in tests are about the test servers, not the code under test
// (the time-skipping server does not advertise the heartbeat-details capability of Server 1.16; a workflow task slowed
// past 5 s by a busy machine): errors only.
Runtime.install({ logger: new DefaultLogger('WARN', oneLine), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, console: {} } } });
