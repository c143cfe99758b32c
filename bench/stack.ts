/**
 * A fresh stack for one benchmark, on ports of its own: a Temporal dev server with a throwaway SQLite file under /tmp
 * (every run starts empty), then the payment stand-in, N order workers and the API as separate processes, the way
 * they run in production (`tsx payments/main.ts`, `tsx worker/main.ts`, `tsx api/main.ts`).
 *
 * MySQL and Redis are the shared servers of the machine, in the benchmarks' own databases (bench/databases.ts): the
 * stack migrates the schema, and every benchmark makes its own products (unique sku), so it never needs to clear
 * anything.
 *
 * Environment overrides: BENCH_API_PORT (3400), BENCH_PAYMENTS_PORT (4400), BENCH_TEMPORAL_PORT (7400),
 * BENCH_UI_PORT (8400), BENCH_WORKERS (1), BENCH_API_PROCESSES (1: the API's API_PROCESSES), BENCH_LOG_LEVEL (warn), BENCH_CPU_PROF ("api,worker": write
 * .cpuprofile files of those parts into the log folder; `noop` is read by bench/noop-baseline.ts for the no-op's worker),
 * BENCH_KEEP_LOGS=1 (also keep the logs of a good run),
 * BENCH_TEMPORAL_DYNAMIC_CONFIG (experiments: extra `--dynamic-config-value key=value` settings for the dev server).
 */
import './databases';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config';
import { migrateUp } from '../db/migrate';
import { openOrm } from '../db/orm';
import { startDevServer } from '../temporal/dev-server';
import { ORDER_TASK_QUEUE } from '../temporal/names';
import { allProcesses, numberArg, programOf, sleep } from './lib';
import { exited, spawnPart, stopChild, tail, waitForPollers, type RunningPart } from './part-process';
import { BENCH_AUTH_SECRET, BENCH_PAYMENTS_API_KEY, BENCH_PAYMENTS_WEBHOOK_SECRET } from './tokens';
import { applyLocalIdentityProvider } from '../scripts/dev-sign-in';

/**
 * Payloads encrypted as in production: the codec's cost is part of every figure. One key per benchmark process, set in
 * its own environment too, so its clients (dataConverterFor() reads the environment) decode what the parts encrypt.
 */
const BENCH_CODEC = { TEMPORAL_CODEC_KEYS: `bench:${randomBytes(32).toString('base64')}`, TEMPORAL_CODEC_KEY_ID: 'bench' };
Object.assign(process.env, BENCH_CODEC);

export type PartName = 'payments' | 'worker' | 'api';

export interface StackOptions {
  /** Names the log folder. */
  name: string;
  apiPort?: number;
  paymentsPort?: number;
  temporalPort?: number;
  uiPort?: number;
  /**
   * The first order worker's metrics port (WORKER_METRICS_PORT); the next workers take the ports after it. Default
   * BENCH_WORKER_METRICS_PORT, 9400; 'off': no worker serves metrics.
   */
  workerMetricsPort?: number | 'off';
  /** Order worker processes on the order task queue (default 1). */
  workers?: number;
  /** API_PROCESSES of the API (default 1: one process, no cluster primary). */
  apiProcesses?: number;
  logLevel?: string;
  /** Parts to run under `node --cpu-prof` (profiles land in the log folder). */
  cpuProf?: PartName[];
  /** Extra environment for every part (e.g. RESERVATION_TTL). */
  env?: Record<string, string>;
  /**
   * Runs the Web UI's codec server (codec-server/main.ts) on this port and starts the dev server with
   * `--ui-codec-endpoint` pointing at it, as `npm start` does (the browser tests read decoded payloads in the Web UI).
   */
  codecServerPort?: number;
  /**
   * Runs the local OpenID provider (idp/main.ts) on this port and points the API at it as `npm start` does (its
   * JWKS, issuer and audience; the page's OIDC_ISSUER), beside the local sign-in (the browser tests use both).
   */
  idpPort?: number;
}

export interface Stack {
  apiUrl: string;
  /** The Web UI's codec server, when the stack runs one. */
  codecServerUrl?: string;
  paymentsUrl: string;
  temporalAddress: string;
  namespace: string;
  dataDir: string;
  logDir: string;
  workers: number;
  apiProcesses: number;
  cpuProfiled: PartName[];
  /** Root pids of each part (tsx wrapper; its node child is a descendant), for CPU accounting. */
  pids: Record<string, number | undefined>;
  /** Each order worker's `GET /metrics` (WORKER_METRICS_PORT: BENCH_WORKER_METRICS_PORT, then the next ports). */
  workerMetricsUrls: string[];
  stop(options?: { keepLogs?: boolean }): Promise<void>;
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === 'EADDRINUSE' ? `port ${port} is in use: is another benchmark running? (override with BENCH_*_PORT)` : error.message)),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

/**
 * With API_PROCESSES > 1, /readyz answers as soon as one process listens: wait until all of them have started and
 * each has been up for a few seconds (their start-up, loading the code through tsx, costs CPU the phases must not see).
 */
async function waitForApiProcesses(api: RunningPart, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { forked } = programOf(allProcesses(), api.child.pid!);
    if (forked.length >= count) break;
    if (exited(api.child)) throw new Error(`api exited with code ${api.child.exitCode} while starting:\n${tail(api.logFile)}`);
    if (Date.now() > deadline) throw new Error(`only ${forked.length} of ${count} API processes after ${timeoutMs} ms`);
    await sleep(250);
  }
  await sleep(5_000);
}

async function waitForReady(url: string, parts: RunningPart[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    for (const part of parts) {
      if (exited(part.child)) throw new Error(`${part.name} exited with code ${part.child.exitCode} while starting:\n${tail(part.logFile)}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
      last = `${response.status} ${await response.text()}`;
      if (response.status === 200) return;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms: ${last}`);
    await sleep(250);
  }
}

/** The environment `npm start` gives its parts for the local provider (scripts/dev-sign-in.ts), on loopback. */
function localIdentityProviderEnv(idpPort: number, apiPort: number): Record<string, string> {
  const env: NodeJS.ProcessEnv = { IDP_PORT: String(idpPort), IDP_ISSUER: `http://127.0.0.1:${idpPort}`, PORT: String(apiPort) };
  applyLocalIdentityProvider(env);
  return env as Record<string, string>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const base = loadConfig();
  const apiPort = options.apiPort ?? numberArg('api-port', 'BENCH_API_PORT', 3400);
  const paymentsPort = options.paymentsPort ?? numberArg('payments-port', 'BENCH_PAYMENTS_PORT', 4400);
  const temporalPort = options.temporalPort ?? numberArg('temporal-port', 'BENCH_TEMPORAL_PORT', 7400);
  const uiPort = options.uiPort ?? numberArg('ui-port', 'BENCH_UI_PORT', 8400);
  // Each worker serves its metrics on a port of its own (the SQL statements it sent, by activity: bench:saga reads them).
  const workers = options.workers ?? numberArg('workers', 'BENCH_WORKERS', 1);
  const workerMetricsPort = options.workerMetricsPort ?? numberArg('worker-metrics-port', 'BENCH_WORKER_METRICS_PORT', 9400);
  const workerMetricsPorts = workerMetricsPort === 'off' ? [] : Array.from({ length: workers }, (_, i) => workerMetricsPort + i);
  const apiProcesses = options.apiProcesses ?? numberArg('api-processes', 'BENCH_API_PROCESSES', 1);
  const logLevel = options.logLevel ?? process.env.BENCH_LOG_LEVEL ?? 'warn';
  const cpuProf = options.cpuProf ?? ((process.env.BENCH_CPU_PROF ?? '').split(',').filter(Boolean) as PartName[]);
  const codecServerPort = options.codecServerPort;
  const idpPort = options.idpPort;
  for (const port of [apiPort, paymentsPort, temporalPort, uiPort, ...(codecServerPort ? [codecServerPort] : []), ...(idpPort ? [idpPort] : []), ...workerMetricsPorts]) await assertPortFree(port);

  // The schema must be current before the API and workers open their pools.
  const orm = await openOrm(base.DATABASE_URL);
  try {
    await migrateUp(orm);
  } finally {
    await orm.close();
  }

  const dataDir = mkdtempSync(path.join(os.tmpdir(), `bench-temporal-${options.name}-`));
  const logDir = mkdtempSync(path.join(os.tmpdir(), `bench-logs-${options.name}-`));
  const host = '127.0.0.1';
  const temporalAddress = `${host}:${temporalPort}`;
  // The Web UI runs in the operator's browser, which calls the codec server itself: localhost, as `npm start` does.
  const codecServerUrl = codecServerPort ? `http://localhost:${codecServerPort}` : undefined;
  const devServer = { host, port: temporalPort, uiPort, namespace: base.TEMPORAL_NAMESPACE, dataDir, codecEndpoint: codecServerUrl };
  const dynamicConfig = (process.env.BENCH_TEMPORAL_DYNAMIC_CONFIG ?? '').split(',').filter(Boolean);
  // BENCH_TEMPORAL_DYNAMIC_CONFIG (experiments only) adds server settings, to measure what one changes.
  const temporal = await startDevServer({ ...devServer, dynamicConfig });

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(apiPort),
    PAYMENTS_PORT: String(paymentsPort),
    PAYMENTS_URL: `http://${host}:${paymentsPort}`,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_UI_PORT: String(uiPort),
    TEMPORAL_DATA_DIR: dataDir,
    // The stand-in's durable ledger goes with the stack: each run's money check sees only its own payments.
    PAYMENTS_DATA_FILE: path.join(dataDir, 'payments-ledger.jsonl'),
    LOG_LEVEL: logLevel,
    // The benchmarks' tokens are signed with this secret (bench/tokens.ts).
    AUTH_JWT_SECRET: BENCH_AUTH_SECRET,
    PAYMENTS_API_KEY: BENCH_PAYMENTS_API_KEY,
    // The stand-in's events (refunds, voids, disputes) go to the stack's API, as under npm start.
    PAYMENTS_WEBHOOK_SECRET: BENCH_PAYMENTS_WEBHOOK_SECRET,
    PAYMENTS_EVENTS_URL: `http://${host}:${apiPort}/payments/events`,
    // The browser tests sign in with the page's local form (never in compose or k8s: docs/SECURITY.md).
    AUTH_LOCAL_SIGN_IN: 'true',
    ...BENCH_CODEC,
    API_PROCESSES: String(apiProcesses),
    ...(codecServerPort ? { CODEC_SERVER_PORT: String(codecServerPort) } : {}),
    ...(idpPort ? localIdentityProviderEnv(idpPort, apiPort) : {}),
    ...options.env,
  };

  const parts: RunningPart[] = [];
  const startPart = (name: string, entry: string, profile: boolean, partEnv: NodeJS.ProcessEnv = env) => {
    parts.push(spawnPart(name, entry, { logDir, env: partEnv, cpuProfile: profile }));
  };

  let stopping = false;
  const stop = async ({ keepLogs = process.env.BENCH_KEEP_LOGS === '1' || cpuProf.length > 0 } = {}) => {
    if (stopping) return;
    stopping = true;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Newest first: the API stops taking orders, then the workers drain, then the provider, then Temporal.
    for (const part of [...parts].reverse()) await stopChild(part.child);
    await stopChild(temporal, 15_000);
    rmSync(dataDir, { recursive: true, force: true });
    if (!keepLogs) rmSync(logDir, { recursive: true, force: true });
  };
  const onSignal = () => {
    console.error('[stack] interrupted: stopping the benchmark stack');
    void stop({ keepLogs: true }).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    if (idpPort) startPart('idp', 'idp/main.ts', false);
    startPart('payments', 'payments/main.ts', cpuProf.includes('payments'));
    for (let i = 1; i <= workers; i += 1) {
      const workerEnv = { ...env, WORKER_METRICS_PORT: workerMetricsPorts[i - 1] === undefined ? 'off' : String(workerMetricsPorts[i - 1]), METRICS_HOST: host };
      startPart(workers === 1 ? 'worker' : `worker-${i}`, 'worker/main.ts', cpuProf.includes('worker'), workerEnv);
    }
    startPart('api', 'api/main.ts', cpuProf.includes('api'));
    if (codecServerPort) startPart('codec-server', 'codec-server/main.ts', false);
    await waitForReady(`http://${host}:${apiPort}/readyz`, parts, 90_000);
    if (apiProcesses > 1) await waitForApiProcesses(parts.find((part) => part.name === 'api')!, apiProcesses, 90_000);
    if (codecServerPort) await waitForReady(`http://${host}:${codecServerPort}/healthz`, parts, 30_000);
    if (idpPort) await waitForReady(`http://${host}:${idpPort}/healthz`, parts, 30_000);
    await waitForReady(`http://${host}:${paymentsPort}/health`, parts, 30_000);
    await waitForPollers(temporalAddress, base.TEMPORAL_NAMESPACE, ORDER_TASK_QUEUE, workers, 90_000, parts);
  } catch (error) {
    await stop({ keepLogs: true });
    throw new Error(`${(error as Error).message}\n(logs kept in ${logDir})`);
  }

  const pids: Record<string, number | undefined> = { temporal: temporal.pid };
  for (const part of parts) pids[part.name] = part.child.pid;
  return {
    apiUrl: `http://${host}:${apiPort}`,
    codecServerUrl,
    paymentsUrl: `http://${host}:${paymentsPort}`,
    temporalAddress,
    namespace: base.TEMPORAL_NAMESPACE,
    dataDir,
    logDir,
    workers,
    apiProcesses,
    cpuProfiled: cpuProf,
    pids,
    workerMetricsUrls: workerMetricsPorts.map((port) => `http://${host}:${port}/metrics`),
    stop,
  };
}

/** `tsx bench/stack.ts`: starts a stack and keeps it up until Ctrl-C (for poking at it by hand). */
if (require.main === module) {
  startStack({ name: 'manual' })
    .then((stack) => {
      console.log(`[stack] up: API ${stack.apiUrl}, payments ${stack.paymentsUrl}, Temporal ${stack.temporalAddress}; logs ${stack.logDir}. Ctrl-C stops it.`);
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
}
