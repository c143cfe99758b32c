/**
 * The no-op baseline of bench/saga.ts: the order workflow's shape (an Update-with-Start that answers after the first
 * steps, a pay Update that answers after the next ones, then a tail after the answer) with activities that do
 * nothing. Each step is what a CONFIRMED order's history shows, in its order: a scheduled activity, a local activity
 * or a search-attribute upsert; and, like the order's hold, a timer started once placed and cancelled by the payment.
 * So the baseline pays the same server round trips and the same writes (history events, timer and visibility
 * tasks). Run on its own task queue by a worker process of its own (bench/noop-worker-main.ts) against the same dev
 * server, it measures what Temporal itself costs for those steps and messages on this machine.
 *
 * Workflow code: deterministic, imports @temporalio/workflow only (activities by type).
 */
import { condition, defineUpdate, proxyActivities, proxyLocalActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { orderStatusKey } from '../temporal/names';
import type { NoopActivities } from './noop-activities';

export const NOOP_TASK_QUEUE = 'bench-noop';

/**
 * 'activity': scheduled through the server (ActivityTaskScheduled); 'local': a local activity (a marker);
 * 'upsert': a search-attribute upsert (the order's status, which the server also writes to its visibility store).
 */
export type StepKind = 'activity' | 'local' | 'upsert';

export interface NoopShape {
  /** Steps before the place Update answers (the order's PENDING record, reserve, RESERVED record). */
  beforePlace: StepKind[];
  /** Steps between the pay Update's acceptance and its answer (authorise, commit, capture, settle, CONFIRMED record). */
  beforePaid: StepKind[];
  /** Steps after the pay answer (the notification). */
  afterPaid: StepKind[];
  /** The order's hold: a timer of this length started once placed and cancelled by the payment (absent: none). */
  holdTimerMs?: number;
}

export const placeNoopUpdate = defineUpdate<string>('placeNoop');
export const payNoopUpdate = defineUpdate<string>('payNoop');

export async function noopWorkflow(shape: NoopShape): Promise<string> {
  // The order workflow's store-step options (10 s start-to-close, retries from 100 ms).
  const options = { startToCloseTimeout: '10s', retry: { initialInterval: '100ms', backoffCoefficient: 2 } } as const;
  const scheduled = proxyActivities<NoopActivities>(options);
  const local = proxyLocalActivities<NoopActivities>(options);
  const run = async (steps: StepKind[]) => {
    for (let i = 0; i < steps.length; i += 1) {
      if (steps[i] === 'upsert') upsertSearchAttributes([{ key: orderStatusKey, value: `NOOP_STEP_${i}` }]);
      else await (steps[i] === 'local' ? local : scheduled).noop(i);
    }
  };

  let placed = false;
  let payRequested = false;
  let paid = false;
  setHandler(placeNoopUpdate, async () => {
    await condition(() => placed);
    return 'RESERVED';
  });
  setHandler(payNoopUpdate, async () => {
    payRequested = true;
    await condition(() => paid);
    return 'CONFIRMED';
  });
  await run(shape.beforePlace);
  placed = true;
  // Never runs out in a benchmark (the hold is minutes); with a timeout, condition starts a timer and cancels it.
  await (shape.holdTimerMs === undefined ? condition(() => payRequested) : condition(() => payRequested, shape.holdTimerMs));
  await run(shape.beforePaid);
  paid = true;
  await run(shape.afterPaid);
  return 'DONE';
}
