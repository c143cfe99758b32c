/**
 * `tsx bench/workflow-promises.ts`: what the Temporal SDK's promise hook costs the order workflow. The worker's
 * workflow sandbox records a stack trace, mapped through the bundle's source map, for every promise workflow code makes
 * (the Web UI's "stack trace" query; installed unconditionally by @temporalio/worker's vm-shared.js, see
 * temporalio/sdk-typescript#1587), so the workflow thread's CPU follows how many promises a workflow makes.
 *
 * Prints, for one run of this process:
 * - promises per order for every recorded path of the current generation (test/replay/histories), replayed here,
 *   beside the no-op baseline's (bench/noop-workflow.ts in a CONFIRMED order's shape, run once against a throwaway
 *   dev server and replayed the same way);
 * - the CPU one workflow promise costs: the CONFIRMED history replayed with the order workflow as it is and with one
 *   that first awaits 100 resolved promises, nothing else differing (bench/workflow-promises-calibration.ts),
 *   alternating, median of the rounds.
 *
 * Counting wraps the hook the SDK installs (v8.promiseHooks.createHook) before any workflow runs in this process, and
 * counts the promises the SDK tags with a run id: those made in a workflow's context. Knobs: `PROMISES_REPLAYS` (200
 * replays per round), `PROMISES_ROUNDS` (5).
 */
import v8 from 'node:v8';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { dataConverterFor } from '../temporal/codec';
import { startDevServer } from '../temporal/dev-server';
import { TEST_CODEC_KEYS } from '../test/support/codec';
import { CURRENT_GENERATION, HISTORIES_DIR, RECORDED_PATHS } from '../test/replay/paths';
import { medianAndRounds, medianOf, numberArg, printTable, round } from './lib';
import { createNoopActivities } from './noop-activities';
import { shapeOfHistory } from './noop-baseline';
import { NOOP_TASK_QUEUE, noopWorkflow, payNoopUpdate, placeNoopUpdate } from './noop-workflow';

/** Promises made in a workflow's context since the last reset. */
let workflowPromises = 0;
const createHook = v8.promiseHooks.createHook.bind(v8.promiseHooks);
(v8.promiseHooks as { createHook: typeof createHook }).createHook = (hooks) =>
  createHook({
    ...hooks,
    init(promise, parent) {
      const tagged = (promise as { runId?: string }).runId;
      hooks.init?.(promise, parent);
      if ((promise as { runId?: string }).runId !== tagged) workflowPromises += 1;
    },
  });

const dataConverter = dataConverterFor(TEST_CODEC_KEYS);

type History = { events: Array<Record<string, unknown>> };

async function promisesOf(workflowBundle: WorkflowBundleWithSourceMap, history: unknown): Promise<number> {
  workflowPromises = 0;
  await Worker.runReplayHistory({ workflowBundle, dataConverter, replayName: 'promises' }, history);
  return workflowPromises;
}

/** CPU ms per replay of `history`, `replays` times in one replay worker. */
async function cpuPerReplay(workflowBundle: WorkflowBundleWithSourceMap, history: unknown, replays: number): Promise<number> {
  const histories = Array.from({ length: replays }, (_, index) => ({ workflowId: `replay-${index}`, history }));
  const before = process.cpuUsage();
  for await (const result of Worker.runReplayHistories({ workflowBundle, dataConverter, replayName: 'cpu' }, histories)) {
    if (result.error) throw result.error;
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / replays;
}

/** One no-op saga in a CONFIRMED order's shape against a throwaway dev server; its history. */
async function noopHistory(workflowBundle: WorkflowBundleWithSourceMap, confirmed: History): Promise<unknown> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-promises-'));
  const port = numberArg('temporal-port', 'BENCH_TEMPORAL_PORT', 7400);
  const server = await startDevServer({ host: '127.0.0.1', port, uiPort: port + 1000, namespace: 'default', dataDir });
  try {
    const { shape } = shapeOfHistory(confirmed.events as never);
    const worker = await Worker.create({
      connection: await NativeConnection.connect({ address: `127.0.0.1:${port}` }),
      taskQueue: NOOP_TASK_QUEUE,
      workflowBundle,
      activities: createNoopActivities(),
      dataConverter,
    });
    const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
    try {
      return await worker.runUntil(async () => {
        const client = new Client({ connection, dataConverter });
        const startWorkflowOperation = new WithStartWorkflowOperation(noopWorkflow, { workflowId: 'noop-promises', taskQueue: NOOP_TASK_QUEUE, args: [shape], workflowIdConflictPolicy: 'FAIL' });
        await client.workflow.executeUpdateWithStart(placeNoopUpdate, { startWorkflowOperation });
        const handle = await startWorkflowOperation.workflowHandle();
        await handle.executeUpdate(payNoopUpdate);
        await handle.result();
        return handle.fetchHistory();
      });
    } finally {
      await connection.close();
    }
  } finally {
    server.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const replays = numberArg('replays', 'PROMISES_REPLAYS', 200);
  const rounds = numberArg('rounds', 'PROMISES_ROUNDS', 5);
  const load = (name: string): History => JSON.parse(readFileSync(path.join(HISTORIES_DIR, CURRENT_GENERATION, `${name}.json`), 'utf8'));
  const confirmed = load('confirmed');

  const orders = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quiet });
  const calibrated = await bundleWorkflowCode({ workflowsPath: require.resolve('./workflow-promises-calibration'), logger: quiet });
  const noop = await bundleWorkflowCode({ workflowsPath: require.resolve('./noop-workflow'), logger: quiet });
  const noopPromises = await promisesOf(noop, await noopHistory(noop, confirmed));
  const counted: Array<[string, number]> = [];
  for (const recorded of RECORDED_PATHS) counted.push([recorded.name, await promisesOf(orders, load(recorded.name))]);
  const extra = (await promisesOf(calibrated, confirmed)) - counted.find(([name]) => name === 'confirmed')![1];

  await cpuPerReplay(orders, confirmed, 50); // warm-up
  const asIs: number[] = [];
  const withExtra: number[] = [];
  for (let r = 0; r < rounds; r += 1) {
    asIs.push(await cpuPerReplay(orders, confirmed, replays));
    withExtra.push(await cpuPerReplay(calibrated, confirmed, replays));
  }
  const microsPerPromise = ((medianOf(withExtra) - medianOf(asIs)) * 1000) / extra;

  printTable(`Workflow promises per order (generation ${CURRENT_GENERATION}), replayed; the no-op baseline in a CONFIRMED order's shape: ${noopPromises}`, [
    ['recorded path', 'promises', 'beyond the no-op'],
    ...counted.map(([name, count]): [string, ...Array<string | number>] => [name, count, count - noopPromises]),
  ]);
  printTable(`CPU per replay of the CONFIRMED history (${replays} replays a round, ${rounds} rounds, alternating)`, [
    ['workflow code', 'CPU ms per replay, median (rounds)'],
    ['as it is', medianAndRounds(asIs)],
    [`with ${extra} promises more`, medianAndRounds(withExtra)],
    ['CPU µs per workflow promise', String(round(microsPerPromise, 1))],
    [`the CONFIRMED order's promises beyond the no-op's, at that cost (ms)`, String(round(((counted.find(([name]) => name === 'confirmed')![1] - noopPromises) * microsPerPromise) / 1000, 2))],
  ]);
}

/** The bundler's progress lines are not figures. */
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
