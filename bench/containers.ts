/**
 * `npm run bench:containers`: saga throughput of the container stack (`npm run containers:up` first) with 1, 2 and 3
 * worker containers, each level beside the no-op baseline of bench:saga (bench/noop-baseline.ts: the same steps and
 * Updates with activities that do nothing, run by a worker process of its own on the host, bench/noop-worker-main.ts,
 * against the stack's Temporal), measured right after it so both see the same machine.
 *
 *   --workers=1,2,3 (CONTAINERS_WORKERS)   --count=120 sagas per level (CONTAINERS_COUNT)
 *   --concurrency=20 closed-loop clients (CONTAINERS_CONCURRENCY)
 *
 * One saga = POST /orders (201 RESERVED) then POST /orders/:id/payment tok_visa (200 CONFIRMED) on localhost:3000.
 * Each level also records the CPU each container used (its cgroup), Docker's own processes, the no-op's worker, this
 * process and how busy the whole machine was (other people's work included). The no-op worker's log goes to a
 * bench-logs-containers-* folder under the temporary directory, kept when the run fails, BENCH_KEEP_LOGS=1 or
 * BENCH_CPU_PROF=noop (its .cpuprofile). Writes bench/results/containers-<timestamp>.json and leaves
 * the stack with the last level's workers.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { signToken } from '../api/auth/sign-token';
import { LOCAL_TOKEN_CLAIMS } from '../config/auth';
import { applyLocalSecrets } from '../scripts/local-secrets';
import { dataConverterFor } from '../temporal/codec';
import { containerCpuSnapshot } from './container-cpu';
import { boundedPool, codeVersion, CPU_ROW, cpuDelta, failureTally, httpClient, listArg, numberArg, percentiles, printTable, round, sleep, waitForQuietMachine, writeResults } from './lib';
import { historyFacts, startNoopBaseline } from './noop-baseline';

const API = 'http://localhost:3000';
const TEMPORAL = { temporalAddress: 'localhost:7233', namespace: 'default' };
const workerCounts = listArg('workers', 'CONTAINERS_WORKERS', [1, 2, 3]);
const count = numberArg('count', 'CONTAINERS_COUNT', 120);
const concurrency = numberArg('concurrency', 'CONTAINERS_CONCURRENCY', 20);
const runId = randomUUID().slice(0, 8);

// The secrets containers/compose.sh gave the stack: the environment's, else this checkout's local ones.
applyLocalSecrets();
const secret = process.env.AUTH_JWT_SECRET!;

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

type Saga = () => Promise<void>;

/**
 * One measured level: `count` sagas by `concurrency` closed-loop clients, with the CPU each part used meanwhile (the
 * containers, and `hostProcesses`: process trees on the host by row name).
 */
async function measure(saga: Saga, hostProcesses: Record<string, number>) {
  const latencies: number[] = [];
  const { failures, failureSamples, record } = failureTally();
  const machineBefore = await waitForQuietMachine();
  const loadBefore = os.loadavg()[0];
  const cpuBefore = containerCpuSnapshot('order-saga', hostProcesses);
  const started = performance.now();
  await boundedPool(count, concurrency, 600_000, async () => {
    const begin = performance.now();
    try {
      await saga();
      latencies.push(performance.now() - begin);
    } catch (error) {
      record(error);
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuDelta(cpuBefore, containerCpuSnapshot('order-saga', hostProcesses), seconds);
  return {
    completed: latencies.length,
    failures,
    failureSamples,
    seconds: round(seconds, 1),
    perSecond: round(latencies.length / seconds, 2),
    ms: percentiles(latencies),
    machineBefore,
    loadAverage: { before: round(loadBefore), after: round(os.loadavg()[0]) },
    cpu,
  };
}
type Level = Awaited<ReturnType<typeof measure>>;

async function main(): Promise<void> {
  const code = codeVersion();
  const api = httpClient(API, concurrency);
  const connection = await Connection.connect({ address: TEMPORAL.temporalAddress });
  // The workers encrypt payloads with the stack's codec key: read histories, and run the no-op, with the same one.
  const temporal = new Client({ connection, namespace: TEMPORAL.namespace, dataConverter: dataConverterFor() });
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'bench-logs-containers-'));
  const baseline = await startNoopBaseline(temporal, { ...TEMPORAL, logDir });
  const hostProcesses = { [CPU_ROW.noopWorker]: baseline.workerPid };
  let finished = false;
  try {
    const admin = { authorization: `Bearer ${await signToken(secret, { sub: 'bench-admin', roles: ['admin'], ...LOCAL_TOKEN_CLAIMS })}` };
    const created = await api.request('POST', '/products', { sku: `bench-ctr-${runId}`, name: 'Container bench product', priceCents: 500, stock: 100_000 }, admin);
    if (created.status !== 201) throw new Error(`product: ${created.status} ${created.body}`);
    const productId = JSON.parse(created.body).id as number;

    let orderSeq = 0;
    let firstOrderId = '';
    const saga: Saga = async () => {
      const buyer = { authorization: `Bearer ${await signToken(secret, { sub: `cus_bench_${runId}_${++orderSeq}`, roles: ['customer'], ...LOCAL_TOKEN_CLAIMS })}` };
      const placed = await api.request('POST', '/orders', { items: [{ productId, quantity: 1 }] }, buyer);
      if (placed.status !== 201) throw new Error(`place ${placed.status}: ${placed.body.slice(0, 200)}`);
      const orderId = JSON.parse(placed.body).id as string;
      const paid = await api.request('POST', `/orders/${orderId}/payment`, { paymentToken: 'tok_visa' }, buyer);
      const status = paid.status === 200 ? (JSON.parse(paid.body).status as string) : undefined;
      if (status !== 'CONFIRMED') throw new Error(`pay ${paid.status} ${status ?? ''}: ${paid.body.slice(0, 200)}`);
      firstOrderId ||= orderId;
    };

    const rows: Array<{ workers: number; orders: Level; noop: Level; ratio: number }> = [];
    let history: Awaited<ReturnType<typeof historyFacts>> | undefined;
    for (const workers of workerCounts) {
      execFileSync('bash', ['containers/compose.sh', 'up', '-d', '--no-build', '--scale', `worker=${workers}`], { stdio: 'ignore' });
      await waitForHealthyWorkers(workers);
      await boundedPool(10, 5, 60_000, saga); // warm-up: caches, connections, sticky queues
      // One CONFIRMED order's history decides the no-op's shape (as in bench:saga).
      history ??= await historyFacts(temporal, firstOrderId);
      const noopSaga = baseline.saga(history.shape);
      await boundedPool(10, 5, 60_000, async () => void (await noopSaga()));
      const orders = await measure(saga, hostProcesses);
      const noop = await measure(async () => void (await noopSaga()), hostProcesses);
      const ratio = round(orders.perSecond / noop.perSecond, 2);
      console.log(
        `[containers] ${workers} worker(s): ${orders.perSecond} sagas/s (p50 ${orders.ms.p50} ms, p99 ${orders.ms.p99} ms, ${orders.completed}/${count}); ` +
          `no-op ${noop.perSecond}/s; ratio ${ratio}; machine ${Math.round(orders.cpu.machineBusy * 100)}% busy`,
      );
      rows.push({ workers, orders, noop, ratio });
    }

    printTable(`Saga throughput, container stack, ${count} sagas per level at concurrency ${concurrency}, each beside its no-op`, [
      ['workers', 'sagas/s', 'p50 ms', 'p99 ms', 'failed', 'no-op/s', 'no-op p50', 'no-op p99', 'ratio', 'machine busy', 'load avg'],
      ...rows.map((row): [string, ...Array<string | number>] => [
        String(row.workers),
        row.orders.perSecond,
        row.orders.ms.p50,
        row.orders.ms.p99,
        JSON.stringify(row.orders.failures),
        row.noop.perSecond,
        row.noop.ms.p50,
        row.noop.ms.p99,
        row.ratio,
        `${Math.round(row.orders.cpu.machineBusy * 100)}% | ${Math.round(row.noop.cpu.machineBusy * 100)}%`,
        `${row.orders.loadAverage.before}→${row.orders.loadAverage.after}`,
      ]),
    ]);
    const names = [...new Set(rows.flatMap((row) => [...row.orders.cpu.byProcess, ...row.noop.cpu.byProcess].map((entry) => entry.process)))];
    const coresOf = (level: Level, name: string) => level.cpu.byProcess.find((entry) => entry.process === name)?.coresUsed ?? '-';
    const msPerSaga = (level: Level, name: string) => {
      const entry = level.cpu.byProcess.find((one) => one.process === name);
      return entry && level.completed ? Math.round((entry.cpuSeconds * 1000) / level.completed) : '-';
    };
    printTable('CPU cores used (orders | no-op) and CPU ms per saga (orders), per worker count', [
      ['process', ...rows.map((row) => `${row.workers} worker(s)`)],
      ...names.map((name): [string, ...string[]] => [name, ...rows.map((row) => `${coresOf(row.orders, name)} | ${coresOf(row.noop, name)} (${msPerSaga(row.orders, name)} ms)`)]),
    ]);
    const file = writeResults('containers', { benchmark: 'containers', at: new Date().toISOString(), code, machine: { cores: os.cpus().length }, count, concurrency, orderHistory: history, rows });
    console.log(`[containers] results: ${file}`);
    finished = true;
  } finally {
    api.close();
    await baseline.stop();
    await connection.close();
    const keepLogs = !finished || process.env.BENCH_KEEP_LOGS === '1' || (process.env.BENCH_CPU_PROF ?? '').split(',').includes('noop');
    if (keepLogs) console.log(`[containers] the no-op worker's log: ${logDir}`);
    else rmSync(logDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
