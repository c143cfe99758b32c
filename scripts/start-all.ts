import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../config';
import { migrateUp } from '../db/migrate';
import { DatabaseUnreachableError, openOrm } from '../db/orm';
import { seedDemoProducts } from '../db/seed';
import { connectRedis } from '../inventory/redis';
import { devServerOptionsFrom, startDevServer } from '../temporal/dev-server';

/**
 * `npm start`: the whole service in one terminal — Temporal dev server (Web UI on TEMPORAL_UI_PORT), migrations,
 * demo products, the payment stand-in, the API and a worker. Ctrl-C stops every part, newest first.
 */
const START_MARIADB = 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd';
const root = path.resolve(__dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

async function prepareDatabase(databaseUrl: string): Promise<void> {
  const orm = await openOrm(databaseUrl).catch((error: unknown) => {
    if (error instanceof DatabaseUnreachableError && error.serverDown) throw new Error(`${error.message}. Start it with: ${START_MARIADB}`);
    throw error;
  });
  try {
    await migrateUp(orm);
    const seeded = await seedDemoProducts(orm);
    if (seeded.length > 0) console.log(`[start] demo products added: ${seeded.map((product) => product.sku).join(', ')}`);
  } finally {
    await orm.close();
  }
}

function startPart(name: string, entry: string): ChildProcess {
  const child = spawn(tsx, [entry], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  for (const stream of [child.stdout!, child.stderr!]) {
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) console.log(`[${name}] ${line}`);
    });
  }
  return child;
}

function stopped(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function main(): Promise<void> {
  const config = loadConfig();
  await prepareDatabase(config.DATABASE_URL);
  (await connectRedis(config.REDIS_URL)).disconnect();

  const temporal = await startDevServer(devServerOptionsFrom(config));
  console.log(`[start] Temporal on ${config.TEMPORAL_ADDRESS}, Web UI on http://localhost:${config.TEMPORAL_UI_PORT}`);

  const parts = [
    { name: 'payments', child: startPart('payments', 'payments/main.ts') },
    { name: 'worker', child: startPart('worker', 'worker/main.ts') },
    { name: 'api', child: startPart('api', 'api/main.ts') },
  ];

  let stopping = false;
  const stopAll = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    console.log('[start] stopping…');
    for (const { child } of [...parts].reverse()) {
      child.kill('SIGTERM');
      await stopped(child);
    }
    temporal.kill('SIGTERM');
    await stopped(temporal);
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  for (const { name, child } of parts) {
    child.once('exit', (code) => {
      if (!stopping) {
        console.error(`[start] ${name} exited with code ${code}; stopping the rest`);
        void stopAll(1);
      }
    });
  }
  temporal.once('exit', (code) => {
    if (!stopping) {
      console.error(`[start] Temporal dev server exited with code ${code}; stopping the rest`);
      void stopAll(1);
    }
  });
}

main().catch((error: unknown) => {
  console.error(`[start] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
