/**
 * `npm run bench:containers`: saga throughput of the container stack (`npm run containers:up` first) with 1, 2 and 3
 * worker containers, beside the no-op baseline of bench:saga (bench/noop-workflow.ts: the same steps and Updates with
 * activities that do nothing, run by a worker inside this process against the stack's Temporal).
 *
 *   --count=120 sagas per level (CONTAINERS_COUNT)   --concurrency=20 closed-loop clients (CONTAINERS_CONCURRENCY)
 *
 * One saga = POST /orders (201 RESERVED) then POST /orders/:id/payment tok_visa (200 CONFIRMED) on localhost:3000.
 * Writes bench/results/containers-<timestamp>.json and leaves the stack with 3 workers.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { signToken } from '../api/auth/sign-token';
import { ensureLocalSecrets } from '../scripts/local-secrets';
import { boundedPool, numberArg, percentiles, printTable, round, sleep, writeResults } from './lib';
import { createNoopActivities } from './noop-activities';
import { NOOP_TASK_QUEUE, noopWorkflow, payNoopUpdate, placeNoopUpdate, type NoopShape } from './noop-workflow';

const API = 'http://localhost:3000';
const count = numberArg('count', 'CONTAINERS_COUNT', 120);
const concurrency = numberArg('concurrency', 'CONTAINERS_CONCURRENCY', 20);
const secret = process.env.AUTH_JWT_SECRET || ensureLocalSecrets().AUTH_JWT_SECRET;
const runId = randomUUID().slice(0, 8);

async function call(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(API + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function level(task: (index: number) => Promise<void>) {
  const latencies: number[] = [];
  let failures = 0;
  const started = Date.now();
  await boundedPool(count, concurrency, 600_000, async (index) => {
    const begin = Date.now();
    try {
      await task(index);
      latencies.push(Date.now() - begin);
    } catch {
      failures += 1;
    }
  });
  const seconds = (Date.now() - started) / 1000;
  return { completed: latencies.length, failures, seconds: round(seconds, 1), perSecond: round(latencies.length / seconds, 2), ms: percentiles(latencies) };
}

async function waitForHealthyWorkers(wanted: number): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const states = execFileSync('docker', ['ps', '--filter', 'label=com.docker.compose.service=worker', '--filter', 'label=com.docker.compose.project=order-saga', '--format', '{{.Status}}'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    if (states.length === wanted && states.every((state) => state.includes('(healthy)'))) return;
    await sleep(1_000);
  }
  throw new Error(`${wanted} healthy workers did not come up`);
}

/** The order workflow's steps split around its two Updates, from a CONFIRMED order's history (as bench:saga does). */
async function shapeOf(temporal: Client, workflowId: string): Promise<NoopShape> {
  const events = (await temporal.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const accepted = events.flatMap((event, index) => (event.workflowExecutionUpdateAcceptedEventAttributes ? [index] : []));
  const completed = events.flatMap((event, index) => (event.workflowExecutionUpdateCompletedEventAttributes ? [index] : []));
  const payAccepted = accepted[1] ?? events.length;
  const payAnswered = completed[1] ?? events.length;
  let answeringTask = payAnswered;
  while (answeringTask > 0 && !events[answeringTask].workflowTaskCompletedEventAttributes) answeringTask -= 1;
  const shape: NoopShape = { beforePlace: [], beforePaid: [], afterPaid: [] };
  events.forEach((event, index) => {
    const kind = event.activityTaskScheduledEventAttributes ? 'activity' : event.markerRecordedEventAttributes?.markerName === 'core_local_activity' ? 'local' : undefined;
    if (!kind) return;
    if (index < payAccepted) shape.beforePlace.push(kind);
    else if (kind === 'local' ? index < payAnswered : index < answeringTask) shape.beforePaid.push(kind);
    else shape.afterPaid.push(kind);
  });
  return shape;
}

async function main(): Promise<void> {
  const admin = await signToken(secret, { sub: 'bench-admin', roles: ['admin'] });
  const product = await call(admin, 'POST', '/products', { sku: `bench-ctr-${runId}`, name: 'Container bench product', priceCents: 500, stock: 100_000 });
  if (product.status !== 201) throw new Error(`product: ${product.status} ${JSON.stringify(product.body)}`);
  let orderSeq = 0;
  const saga = async () => {
    const n = ++orderSeq;
    const buyer = await signToken(secret, { sub: `cus_bench_${runId}_${n}`, roles: ['customer'] });
    const placed = await call(buyer, 'POST', '/orders', { items: [{ productId: product.body.id, quantity: 1 }] });
    if (placed.status !== 201) throw new Error(`place ${placed.status}`);
    const paid = await call(buyer, 'POST', `/orders/${placed.body.id}/payment`, { paymentToken: 'tok_visa' });
    if (paid.status !== 200 || paid.body.status !== 'CONFIRMED') throw new Error(`pay ${paid.status}`);
    lastOrderId = placed.body.id;
  };
  let lastOrderId = '';

  const rows: Array<{ workers: number; orders: Awaited<ReturnType<typeof level>> }> = [];
  for (const workers of [1, 2, 3]) {
    execFileSync('bash', ['containers/compose.sh', 'up', '-d', '--no-build', '--scale', `worker=${workers}`], { stdio: 'ignore' });
    await waitForHealthyWorkers(workers);
    await boundedPool(10, 5, 60_000, saga); // warm-up: caches, connections, sticky queues
    const orders = await level(saga);
    console.log(`[containers] ${workers} worker(s): ${orders.perSecond} sagas/s, p50 ${orders.ms.p50} ms, p99 ${orders.ms.p99} ms, ${orders.failures} failed`);
    rows.push({ workers, orders });
  }

  // The no-op baseline, the same shape, at the same concurrency and count, against the same Temporal.
  const connection = await Connection.connect({ address: 'localhost:7233' });
  const temporal = new Client({ connection });
  const shape = await shapeOf(temporal, lastOrderId);
  const workerConnection = await NativeConnection.connect({ address: 'localhost:7233' });
  const noopWorker = await Worker.create({
    connection: workerConnection,
    taskQueue: NOOP_TASK_QUEUE,
    workflowsPath: require.resolve('./noop-workflow'),
    activities: createNoopActivities(),
  });
  const noopRun = noopWorker.run();
  let noopSeq = 0;
  const noopSaga = async () => {
    const workflowId = `noop-ctr-${runId}-${++noopSeq}`;
    const startWorkflowOperation = new WithStartWorkflowOperation(noopWorkflow, { workflowId, taskQueue: NOOP_TASK_QUEUE, args: [shape], workflowIdConflictPolicy: 'FAIL' });
    await temporal.workflow.executeUpdateWithStart(placeNoopUpdate, { startWorkflowOperation });
    await (await startWorkflowOperation.workflowHandle()).executeUpdate(payNoopUpdate);
  };
  await boundedPool(10, 5, 60_000, noopSaga);
  const noop = await level(noopSaga);
  console.log(`[containers] no-op baseline (worker in this process): ${noop.perSecond}/s`);
  noopWorker.shutdown();
  await noopRun;
  await workerConnection.close();
  await connection.close();

  printTable(`Saga throughput, container stack, ${count} sagas at concurrency ${concurrency}`, [
    ['workers', 'sagas/s', 'p50 ms', 'p99 ms', 'failed', 'vs no-op'],
    ...rows.map((row): [string, ...Array<string | number>] => [String(row.workers), row.orders.perSecond, row.orders.ms.p50, row.orders.ms.p99, row.orders.failures, round(row.orders.perSecond / noop.perSecond, 2)]),
    ['no-op', noop.perSecond, noop.ms.p50, noop.ms.p99, noop.failures, 1],
  ]);
  const file = writeResults('containers', { at: new Date().toISOString(), count, concurrency, shape, rows, noop });
  console.log(`[containers] results: ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
