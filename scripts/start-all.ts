import { spawn } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../config';
import { migrateUp } from '../db/migrate';
import { DatabaseUnreachableError, openOrm } from '../db/orm';
import { seedDemoProducts } from '../db/seed';
import { connectRedis } from '../inventory/redis';
import { devServerOptionsFrom, startDevServer } from '../temporal/dev-server';
import { type PartLauncher, SupervisedPart } from './supervised-part';
import { applyLocalSecrets, LOCAL_SECRETS_FILE } from './local-secrets';
import { applyLocalIdentityProvider } from './dev-sign-in';

/**
 * `npm start`: the whole service in one terminal — Temporal dev server (Web UI on TEMPORAL_UI_PORT), migrations,
 * demo products, the local OpenID provider (unless OIDC_ISSUER or AUTH_JWKS_URL names another), the payment
 * stand-in, the API and a worker. A part that exits unexpectedly is restarted with backoff
 * (scripts/supervised-part.ts) while the others keep serving; Ctrl-C stops every part, newest first.
 */
const START_MARIADB = 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd';
const root = path.resolve(__dirname, '..');

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

/** A part as one Node process running its TypeScript entry through tsx's loader (one pid: a signal reaches the part itself). */
function nodePart(name: string, entry: string): PartLauncher {
  return {
    name,
    launch: async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
      for (const stream of [child.stdout!, child.stderr!]) prefixLines(stream, name);
      return child;
    },
  };
}

function prefixLines(stream: NodeJS.ReadableStream, name: string): void {
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) console.log(`[${name}] ${line}`);
  });
}

async function main(): Promise<void> {
  // With no AUTH_JWKS_URL, a local signing secret (and codec key) are made once and kept; the parts inherit them.
  const applied = applyLocalSecrets(process.env, { withJwtSecret: !process.env.AUTH_JWKS_URL });
  if (applied.length > 0) console.log(`[start] ${applied.join(', ')} from ${path.relative(root, LOCAL_SECRETS_FILE)} (tokens: npm run --silent token -- --role customer --sub cus_42)`);
  // The stand-in announces refunds, voids and disputes to this API (payments/events.ts).
  process.env.PAYMENTS_EVENTS_URL ||= `http://127.0.0.1:${process.env.PORT || 3000}/payments/events`;
  // Without a provider named, the local one (idp/) signs buyers and staff in, verified through its JWKS.
  const idpPort = applyLocalIdentityProvider(process.env);
  // People sign in at that provider (its demo buyers and staff); the any-role local form only where asked for.
  if (process.env.AUTH_LOCAL_SIGN_IN === 'true') console.log("[start] AUTH_LOCAL_SIGN_IN=true: the page's local sign-in form is on, and anyone who reaches the API may take any role");
  const config = loadConfig();
  await prepareDatabase(config.DATABASE_URL);
  (await connectRedis(config.REDIS_URL)).disconnect();

  const log = (line: string) => console.log(`[start] ${line}`);
  // The Web UI decodes the (encrypted) payloads through the codec server, for operators (see README).
  const codecEndpoint = `http://localhost:${process.env.CODEC_SERVER_PORT ?? 8234}`;
  const temporal = new SupervisedPart({ name: 'temporal', launch: () => startDevServer({ ...devServerOptionsFrom(config), codecEndpoint }) }, log);
  await temporal.start();
  log(`Temporal on ${config.TEMPORAL_ADDRESS}, Web UI on http://localhost:${config.TEMPORAL_UI_PORT}, codec server ${codecEndpoint}`);

  // A part that crashes is restarted with backoff while the others keep serving: an order reserved before a worker
  // crash is paid and confirmed once the worker is back (its workflow waits in Temporal meanwhile).
  const parts = [
    ...(idpPort !== undefined ? [nodePart('idp', 'idp/main.ts')] : []),
    nodePart('payments', 'payments/main.ts'),
    nodePart('codec-server', 'codec-server/main.ts'),
    nodePart('worker', 'worker/main.ts'),
    nodePart('api', 'api/main.ts'),
  ].map(
    (launcher) => new SupervisedPart(launcher, log),
  );
  for (const part of parts) await part.start();
  if (idpPort !== undefined) log(`sign in at ${process.env.OIDC_ISSUER} (local OpenID provider; demo people and password in docs/SECURITY.md)`);

  let stopping = false;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    log('stopping…');
    for (const part of [...parts, temporal]) part.keepDown();
    // Newest first: the API stops taking orders, the worker drains its activities, then payments and Temporal go.
    for (const part of [...parts].reverse()) await part.stop();
    await temporal.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stopAll());
  process.on('SIGTERM', () => void stopAll());
}

main().catch((error: unknown) => {
  console.error(`[start] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
