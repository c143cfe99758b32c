/**
 * The API as two processes (API_PROCESSES=2, node:cluster): each process keeps its own sold-out flags, and a restock
 * reopens the sale at once in both, through the Redis announcement every process subscribes to. The flags are made
 * to last 10 minutes (SOLD_OUT_FLAG_MAX_AGE), so only the announcement can end them within the test: a process that
 * missed it would answer 409 from its flag. Which process answered is read from its request log line (each line of
 * a clustered API carries its pid; requests are matched by X-Request-Id). Real entry points (`tsx api/main.ts`,
 * `tsx worker/main.ts`) against a real dev server, the payment stand-in, MariaDB and Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { freePort } from '../../chaos/supervisor';
import { openTestOrm } from '../support/db';
import { buyer, tokenFor } from '../support/auth';
import { startDevServerEnv } from '../support/dev-server';
import { exitOf, startEntryPoint, stopProcessGroup } from '../support/entry-point';
import { apiClient, eventually, unique, type ApiClient } from './http';
import { startStandIn, type StandIn } from '../payments/stand-in';

const root = path.resolve(__dirname, '..', '..');

let env: TestWorkflowEnvironment;
let standIn: StandIn;
let worker: ChildProcess;
let apiProcess: ChildProcess | undefined;
let apiOutput = '';
let port: number;
let metricsPort: number;
let api: ApiClient;

beforeAll(async () => {
  await (await openTestOrm()).close();
  env = await startDevServerEnv();
  standIn = await startStandIn();
  const partEnv = { TEMPORAL_ADDRESS: env.address, PAYMENTS_URL: standIn.baseUrl, LOG_LEVEL: 'info', METRICS_PORT: 'off', WORKER_METRICS_PORT: 'off' };
  worker = await startEntryPoint('worker/main.ts', partEnv, 'order worker running');
  port = await freePort();
  metricsPort = await freePort();
  apiProcess = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['api/main.ts'], {
    cwd: root,
    env: { ...process.env, ...partEnv, PORT: String(port), METRICS_PORT: String(metricsPort), API_PROCESSES: '2', SOLD_OUT_FLAG_MAX_AGE: '10m' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  for (const stream of [apiProcess.stdout!, apiProcess.stderr!]) stream.on('data', (chunk: Buffer) => (apiOutput += chunk.toString()));
  await eventually(async () => expect(apiOutput.match(/API listening/g)?.length).toBe(2), 90_000, 250);
  api = apiClient(`http://127.0.0.1:${port}`);
  await eventually(async () => expect((await api.get('/readyz')).status).toBe(200), 30_000, 250);
}, 180_000);

afterAll(async () => {
  if (apiProcess) await stopProcessGroup(apiProcess);
  if (worker) await stopProcessGroup(worker);
  await standIn?.close();
  await env?.teardown();
}, 60_000);

/** POST /orders on a connection of its own (the cluster hands each new connection to the next process in turn). */
async function orderOnNewConnection(productId: number): Promise<{ status: number; code?: string; requestId: string }> {
  const customerId = unique('cus-processes');
  const requestId = unique('req');
  const body = JSON.stringify({ items: [{ productId, quantity: 1 }] });
  const token = await tokenFor(buyer(customerId));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/orders',
        agent: false,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-request-id': requestId, connection: 'close' },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, code: (JSON.parse(text) as { code?: string }).code, requestId }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The pid of the API process whose request log line carries this X-Request-Id. */
async function answeredBy(requestId: string): Promise<number> {
  return eventually(async () => {
    const line = apiOutput.split('\n').find((candidate) => candidate.includes(`"requestId":"${requestId}"`) && candidate.includes('"msg":"request"'));
    expect(line).toBeDefined();
    return (JSON.parse(line!) as { pid: number }).pid;
  }, 10_000, 50);
}

test('a restock reopens a sold-out product at once in both API processes', async () => {
  const product = (await api.post('/products', { sku: unique('processes'), name: 'Two-process drop', priceCents: 1_500, stock: 1 })).body as { id: number };
  expect((await api.post('/orders', { customerId: unique('cus-first'), items: [{ productId: product.id, quantity: 1 }] })).status).toBe(201);

  // Sold out: refusals until each process has refused once (its first refusal, from Redis, sets its flag).
  const refusedBy = new Set<number>();
  let refusals = 0;
  for (let attempt = 0; attempt < 20 && refusedBy.size < 2; attempt += 1) {
    const answer = await orderOnNewConnection(product.id);
    refusals += 1;
    expect([answer.status, answer.code]).toEqual([409, 'OUT_OF_STOCK']);
    refusedBy.add(await answeredBy(answer.requestId));
  }
  expect(refusedBy.size).toBe(2);
  // And each now answers from its flag (still sold out in Redis, so these would be refused either way).
  for (let attempt = 0; attempt < 2; attempt += 1) {
    expect((await orderOnNewConnection(product.id)).status).toBe(409);
    refusals += 1;
  }

  // One scrape of METRICS_PORT shows both processes: their counters summed, a gauge read from the stores once.
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  expect(Number(/^orders_refused_total\{code="OUT_OF_STOCK"\} (\d+)$/m.exec(metrics)?.[1])).toBe(refusals);
  expect(metrics.match(new RegExp(`^product_stock_units\\{product_id="${product.id}"\\} .*$`, 'gm'))).toEqual([`product_stock_units{product_id="${product.id}"} 1`]);

  expect((await api.post(`/products/${product.id}/restock`, { quantity: 10 })).status).toBe(200);

  // Every process sells again right away: with flags of 10 minutes, only the announcement could have ended them.
  const soldBy = new Set<number>();
  for (let attempt = 0; attempt < 10 && soldBy.size < 2; attempt += 1) {
    const answer = await orderOnNewConnection(product.id);
    expect(answer.status).toBe(201);
    soldBy.add(await answeredBy(answer.requestId));
  }
  expect(soldBy).toEqual(refusedBy);
});

/** Pids of the API processes that said they listen and are still alive. */
function livePids(): number[] {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  return [...new Set([...apiOutput.matchAll(/"pid":(\d+)[^\n]*API listening/g)].map((match) => Number(match[1])))].filter(alive);
}

test('an API process that dies is replaced, and the API keeps answering', async () => {
  const [victim, survivor] = livePids();
  expect(survivor).toBeDefined();
  process.kill(victim, 'SIGKILL');
  await eventually(async () => expect(apiOutput).toMatch(/API process exited unexpectedly; starting another/), 10_000, 100);
  await eventually(async () => expect(livePids()).toHaveLength(2), 90_000, 250);
  expect(livePids()).not.toContain(victim);
  expect((await api.get('/readyz')).status).toBe(200);
});

test('SIGTERM to the primary stops both processes and the API exits 0', async () => {
  const pids = livePids();
  expect(pids).toHaveLength(2);
  const exited = exitOf(apiProcess!);
  // The tsx wrapper passes the signal to the primary, which passes it to both processes.
  process.kill(apiProcess!.pid!, 'SIGTERM');
  expect(await exited).toBe(0);
  expect(livePids().filter((pid) => pids.includes(pid))).toEqual([]);
  apiProcess = undefined;
});
