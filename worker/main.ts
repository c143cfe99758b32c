// Tracing first: it patches ioredis, mysql2 and fetch before anything below loads them.
import { tracingPlugins, workerTracing } from '../telemetry/worker-tracing';
import { Client } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import pino from 'pino';
import { traceIds } from '../telemetry/log-context';
import { createActivities } from '../activities';
import { emailNotifier } from '../activities/email-notifier';
import { logNotifier, type Notifier } from '../activities/notify';
import { createWebhookActivities } from '../activities/webhook-delivery';
import { createWebhookEmitter } from '../webhooks/emitter';
import { parseAllowedHosts } from '../webhooks/url-guard';
import { createWebhookWorker } from './webhook-worker';
import { createReconcileActivities } from '../activities/reconcile';
import { CouponGate } from '../coupons/gate';
import { ensureReconcileSchedule } from '../temporal/reconcile-schedule';
import { createReconcileWorker } from './reconcile-worker';
import { startCartCleanup } from './cart-cleanup';
import { loadConfig } from '../config';
import { openOrm } from '../db/orm';
import { Inventory } from '../inventory/inventory';
import { connectRedis } from '../inventory/redis';
import { createPaymentsClient } from '../payments/client';
import { workerMetrics } from '../telemetry/worker-endpoint';
import { afterSaleMetrics } from '../telemetry/saga-metrics';
import { dataConverterFor } from '../temporal/codec';
import { startWorkerHealthServer } from './health';
import { sdkLoggerFrom } from './sdk-logger';
import { countStatementsByActivity } from './statement-metrics';
import { connectWhenReachable, createOrderWorker } from './worker';

/** `npm run worker`: one order worker against TEMPORAL_ADDRESS; SIGINT/SIGTERM drain it before exit. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.LOG_LEVEL, base: { service: 'worker' }, mixin: traceIds });
  const metrics = await workerMetrics(config, logger);
  Runtime.install({
    logger: sdkLoggerFrom(logger.child({ component: 'temporal-sdk' }, { level: sdkLevel(config.LOG_LEVEL) })),
    telemetryOptions: metrics?.runtimeTelemetry,
  });
  await metrics?.serve();
  const orm = await openOrm(config.DATABASE_URL);
  if (metrics) countStatementsByActivity(orm, metrics.saga.dbStatements);
  const redis = await connectRedis(config.REDIS_URL);
  const notifier: Notifier = config.SMTP_URL
    ? emailNotifier({ smtpUrl: config.SMTP_URL, from: config.SMTP_FROM, fallback: logNotifier(logger) })
    : logNotifier(logger);
  const inventory = new Inventory(redis);
  const connection = await connectWhenReachable(config.TEMPORAL_ADDRESS);
  // The recording step starts webhook deliveries through this client (webhooks/emitter.ts).
  // One data converter (the payload codec) for every client and worker of this process.
  const dataConverter = dataConverterFor();
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter });
  if (config.PAYMENTS_API_KEY === undefined) throw new Error('PAYMENTS_API_KEY is not set: the payment provider answers only callers with a key');
  const payments = createPaymentsClient({ baseUrl: config.PAYMENTS_URL, apiKey: config.PAYMENTS_API_KEY, timeoutMs: 5_000 });
  const webhooks = createWebhookEmitter(orm, { client, soldOutBy: (orderId) => inventory.soldOutBy(orderId) });
  const activities = createActivities({
    inventory,
    orm,
    payments,
    notifier,
    onAvailabilityRebuilt: () => metrics?.saga.availabilityRebuilds.inc(),
    webhooks,
    afterSale: metrics && afterSaleMetrics(metrics.saga),
  });
  const worker = await createOrderWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    activities,
    telemetry: { ...metrics?.workerOptions, plugins: tracingPlugins(workerTracing) },
    dataConverter,
  });
  const webhookWorker = await createWebhookWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    activities: createWebhookActivities(orm, { allowedHosts: parseAllowedHosts(config.WEBHOOK_ALLOWED_HOSTS) }),
    dataConverter,
  });
  const reconcileWorker = await createReconcileWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    activities: createReconcileActivities({ orm, inventory, payments, temporal: client, webhooks, notifier, couponGate: new CouponGate(redis) }),
    dataConverter,
  });
  await ensureReconcileSchedule(client, { intervalMs: config.RECONCILE_INTERVAL, sweepAfterMs: config.RECONCILE_SWEEP_AFTER }).then(
    (outcome) => logger.info({ interval: config.RECONCILE_INTERVAL, sweepAfter: config.RECONCILE_SWEEP_AFTER }, `reconcile schedule ${outcome}`),
    // Orders do not depend on it: the worker serves them, and says loudly that the reconciler is not scheduled.
    (error: unknown) => logger.error({ error: (error as Error).message }, 'reconcile schedule could not be created or updated'),
  );
  const stopCartCleanup = startCartCleanup(orm, { ttlMs: config.CART_TTL, everyMs: config.RECONCILE_INTERVAL, logger });
  const health = config.WORKER_HEALTH_PORT ? await startWorkerHealthServer(config.WORKER_HEALTH_PORT, worker, connection) : undefined;
  logger.info({ temporal: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE, notifications: notifier.channel, healthPort: config.WORKER_HEALTH_PORT }, 'order worker running');
  // The SDK stops polling on SIGINT/SIGTERM and lets in-flight activities finish within shutdownGraceTime.
  await Promise.all([worker.run(), webhookWorker.run(), reconcileWorker.run()]);
  stopCartCleanup();
  health?.close();
  await connection.close();
  redis.disconnect();
  await orm.close();
  await workerTracing?.shutdown();
  logger.info('order worker stopped');
}

/** Per-activity SDK lines are INFO: they show at LOG_LEVEL=debug and below, not at the default info. */
function sdkLevel(level: string): string {
  return level === 'info' ? 'warn' : level;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
