/**
 * The whole service for one fault run, isolated from everything else on the machine: its own redis-server (so
 * FLUSHALL hurts nobody), its own MySQL database on the shared MariaDB, its own Temporal dev server with a SQLite
 * file under /tmp (kept across its restarts), and the payment stand-in, the order workers and the API as child
 * processes, all on free ports of 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Redis } from 'ioredis';
import { loadConfig } from '../config';
import { createProduct, type Product } from '../db/catalogue';
import { migrateUp } from '../db/migrate';
import { openOrm, type MikroORM } from '../db/orm';
import { forkSql, run } from '../db/sql';
import { connectRedis } from '../inventory/redis';
import { requireBinary, TEMPORAL_CLI } from '../temporal/binaries';
import { ORDER_SEARCH_ATTRIBUTES, ORDER_TASK_QUEUE } from '../temporal/names';
import { SQLITE_WAL_PRAGMA_ARGS } from '../temporal/dev-server';
import type { FaultCounts } from '../payments/faults';
import type { ChaosOptions } from './options';
import { freePort, Supervisor, waitUntil, type Part } from './supervisor';

const root = path.resolve(__dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const HOST = '127.0.0.1';
const NAMESPACE = 'default';

export interface ChaosStack {
  /** The first API instance (for the verdict's reads). */
  apiUrl: string;
  /** Every API instance, in the order of apiNames; buyers' requests go round-robin over them. */
  apiUrls: string[];
  apiNames: string[];
  paymentsUrl: string;
  redisUrl: string;
  databaseUrl: string;
  databaseName: string;
  temporalAddress: string;
  namespace: string;
  dataDir: string;
  logDir: string;
  /** The run's own connections, for flushing, waiting for quiet and the verdict. */
  orm: MikroORM;
  redis: Redis;
  products: Product[];
  supervisor: Supervisor;
  workerNames: string[];
  /** The environment the checker and the parts read their connections from. */
  env: NodeJS.ProcessEnv;
  /** The payment stand-in's own fault counts since it last started (undefined when it does not answer). */
  paymentFaultCounts(): Promise<FaultCounts | undefined>;
  /** Waits until Temporal answers its health check. */
  waitForTemporal(timeoutMs?: number): Promise<void>;
  /** Stops every part; drops the database and removes the data unless `keep`. */
  teardown(options: { keep: boolean; keepLogs: boolean }): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The chaos database's URL: the service's MySQL server (it must be on this machine), another database name. */
function chaosDatabaseUrl(name: string): string {
  const url = new URL(loadConfig().DATABASE_URL);
  if (!LOOPBACK.has(url.hostname)) throw new Error(`DATABASE_URL points at ${url.hostname}: a fault run only uses a MySQL server on 127.0.0.1`);
  url.pathname = `/${name}`;
  return url.toString();
}

async function temporalHealthy(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    await connection.healthService.check({});
    return true;
  } finally {
    await connection.close();
  }
}

async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  await response.text();
  return response.status === 200;
}

/** Task-queue pollers of both kinds (workflow and activity), counted by worker identity. */
async function pollerCount(address: string, namespace: string): Promise<number> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    const counts = await Promise.all(
      [1, 2].map(async (taskQueueType) => {
        const answer = await connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: ORDER_TASK_QUEUE }, taskQueueType });
        return new Set((answer.pollers ?? []).map((poller) => poller.identity)).size;
      }),
    );
    return Math.min(...counts);
  } finally {
    await connection.close();
  }
}

const stamp = () => new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);

export async function startChaosStack(options: ChaosOptions, log: (line: string) => void): Promise<ChaosStack> {
  const runId = `${stamp()}_${options.seed}`;
  const databaseName = `chaos_${runId}`;
  const databaseUrl = chaosDatabaseUrl(databaseName);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `chaos-temporal-${runId}-`));
  const logDir = mkdtempSync(path.join(os.tmpdir(), `chaos-logs-${runId}-`));
  const [paymentsPort, temporalPort, redisPort] = [await freePort(), await freePort(), await freePort()];
  const apiPorts: number[] = [];
  for (let i = 0; i < options.apis; i += 1) apiPorts.push(await freePort());
  const temporalAddress = `${HOST}:${temporalPort}`;
  const redisUrl = `redis://${HOST}:${redisPort}`;
  const apiUrls = apiPorts.map((port) => `http://${HOST}:${port}`);
  const apiUrl = apiUrls[0];
  const paymentsUrl = `http://${HOST}:${paymentsPort}`;

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(apiPorts[0]),
    PAYMENTS_PORT: String(paymentsPort),
    PAYMENTS_URL: paymentsUrl,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: NAMESPACE,
    TEMPORAL_DATA_DIR: dataDir,
    RESERVATION_TTL: `${options.holdMs}ms`,
    LOG_LEVEL: 'warn',
    // The reconciler runs often, so drift the saga leaves is found (and counted: chaos/reconciler-findings.ts) in a short run.
    RECONCILE_INTERVAL: '15s',
    // Nothing of the run on the machine's fixed ports (9464/9465 are the service's own).
    METRICS_PORT: 'off',
    WORKER_METRICS_PORT: 'off',
    // The run's own signing secret: its buyers and verdict mint tokens with it.
    AUTH_JWT_SECRET: randomBytes(32).toString('base64url'),
    // The service's key at the run's payment stand-in; the verdict reads the books with it.
    PAYMENTS_API_KEY: `sk_chaos_${randomBytes(24).toString('base64url')}`,
    // Payloads encrypted as in production (and the workers restarted mid-run must share the key).
    TEMPORAL_CODEC_KEYS: `chaos:${randomBytes(32).toString('base64')}`,
    TEMPORAL_CODEC_KEY_ID: 'chaos',
    // A buyer re-sends a payment whose answer an API kill cut, up to 12 sends (chaos/buyers.ts); each send is an
    // attempt, so the run allows that many: it tests faults, not the card-testing cap (test/api/limits.test.ts does).
    LIMIT_PAYMENT_ATTEMPTS: '12',
  };
  delete env.PAYMENTS_FAULTS;

  const supervisor = new Supervisor(logDir, log);
  const redisPart = supervisor.add({
    name: 'redis',
    command: 'redis-server',
    args: ['--port', String(redisPort), '--bind', HOST, '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
  });
  const temporalPart = supervisor.add({
    name: 'temporal',
    command: requireBinary(TEMPORAL_CLI),
    args: [
      'server', 'start-dev',
      '--ip', HOST,
      '--port', String(temporalPort),
      '--headless',
      '--namespace', NAMESPACE,
      '--db-filename', path.join(dataDir, 'temporal.sqlite'),
      ...SQLITE_WAL_PRAGMA_ARGS,
      '--log-level', 'warn',
      ...ORDER_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
    ],
  });
  const tsxPart = (name: string, entry: string, extra: NodeJS.ProcessEnv = {}) =>
    supervisor.add({ name, command: tsx, args: [entry], cwd: root, env: { ...env, ...extra } });
  // The provider's books in this run's own file, so a restart of the stand-in keeps them (and runs never share them).
  const paymentsPart = tsxPart('payments', 'payments/main.ts', {
    PAYMENTS_DATA_FILE: path.join(logDir, 'payments-ledger.jsonl'),
    ...(options.paymentFaults === 'off' ? {} : { PAYMENTS_FAULTS: `${options.paymentFaults},seed=${options.seed}` }),
  });
  const workerNames = Array.from({ length: options.workers }, (_, i) => `worker-${i + 1}`);
  const workerParts = workerNames.map((name) => tsxPart(name, 'worker/main.ts'));
  // Instances of one API on the same Redis, MySQL and Temporal, as behind a load balancer; each on its own port.
  const apiNames = apiPorts.map((_, i) => `api-${i + 1}`);
  const apiParts = apiPorts.map((port, i) => tsxPart(apiNames[i], 'api/main.ts', { PORT: String(port) }));

  let orm: MikroORM | undefined;
  let redis: Redis | undefined;
  const teardown = async ({ keep, keepLogs }: { keep: boolean; keepLogs: boolean }) => {
    // The run's own Redis connection goes first (a clean QUIT, while the server is still there).
    await redis?.quit().catch(() => redis?.disconnect());
    // Newest first: the API stops taking orders, workers drain, then the provider, Temporal and Redis.
    await supervisor.stopAll([...apiNames, ...workerNames, 'payments', 'temporal', 'redis']);
    if (orm && !keep) await run(forkSql(orm), `DROP DATABASE IF EXISTS \`${databaseName}\``).catch(() => undefined);
    await orm?.close().catch(() => undefined);
    if (!keep) rmSync(dataDir, { recursive: true, force: true });
    if (!keep && !keepLogs) rmSync(logDir, { recursive: true, force: true });
  };

  try {
    redisPart.start();
    temporalPart.start();
    await waitUntil('redis', async () => {
      const client = await connectRedis(redisUrl);
      client.disconnect();
      return true;
    }, 15_000, [redisPart]);
    redis = await connectRedis(redisUrl);

    orm = await openOrm(databaseUrl); // creates the database
    await migrateUp(orm);
    const products: Product[] = [];
    for (let i = 1; i <= options.products; i += 1) {
      products.push(await createProduct(orm, { sku: `CHAOS-${i}`, name: `Chaos drop ${i}`, priceCents: 1_000 + 500 * i, stock: options.stockPerProduct }));
    }
    log(`database ${databaseName}: ${products.length} product(s) of ${options.stockPerProduct} units`);

    await waitUntil('Temporal dev server', () => temporalHealthy(temporalAddress), 60_000, [temporalPart]);
    paymentsPart.start();
    for (const part of workerParts) part.start();
    for (const part of apiParts) part.start();
    const all: Part[] = [paymentsPart, ...workerParts, ...apiParts];
    await waitUntil('payment stand-in', () => httpOk(`${paymentsUrl}/health`), 60_000, all);
    // Ready means a worker polls too, and a worker first bundles the workflow code: minutes on a loaded 2-core machine.
    for (const [i, url] of apiUrls.entries()) await waitUntil(apiNames[i], () => httpOk(`${url}/readyz`), 240_000, all);
    await waitUntil(`${options.workers} worker(s) polling`, async () => (await pollerCount(temporalAddress, NAMESPACE)) >= options.workers, 240_000, all);
    log(`stack up: API ${apiUrls.join(' ')}, payments ${paymentsUrl}, Temporal ${temporalAddress}, Redis ${redisUrl}; logs in ${logDir}`);
    return {
      apiUrl,
      apiUrls,
      apiNames,
      paymentsUrl,
      redisUrl,
      databaseUrl,
      databaseName,
      temporalAddress,
      namespace: NAMESPACE,
      dataDir,
      logDir,
      orm,
      redis,
      products,
      supervisor,
      workerNames,
      env,
      paymentFaultCounts: async () => {
        const response = await fetch(`${paymentsUrl}/v1/faults`, { headers: { authorization: `Bearer ${env.PAYMENTS_API_KEY}` }, signal: AbortSignal.timeout(15_000) }).catch(() => undefined);
        return response?.ok ? ((await response.json()) as { injected: FaultCounts }).injected : undefined;
      },
      waitForTemporal: (timeoutMs = 60_000) => waitUntil('Temporal dev server', () => temporalHealthy(temporalAddress), timeoutMs, [temporalPart]),
      teardown,
    };
  } catch (error) {
    await teardown({ keep: false, keepLogs: true }).catch(() => undefined);
    throw new Error(`the stack did not start: ${(error as Error).message}\n(logs kept in ${logDir})`);
  }
}
