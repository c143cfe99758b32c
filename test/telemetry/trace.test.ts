/**
 * One order, one trace: the API and the worker run as the processes they are in production (`tsx api/main.ts`,
 * `tsx worker/main.ts`), configured only by the standard OTEL_* variables, and export over OTLP to a collector kept in
 * memory by the test. Against a real dev server, MariaDB, Redis and the payment stand-in, the spans of one order must
 * form one tree: the API's request, Update-with-Start, the workflow, each activity, and the Redis, MySQL and payment
 * HTTP calls made inside the activities.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startStandIn, type StandIn } from '../payments/stand-in';
import { apiClient, eventually, unique, type ApiClient } from '../api/http';
import { openTestOrm } from '../support/db';
import { startDevServerEnv } from '../support/dev-server';
import { freePort } from '../../chaos/supervisor';
import { ORDER_TASK_QUEUE } from '../../temporal/names';
import { startCollector, type CollectedSpan, type Collector } from './otlp-collector';

const root = path.resolve(__dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

let env: TestWorkflowEnvironment;
let standIn: StandIn;
let collector: Collector;
const parts: ChildProcess[] = [];
let api: ApiClient;
const output: string[] = [];

function startPart(entry: string, extraEnv: Record<string, string>): ChildProcess {
  const child = spawn(tsx, [entry], { cwd: root, env: { ...process.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  parts.push(child);
  return child;
}

beforeAll(async () => {
  // The test database's schema is brought up to date here: the processes below do not migrate.
  await (await openTestOrm()).close();
  // All three settled before a failure is thrown, so afterAll stops whichever did start.
  const started = await Promise.allSettled([startDevServerEnv().then((e) => (env = e)), startStandIn().then((s) => (standIn = s)), startCollector().then((c) => (collector = c))]);
  for (const outcome of started) if (outcome.status === 'rejected') throw outcome.reason;
  const port = await freePort();
  const common = {
    TEMPORAL_ADDRESS: env.address,
    DATABASE_URL: process.env.DATABASE_URL!,
    REDIS_URL: process.env.REDIS_URL!,
    PAYMENTS_URL: standIn.baseUrl,
    PORT: String(port),
    METRICS_PORT: 'off',
    WORKER_METRICS_PORT: 'off',
    LOG_LEVEL: 'warn',
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
  startPart('worker/main.ts', common);
  startPart('api/main.ts', common);
  api = apiClient(`http://127.0.0.1:${port}`);
  await eventually(async () => expect((await api.get('/readyz')).status).toBe(200), 150_000, 250).catch((error: unknown) => {
    throw new Error(`the API did not get ready: ${String(error)}\n${output.join('')}`);
  });
  // The worker polls the order task queue (workflow and activity pollers) before the first order is placed.
  await eventually(
    async () => {
      for (const taskQueueType of [1, 2]) {
        const answer = await env.client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: ORDER_TASK_QUEUE }, taskQueueType });
        expect(answer.pollers?.length ?? 0).toBeGreaterThan(0);
      }
    },
    150_000,
    250,
  );
}, 180_000);

afterAll(async () => {
  await Promise.all(
    parts.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          process.kill(-child.pid!, 'SIGTERM');
          setTimeout(() => {
            try {
              process.kill(-child.pid!, 'SIGKILL');
            } catch {
              /* gone */
            }
          }, 15_000).unref();
        }),
    ),
  );
  await Promise.all([collector?.close(), standIn?.close(), env?.teardown()]);
}, 60_000);

/** The spans of one trace, and a way to walk from a span up to the root. */
function traceOf(traceId: string) {
  const spans = collector.spans.filter((span) => span.traceId === traceId);
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const ancestors = (span: CollectedSpan): string[] => {
    const names: string[] = [];
    for (let parent = span.parentSpanId && byId.get(span.parentSpanId); parent; parent = parent.parentSpanId && byId.get(parent.parentSpanId)) {
      names.push(parent.name);
    }
    return names;
  };
  const find = (predicate: (span: CollectedSpan) => boolean) => spans.filter(predicate);
  return { spans, ancestors, find };
}

const rootSpan = (name: string) => collector.spans.find((span) => span.name === name && span.parentSpanId === undefined && span.service === 'order-saga-api');

test('the spans of one order form one tree from POST /orders to the Redis and MySQL calls of its activities', async () => {
  const product = await api.post('/products', { sku: unique('trace-sku'), name: 'Traced product', priceCents: 700, stock: 3 });
  expect(product.status).toBe(201);
  const placed = await api.post('/orders', { customerId: unique('cus'), items: [{ productId: product.body.id, quantity: 1 }] });
  expect(placed.status).toBe(201);
  // The workflow's own span ends (and is exported) when the order does: cancel it.
  expect((await api.post(`/orders/${placed.body.id}/cancel`, {})).status).toBe(200);

  const tree = await eventually(async () => {
    const request = rootSpan('POST /orders');
    expect(request).toBeDefined();
    expect(request!.attributes['order.id']).toBe(placed.body.id);
    const tree = traceOf(request!.traceId);
    expect(tree.find((span) => span.name === 'RunWorkflow:orderWorkflow')).toHaveLength(1);
    expect(tree.find((span) => span.name === 'RunActivity:reserveStock')).toHaveLength(1);
    return tree;
  }, 30_000, 200);

  // The chain: the request, Update-with-Start (API), then the workflow and its activities (worker), each under the one before.
  const [workflow] = tree.find((span) => span.name === 'RunWorkflow:orderWorkflow');
  expect(workflow.service).toBe('order-saga-worker');
  expect(tree.ancestors(workflow)).toEqual(['UpdateWithStartWorkflow:placeOrder', 'POST /orders']);
  const [reserve] = tree.find((span) => span.name === 'RunActivity:reserveStock');
  expect(tree.ancestors(reserve)).toEqual(expect.arrayContaining(['StartActivity:reserveStock', 'RunWorkflow:orderWorkflow', 'POST /orders']));
  // Redis's atomic reservation runs inside the reserve activity; the order's MySQL record inside saveOrder.
  const redisInReserve = tree.find((span) => span.attributes['db.system'] === 'redis' && tree.ancestors(span).includes('RunActivity:reserveStock'));
  expect(redisInReserve.length).toBeGreaterThan(0);
  const mysqlInSave = tree.find((span) => span.attributes['db.system'] === 'mysql' && tree.ancestors(span).includes('RunActivity:saveOrder'));
  expect(mysqlInSave.length).toBeGreaterThan(0);
  // The cancellation's compensation (releasing the Redis hold) belongs to the same workflow, hence to this trace.
  const [release] = tree.find((span) => span.name === 'RunActivity:releaseReservation');
  expect(tree.ancestors(release)).toEqual(expect.arrayContaining(['RunWorkflow:orderWorkflow', 'POST /orders']));
  // The API's own reads (the catalogue in MySQL, the admission gate in Redis) hang under the request too.
  expect(tree.find((span) => span.service === 'order-saga-api' && span.attributes['db.system'] === 'mysql').length).toBeGreaterThan(0);
  expect(tree.find((span) => span.service === 'order-saga-api' && span.attributes['db.system'] === 'redis').length).toBeGreaterThan(0);
}, 60_000);

test('paying the order continues into the authorisation activity and its HTTP call to the payment provider', async () => {
  const product = await api.post('/products', { sku: unique('trace-sku'), name: 'Traced product', priceCents: 700, stock: 3 });
  const placed = await api.post('/orders', { customerId: unique('cus'), items: [{ productId: product.body.id, quantity: 1 }] });
  expect(placed.status).toBe(201);
  const paid = await api.post(`/orders/${placed.body.id}/payment`, { paymentToken: 'tok_visa' });
  expect(paid.status).toBe(200);

  await eventually(async () => {
    const request = collector.spans.find((span) => span.name === 'POST /orders/:id/payment' && span.attributes['order.id'] === placed.body.id);
    expect(request).toBeDefined();
    const tree = traceOf(request!.traceId);
    const providerCalls = tree.find(
      (span) => String(span.attributes['url.full'] ?? '').includes('/v1/authorizations') && tree.ancestors(span).includes('RunActivity:authorizePayment'),
    );
    expect(providerCalls.length).toBeGreaterThan(0);
    expect(tree.ancestors(providerCalls[0])).toEqual(expect.arrayContaining(['StartWorkflowUpdate:payOrder', 'POST /orders/:id/payment']));
  }, 30_000, 200);
}, 60_000);
