// Tracing first: it patches http, ioredis and mysql2 before anything below loads them.
import { apiTracing } from '../telemetry/api-tracing';
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
import { requestIdMixin } from './http-hygiene';

/** `npm run api`: the REST API on PORT; SIGINT/SIGTERM stop taking connections and finish the requests in flight. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.LOG_LEVEL, base: { service: 'api' }, mixin: () => ({ ...requestIdMixin(), ...traceIds() }) });
  const orm = await openOrm(config.DATABASE_URL);
  // A small pool of the console's own (AppDeps.staffOrm): one summary at a time per window, plus the check.
  const staffOrm = await openOrm(config.DATABASE_URL, { poolSize: 2 });
  const redis = await connectRedis(config.REDIS_URL);
  const temporal = await connectClient(config);
  const inventory = new Inventory(redis);
  const loaded = await loadMissingAvailability(orm, inventory);
  if (loaded.length > 0) logger.info({ products: loaded }, 'availability loaded from MySQL');

  const metrics = await serveApiMetrics(config, { orm, inventory }, logger);
  const soldOut = new SoldOutFlags();
  const stopFollowing = await followReopenedProducts(redis, soldOut);
  const app = createApp({
    orm,
    staffOrm,
    redis,
    inventory,
    temporal,
    holdMs: config.RESERVATION_TTL,
    captureRetryWindowMs: config.CAPTURE_RETRY_WINDOW,
    temporalCallTimeoutMs: config.TEMPORAL_CALL_TIMEOUT,
    logger,
    metrics,
    soldOut,
    console: {
      temporalUiUrl: config.TEMPORAL_UI_URL ?? `http://localhost:${config.TEMPORAL_UI_PORT}`,
      namespace: config.TEMPORAL_NAMESPACE,
      paymentsUrl: config.PAYMENTS_URL,
      temporalAddress: config.TEMPORAL_ADDRESS,
    },
  });
  const server = app.listen(config.PORT, () => logger.info(`API listening on http://localhost:${config.PORT}`));

  const stop = () => {
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
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
