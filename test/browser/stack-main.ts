/**
 * The real stack the browser tests drive (Playwright's webServer starts it and stops it with SIGTERM): a Temporal dev
 * server (its Web UI pointed at the codec server, as `npm start` does), the local OpenID provider, the payment
 * stand-in, a worker, the codec server and the API serving the built page, on ports of their own (./ports.ts), with a short hold (RESERVATION_TTL, 20 s by
 * default) so a hold can expire within a test.
 */
import './databases';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startStack } from '../../bench/stack';
import { loadConfig } from '../../config';
import { connectRedis } from '../../inventory/redis';
import { BROWSER_PORTS } from './ports';

/**
 * The suite's Redis database is its own: it starts empty, so availability left by an earlier run (whose products
 * may have had the same ids in a database since dropped) is never taken for a new product's. MySQL stays the truth:
 * the API loads every product's missing availability from it at start.
 */
async function emptyOwnRedisDatabase(): Promise<void> {
  const redis = await connectRedis(loadConfig().REDIS_URL);
  try {
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  await emptyOwnRedisDatabase();
  const stack = await startStack({
    name: 'browser',
    apiPort: BROWSER_PORTS.api,
    paymentsPort: BROWSER_PORTS.payments,
    temporalPort: BROWSER_PORTS.temporal,
    uiPort: BROWSER_PORTS.ui,
    codecServerPort: BROWSER_PORTS.codecServer,
    idpPort: BROWSER_PORTS.idp,
    env: { RESERVATION_TTL: process.env.BROWSER_RESERVATION_TTL ?? '20s', TEMPORAL_UI_URL: `http://localhost:${BROWSER_PORTS.ui}` },
  });
  // The parts lead process groups of their own: scripts/test-browser.sh stops any that outlive this process.
  const pidFile = path.join(__dirname, '..', '..', 'test-results', 'browser-stack-pids');
  mkdirSync(path.dirname(pidFile), { recursive: true });
  writeFileSync(pidFile, Object.values(stack.pids).filter((pid) => pid !== undefined).join('\n') + '\n');
  console.log(`[browser] stack ready: ${stack.apiUrl}`);
}

main().catch((error: unknown) => {
  console.error(`[browser] stack failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
