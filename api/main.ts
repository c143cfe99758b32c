// Tracing first: it patches http, ioredis and mysql2 before anything below loads them.
import { apiTracing } from '../telemetry/api-tracing';
import cluster from 'node:cluster';
import pino from 'pino';
import { traceIds } from '../telemetry/log-context';
import { loadConfig } from '../config';
import { openOrm } from '../db/orm';
import { loadMissingAvailability } from '../inventory/availability-sync';
import { Inventory } from '../inventory/inventory';
import { followReopenedProducts, SoldOutFlags } from '../inventory/sold-out-flags';
import { connectRedis } from '../inventory/redis';
import { connectClient } from '../temporal/connection';
import { serveApiMetrics } from '../telemetry/api-endpoint';
import { createApp } from './app';
import { listenOn } from './listen';
import { createWebhookEmitter } from '../webhooks/emitter';
import { offerMetricsToPrimary, runPrimary } from './cluster';
import { requestIdMixin } from './http-hygiene';

/**
 * `npm run api`: the REST API on PORT; SIGINT/SIGTERM stop taking connections and finish the requests in flight.
 * API_PROCESSES > 1 runs that many such processes on PORT under a primary (api/cluster.ts).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const clustered = config.API_PROCESSES > 1;
  // With several processes, each line says which one wrote it (a request's lines all come from one).
  const base = clustered ? { service: 'api', pid: process.pid } : { service: 'api' };
  const logger = pino({ level: config.LOG_LEVEL, base, mixin: () => ({ ...requestIdMixin(), ...traceIds() }) });
  if (clustered && cluster.isPrimary) return runPrimary(config, logger);
  const orm = await openOrm(config.DATABASE_URL);
  // A small pool of the console's own (AppDeps.staffOrm): one summary at a time per window, plus the check.
  const staffOrm = await openOrm(config.DATABASE_URL, { poolSize: 2 });
  const redis = await connectRedis(config.REDIS_URL);
  const temporal = await connectClient(config);
  const inventory = new Inventory(redis);
  const loaded = await loadMissingAvailability(orm, inventory);
  if (loaded.length > 0) logger.info({ products: loaded }, 'availability loaded from MySQL');

  const metrics = await serveApiMetrics(config, { orm, inventory }, logger, clustered ? offerMetricsToPrimary : undefined);
  // Every API process keeps flags of its own and subscribes for the announcements that end them.
  const soldOut = new SoldOutFlags(config.SOLD_OUT_FLAG_MAX_AGE);
  const stopFollowing = await followReopenedProducts(redis, soldOut);
  const app = createApp({
    orm,
    staffOrm,
    redis,
    inventory,
    temporal,
    holdMs: config.RESERVATION_TTL,
    captureRetryWindowMs: config.CAPTURE_RETRY_WINDOW,
    returnWindowMs: config.RETURN_WINDOW,
    temporalCallTimeoutMs: config.TEMPORAL_CALL_TIMEOUT,
    logger,
    metrics,
    soldOut,
    webhooks: createWebhookEmitter(orm, { client: temporal }),
    stockReadMaxAgeMs: config.STOCK_READ_MAX_AGE,
    console: {
      temporalUiUrl: config.TEMPORAL_UI_URL ?? `http://localhost:${config.TEMPORAL_UI_PORT}`,
      namespace: config.TEMPORAL_NAMESPACE,
      paymentsUrl: config.PAYMENTS_URL,
      temporalAddress: config.TEMPORAL_ADDRESS,
    },
  });
  const server = await listenOn(app, config.PORT);
  logger.info(`API listening on http://localhost:${config.PORT}`);

  let stopping = false;
  const stop = () => {
    // Both signals can arrive (Ctrl-C reaches the whole group, and a cluster's primary passes it on too).
    if (stopping) return;
    stopping = true;
    logger.info('API stopping: draining requests in flight');
    // A hard limit: a request that does not finish (a client that keeps its connection) cannot hold the stop forever.
    setTimeout(() => {
      logger.warn({ limitMs: config.API_SHUTDOWN_TIMEOUT }, 'API stop took too long; exiting with requests still open');
      process.exit(1);
    }, config.API_SHUTDOWN_TIMEOUT).unref();
    server.close(async () => {
      await temporal.connection.close();
      stopFollowing();
      redis.disconnect();
      await orm.close();
      await staffOrm.close();
      await apiTracing?.shutdown();
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
