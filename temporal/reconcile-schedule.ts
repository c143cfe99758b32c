/**
 * The schedule that runs the reconciler (workflows/reconcile.ts). Every worker process makes sure of it at start-up:
 * created when missing, brought to the configured interval and bound when it exists, so a deploy that changes
 * RECONCILE_INTERVAL changes the schedule, and any number of workers starting at once leave one schedule.
 */
import { Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ScheduleOptionsStartWorkflowAction, type ScheduleSpec } from '@temporalio/client';
import type { reconcileWorkflow } from '../workflows/reconcile';
import { RECONCILE_SCHEDULE_ID, RECONCILE_TASK_QUEUE } from './names';

export interface ReconcileScheduleOptions {
  /** RECONCILE_INTERVAL. */
  intervalMs: number;
  /** RECONCILE_SWEEP_AFTER, handed to every run. */
  sweepAfterMs: number;
  /** The reconcile task queue in production; tests use their own. */
  taskQueue?: string;
  scheduleId?: string;
}

/** A run that has not finished in this long is cut off (the next one starts over), so SKIP never waits on it for good. */
const RUN_TIMEOUT = '15m';
/** The server's smallest catch-up window: after an outage one run catches up, not one per missed interval. */
const MIN_CATCHUP_WINDOW_MS = 10_000;

export async function ensureReconcileSchedule(client: Client, options: ReconcileScheduleOptions): Promise<'created' | 'updated'> {
  const scheduleId = options.scheduleId ?? RECONCILE_SCHEDULE_ID;
  const spec: ScheduleSpec = { intervals: [{ every: options.intervalMs }] };
  const action: ScheduleOptionsStartWorkflowAction<typeof reconcileWorkflow> = {
    type: 'startWorkflow',
    workflowType: 'reconcileWorkflow',
    workflowId: scheduleId,
    taskQueue: options.taskQueue ?? RECONCILE_TASK_QUEUE,
    args: [{ sweepAfterMs: options.sweepAfterMs }],
    workflowExecutionTimeout: RUN_TIMEOUT,
    staticSummary: 'Sweep orders left open by a closed workflow; repair availability drift on quiet products',
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: Math.max(options.intervalMs, MIN_CATCHUP_WINDOW_MS) };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action, policies }));
  return 'updated';
}
