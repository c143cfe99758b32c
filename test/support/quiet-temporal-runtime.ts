/**
 * Jest setup (every test file): the Temporal SDK's runtime logger at WARN, one line per record. At its default it
 * prints every worker state change and the bundler's module list; and the activity failures that tests provoke on
 * purpose (declines, retries) would each print a stack trace. The runtime can be configured only before its first
 * use in a module registry, which is why this runs before any test code.
 */
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';

function oneLine({ level, message, meta }: LogEntry): void {
  const { activityType, workflowType, workflowId, error } = (meta ?? {}) as Record<string, unknown>;
  const where = [workflowType, activityType, workflowId].filter(Boolean).join(' ');
  const why = error instanceof Error ? `: ${error.message}` : '';
  process.stderr.write(`[temporal ${level}] ${message}${where ? ` (${where})` : ''}${why}\n`);
}

Runtime.install({ logger: new DefaultLogger('WARN', oneLine) });
