import type { Client } from '@temporalio/client';

const COUNT_TIMEOUT_MS = 2_000;

export type SagasInFlight = { count: number } | { count: null; error: string };

/**
 * Order workflows still running on the task queue, counted by Temporal's visibility store (the dev server's, or a
 * cluster's advanced visibility). The console shows the figure beside MySQL's open orders: a saga in flight is an
 * order between placement and its outcome, compensations included. Unavailable Temporal gives the reason, not a failure.
 */
export async function countSagasInFlight(temporal: Client, taskQueue: string): Promise<SagasInFlight> {
  const query = `WorkflowType = 'orderWorkflow' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue.replaceAll("'", "\\'")}'`;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`Temporal did not answer within ${COUNT_TIMEOUT_MS} ms`)), COUNT_TIMEOUT_MS);
  });
  try {
    // The deadline cancels the call itself; the race only words the answer when it passes.
    const { count } = await Promise.race([temporal.withDeadline(Date.now() + COUNT_TIMEOUT_MS, () => temporal.workflow.count(query)), timeout]);
    return { count };
  } catch (error) {
    return { count: null, error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
