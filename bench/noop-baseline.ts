/**
 * The no-op baseline that benchmarks measure the saga beside: bench/noop-workflow.ts on its own task queue against the
 * same dev server, in the shape a real CONFIRMED order's history shows (historyFacts). Its worker runs in a process of
 * its own (bench/noop-worker-main.ts), as the order worker does, so CPU tables count it apart from the benchmark's
 * process, which only drives the sagas through its Temporal client. bench:saga compares sagas per second; bench:flash
 * compares the time a drop takes to confirm.
 */
import { WithStartWorkflowOperation, type Client, type WorkflowHandle } from '@temporalio/client';
import { customerIdKey, orderStatusKey } from '../temporal/names';
import { spawnPart, stopChild, waitForPollers } from './part-process';
import { NOOP_TASK_QUEUE, noopWorkflow, payNoopUpdate, placeNoopUpdate, type NoopShape, type StepKind } from './noop-workflow';

export interface NoopBaseline {
  /** One no-op saga: place (Update-with-Start), then pay (Update); resolves with its latencies in ms. */
  saga(shape: NoopShape): () => Promise<{ endToEnd: number; place: number; pay: number }>;
  /** The id of the first no-op saga run, to read its history. */
  readonly firstWorkflowId: string;
  /** The root pid of the no-op's worker process, for CPU accounting (cpuSnapshot's roots, as CPU_ROW.noopWorker). */
  readonly workerPid: number;
  /** Stops the worker (it drains, as the order worker does) and waits until its process has exited. */
  stop(): Promise<void>;
}

export interface NoopTemporal {
  temporalAddress: string;
  namespace: string;
  /** Where the worker's log (noop-worker.log) and, when profiled, its .cpuprofile (prof-noop-worker/) go. */
  logDir: string;
}

/**
 * Starts the no-op's worker and waits until it polls its task queue (workflow and activity tasks), so the first saga
 * is not timed against the worker's start-up.
 */
export async function startNoopBaseline(temporal: Client, where: NoopTemporal): Promise<NoopBaseline> {
  const worker = spawnPart('noop-worker', 'bench/noop-worker-main.ts', {
    logDir: where.logDir,
    // The benchmark's environment carries the codec keys its clients use: the worker encrypts with the same ones.
    env: { ...process.env, TEMPORAL_ADDRESS: where.temporalAddress, TEMPORAL_NAMESPACE: where.namespace },
    // BENCH_CPU_PROF names `noop`: profiled the way the stack profiles its parts (`node --cpu-prof`, into the log folder).
    cpuProfile: (process.env.BENCH_CPU_PROF ?? '').split(',').includes('noop'),
  });
  // Detached, the worker would outlive a benchmark that exits without stop() (a Ctrl-C, a crash), polling forever.
  const killOnExit = () => {
    try {
      process.kill(-worker.child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  process.on('exit', killOnExit);
  const stop = async () => {
    await stopChild(worker.child);
    process.off('exit', killOnExit);
  };
  try {
    await waitForPollers(where.temporalAddress, where.namespace, NOOP_TASK_QUEUE, 1, 90_000, [worker]);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n(the no-op worker's log: ${worker.logFile})`);
  }
  const tag = Date.now().toString(36);
  let sequence = 0;
  return {
    firstWorkflowId: `noop-${tag}-1`,
    workerPid: worker.child.pid!,
    saga: (shape) => async () => {
      const started = performance.now();
      const startWorkflowOperation = new WithStartWorkflowOperation(noopWorkflow, {
        workflowId: `noop-${tag}-${++sequence}`,
        taskQueue: NOOP_TASK_QUEUE,
        args: [shape],
        workflowIdConflictPolicy: 'FAIL',
        // What an order is started with (temporal/order-client.ts): two search attributes and a summary.
        typedSearchAttributes: [
          { key: orderStatusKey, value: 'PENDING' },
          { key: customerIdKey, value: `noop-${tag}-${sequence}` },
        ],
        staticSummary: `No-op saga ${sequence} of the benchmark, in the shape of a CONFIRMED order`,
      });
      const placed = await temporal.workflow.executeUpdateWithStart(placeNoopUpdate, { startWorkflowOperation });
      const placeMs = performance.now() - started;
      const handle = await startWorkflowOperation.workflowHandle();
      const paid = await handle.executeUpdate(payNoopUpdate);
      if (placed !== 'RESERVED' || paid !== 'CONFIRMED') throw new Error(`no-op answered ${placed} / ${paid}`);
      const endToEnd = performance.now() - started;
      return { endToEnd, place: placeMs, pay: endToEnd - placeMs };
    },
    stop,
  };
}

export interface HistoryFacts {
  workflowId: string;
  totalEvents: number;
  /** ActivityTaskScheduled events: activities that go through the server. */
  activitiesScheduled: number;
  /** core_local_activity markers: activities run inside the workflow task. */
  localActivities: number;
  /** Other markers (e.g. core_patch of patched()). */
  otherMarkers: number;
  steps: string[];
  workflowTasks: number;
  timers: number;
  searchAttributeUpserts: number;
  updates: number;
  /** Bytes of every payload in the history as stored (encoded and encrypted: data plus metadata): what Temporal keeps and ships. */
  payloadBytes: number;
  shape: NoopShape;
}

/** Counts what a finished workflow's history holds, and the no-op shape it has (shapeOfHistory). */
export async function historyFacts(temporal: Client, workflowId: string): Promise<HistoryFacts> {
  const handle = temporal.workflow.getHandle(workflowId);
  await Promise.race([handle.result(), new Promise((_resolve, reject) => setTimeout(() => reject(new Error(`${workflowId} did not finish in 60 s`)), 60_000))]);
  const events = (await handle.fetchHistory()).events ?? [];
  const { shape, steps } = shapeOfHistory(events);
  const markers = events.filter((event) => event.markerRecordedEventAttributes).length;
  const localActivities = steps.filter((step) => step === 'local activity').length;
  return {
    workflowId,
    totalEvents: events.length,
    activitiesScheduled: events.filter((event) => event.activityTaskScheduledEventAttributes).length,
    localActivities,
    otherMarkers: markers - localActivities,
    steps,
    workflowTasks: events.filter((event) => event.workflowTaskCompletedEventAttributes).length,
    timers: events.filter((event) => event.timerStartedEventAttributes).length,
    searchAttributeUpserts: events.filter((event) => event.upsertWorkflowSearchAttributesEventAttributes).length,
    updates: events.filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes).length,
    payloadBytes: payloadBytesIn(events),
    shape,
  };
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/**
 * Splits a CONFIRMED order's steps around its two Updates: before the pay Update is accepted (placement), from then
 * until its answer (payment), and after the answer (notification). A local activity shows as a `core_local_activity`
 * marker and an upsert as its own event, both recorded when the workflow task that made them completes; a scheduled
 * activity as ActivityTaskScheduled, issued by the workflow task it is in (one scheduled in the same task that answers
 * the pay Update runs after the answer). The hold's timer is the first timer started before the pay Update.
 */
export function shapeOfHistory(events: readonly HistoryEvent[]): { shape: NoopShape; steps: string[] } {
  const accepted = events.flatMap((event, index) => (event.workflowExecutionUpdateAcceptedEventAttributes ? [index] : []));
  const completed = events.flatMap((event, index) => (event.workflowExecutionUpdateCompletedEventAttributes ? [index] : []));
  const payAccepted = accepted[1] ?? events.length;
  const payAnswered = completed[1] ?? events.length;
  // The workflow task whose completion answered the pay Update: everything after its WorkflowTaskCompleted event.
  let answeringTask = payAnswered;
  while (answeringTask > 0 && !events[answeringTask].workflowTaskCompletedEventAttributes) answeringTask -= 1;

  const shape: NoopShape = { beforePlace: [], beforePaid: [], afterPaid: [] };
  const steps: string[] = [];
  events.forEach((event, index) => {
    const scheduled = event.activityTaskScheduledEventAttributes;
    const timer = event.timerStartedEventAttributes;
    if (timer && index < payAccepted && shape.holdTimerMs === undefined) shape.holdTimerMs = durationMs(timer.startToFireTimeout);
    const kind: StepKind | undefined = scheduled
      ? 'activity'
      : event.markerRecordedEventAttributes?.markerName === 'core_local_activity'
        ? 'local'
        : event.upsertWorkflowSearchAttributesEventAttributes
          ? 'upsert'
          : undefined;
    if (!kind) return;
    steps.push(scheduled ? `${scheduled.activityType?.name ?? '?'} (scheduled)` : kind === 'local' ? 'local activity' : 'search-attribute upsert');
    if (index < payAccepted) shape.beforePlace.push(kind);
    else if (kind === 'activity' ? index < answeringTask : index < payAnswered) shape.beforePaid.push(kind);
    else shape.afterPaid.push(kind);
  });
  return { shape, steps };
}

/** Sums the bytes of every Payload ({metadata, data}) found anywhere under `value`. */
export function payloadBytesIn(value: unknown): number {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return 0;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + payloadBytesIn(item), 0);
  const { data, metadata } = value as { data?: unknown; metadata?: unknown };
  if (data instanceof Uint8Array && metadata && typeof metadata === 'object') {
    const metadataBytes = Object.entries(metadata).reduce((sum, [key, bytes]) => sum + key.length + (bytes instanceof Uint8Array ? bytes.length : 0), 0);
    return data.length + metadataBytes;
  }
  return Object.values(value).reduce((sum: number, item) => sum + payloadBytesIn(item), 0);
}

/** A protobuf Duration (seconds as a Long or number, and nanos) in milliseconds. */
function durationMs(duration: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return Number(duration?.seconds ?? 0) * 1000 + Math.round((duration?.nanos ?? 0) / 1e6);
}
