import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { ReconcileActivities } from '../activities/reconcile';
import { RECONCILE_TASK_QUEUE } from '../temporal/names';

export interface ReconcileWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  activities: ReconcileActivities;
  /** The reconcile task queue in production; tests give each run a queue of its own. */
  taskQueue?: string;
  /** The payload codec (temporal/codec.ts), as the order worker's: reports name orders. */
  dataConverter?: DataConverter;
}

/** Runs the reconcile workflow and its activities on their own task queue, beside the order worker in the same process. */
export function createReconcileWorker(options: ReconcileWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? RECONCILE_TASK_QUEUE,
    workflowsPath: require.resolve('../workflows/reconcile'),
    activities: options.activities,
    // One run at a time (the schedule skips overlaps); a second worker process is a spare, not a second reconciler.
    maxConcurrentActivityTaskExecutions: 2,
    shutdownGraceTime: '10s',
    dataConverter: options.dataConverter,
  });
}
