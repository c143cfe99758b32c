/**
 * The worker's start-up makes sure of the reconcile schedule: after `tsx worker/main.ts` starts, the schedule
 * `reconcile-inventory` exists with RECONCILE_INTERVAL and overlap SKIP, its runs complete on the worker's reconcile
 * queue, and a worker started later with another interval updates the one schedule instead of adding a second.
 */
import type { ChildProcess } from 'node:child_process';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { RECONCILE_SCHEDULE_ID, RECONCILE_TASK_QUEUE } from '../../temporal/names';
import { eventually } from '../api/http';
import { startDevServerEnv } from '../support/dev-server';
import { startEntryPoint, stopProcessGroup } from '../support/entry-point';

let env: TestWorkflowEnvironment;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  env = await startDevServerEnv();
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map(stopProcessGroup));
  await env?.teardown();
}, 60_000);

async function startWorker(interval: string): Promise<ChildProcess> {
  const worker = await startEntryPoint(
    'worker/main.ts',
    { TEMPORAL_ADDRESS: env.address, RECONCILE_INTERVAL: interval, RECONCILE_SWEEP_AFTER: '7m', WORKER_METRICS_PORT: 'off', LOG_LEVEL: 'info' },
    'order worker running',
  );
  workers.push(worker);
  return worker;
}

test('the worker creates the schedule with the configured interval, its run completes, and a restart with another interval updates it', async () => {
  const first = await startWorker('90s');
  const schedule = env.client.schedule.getHandle(RECONCILE_SCHEDULE_ID);
  const created = await schedule.describe();
  expect(created.spec.intervals).toMatchObject([{ every: 90_000 }]);
  expect(created.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
  expect(created.action).toMatchObject({ workflowType: 'reconcileWorkflow', workflowId: RECONCILE_SCHEDULE_ID, taskQueue: RECONCILE_TASK_QUEUE, args: [{ sweepAfterMs: 7 * 60_000 }] });

  await schedule.trigger();
  const workflowId = await eventually(async () => {
    const [action] = (await schedule.describe()).info.recentActions;
    expect(action).toBeDefined();
    return action.action.workflow.workflowId;
  }, 30_000);
  expect(workflowId.startsWith(`${RECONCILE_SCHEDULE_ID}-`)).toBe(true);
  expect(await env.client.workflow.getHandle(workflowId).result()).toMatchObject({ swept: expect.any(Array), repairs: expect.any(Array) });

  await stopProcessGroup(first);
  await startWorker('2m');
  expect((await schedule.describe()).spec.intervals).toMatchObject([{ every: 120_000 }]);
  const schedules: string[] = [];
  for await (const listed of env.client.schedule.list()) schedules.push(listed.scheduleId);
  expect(schedules).toEqual([RECONCILE_SCHEDULE_ID]);
}, 180_000);
