// Tracing first: it patches ioredis, mysql2 and fetch before anything below loads them.
import { tracingPlugins, workerTracing } from '../telemetry/worker-tracing';
import { Runtime } from '@temporalio/worker';
import pino from 'pino';
import { traceIds } from '../telemetry/log-context';
import { createActivities } from '../activities';
import { emailNotifier } from '../activities/email-notifier';
import { logNotifier, type Notifier } from '../activities/notify';
import { loadConfig } from '../config';
import { openOrm } from '../db/orm';
import { Inventory } from '../inventory/inventory';
import { connectRedis } from '../inventory/redis';
import { createPaymentsClient } from '../payments/client';
import { workerMetrics } from '../telemetry/worker-endpoint';
import { sdkLoggerFrom } from './sdk-logger';
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
  const redis = await connectRedis(config.REDIS_URL);
  const notifier: Notifier = config.SMTP_URL
    ? emailNotifier({ smtpUrl: config.SMTP_URL, from: config.SMTP_FROM, fallback: logNotifier(logger) })
    : logNotifier(logger);
  const activities = createActivities({
    inventory: new Inventory(redis),
    orm,
    payments: createPaymentsClient({ baseUrl: config.PAYMENTS_URL, timeoutMs: 5_000 }),
    notifier,
    onAvailabilityRebuilt: () => metrics?.saga.availabilityRebuilds.inc(),
  });
  const connection = await connectWhenReachable(config.TEMPORAL_ADDRESS);
  const worker = await createOrderWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    activities,
    telemetry: { ...metrics?.workerOptions, plugins: tracingPlugins(workerTracing) },
  });
  logger.info({ temporal: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE, notifications: notifier.channel }, 'order worker running');
  // The SDK stops polling on SIGINT/SIGTERM and lets in-flight activities finish within shutdownGraceTime.
  await worker.run();
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
