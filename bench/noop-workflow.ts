/**
 * The no-op baseline of bench/saga.ts: the order workflow's shape (an Update-with-Start that answers after the first
 * steps, a pay Update that answers after the next ones, then a tail after the answer) with activities that do
 * nothing. Each step is a scheduled activity or a local activity, in the order a CONFIRMED order's history shows
 * them, so the baseline pays the same server round trips. Run on its own task queue by an in-process worker against
 * the same dev server, it measures what Temporal itself costs for those steps and messages on this machine.
 *
 * Workflow code: deterministic, imports @temporalio/workflow only (activities by type).
 */
import { condition, defineUpdate, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { NoopActivities } from './noop-activities';

export const NOOP_TASK_QUEUE = 'bench-noop';

/** 'activity': scheduled through the server (ActivityTaskScheduled); 'local': a local activity (a marker). */
export type StepKind = 'activity' | 'local';

export interface NoopShape {
  /** Steps before the place Update answers (the order's PENDING record, reserve, RESERVED record). */
  beforePlace: StepKind[];
  /** Steps between the pay Update's acceptance and its answer (authorise, commit, capture, settle, CONFIRMED record). */
  beforePaid: StepKind[];
  /** Steps after the pay answer (the notification). */
  afterPaid: StepKind[];
}

export const placeNoopUpdate = defineUpdate<string>('placeNoop');
export const payNoopUpdate = defineUpdate<string>('payNoop');

export async function noopWorkflow(shape: NoopShape): Promise<string> {
  // The order workflow's store-step options (10 s start-to-close, retries from 100 ms).
  const options = { startToCloseTimeout: '10s', retry: { initialInterval: '100ms', backoffCoefficient: 2 } } as const;
  const scheduled = proxyActivities<NoopActivities>(options);
  const local = proxyLocalActivities<NoopActivities>(options);
  const run = async (steps: StepKind[]) => {
    for (let i = 0; i < steps.length; i += 1) await (steps[i] === 'local' ? local : scheduled).noop(i);
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
  await condition(() => payRequested);
  await run(shape.beforePaid);
  paid = true;
  await run(shape.afterPaid);
  return 'DONE';
}
