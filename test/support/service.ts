/**
 * The whole order service, for end-to-end API tests: the REAL Temporal dev server, the payments stand-in, MariaDB,
 * Redis, one worker with the real activities on a task queue of its own, and the Express app from createApp on an
 * ephemeral port of 127.0.0.1. One service per test file (beforeAll/afterAll): it starts in a few seconds, most of
 * them spent bundling the workflow code.
 *
 * The dev server is private to the service, so every workflow in it was started by the tests of that file. MySQL and
 * Redis are shared with other suites, so tests name their products and customers uniquely. Before the dev server goes
 * (and its workflows with it), stop() cancels every order still holding stock, so MySQL and Redis are left at rest:
 * no order stays RESERVED in MySQL and every product's Redis availability equals its MySQL stock.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadQueueConfig, type QueueConfig } from '../../config/queue';
import type { MikroORM } from '@mikro-orm/core';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createOrderWorker } from '../../worker/worker';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { createActivities } from '../../activities';
import { createWebhookActivities } from '../../activities/webhook-delivery';
import { createWebhookEmitter } from '../../webhooks/emitter';
import type { DeliveryPolicy } from '../../webhooks/delivery-types';
import { createWebhookWorker } from '../../worker/webhook-worker';
import type { NotificationMessage, Notifier } from '../../activities/notify';
import { createApp } from '../../api/app';
import { followReopenedProducts, SoldOutFlags } from '../../inventory/sold-out-flags';
import { Inventory } from '../../inventory/inventory';
import { createPaymentsClient } from '../../payments/client';
import { OrderClient } from '../../temporal/order-client';
import { createApiMetrics, type ApiMetrics } from '../../telemetry/api-metrics';
import { afterSaleMetrics, createSagaMetrics, sagaMetricsSinks, type SagaMetrics } from '../../telemetry/saga-metrics';
import { registerStockGauges } from '../../telemetry/stock-gauges';
import { registerOpenOrderGauges } from '../../telemetry/open-order-gauges';
import { startStandIn, type StandIn } from '../payments/stand-in';
import { TEST_AUTH_SECRET } from './auth';
import { dataConverterFor } from '../../temporal/codec';
import { TEST_CODEC_KEYS } from './codec';
import { NO_LIMITS, type LimitsConfig } from '../../config/limits';
import { openTestOrm } from './db';
import { startDevServerEnv } from './dev-server';
import { openTestRedis } from './redis';
import { TEST_PAYMENTS_API_KEY, TEST_PAYMENTS_WEBHOOK_SECRET } from './payments-keys';
import { providerEvents } from '../../payments/events';

export interface ServiceOptions {
  /** The reservation hold every order gets (RESERVATION_TTL in production). */
  holdMs: number;
  /**
   * How long the stand-in holds a `tok_timeout` answer before dropping the connection. Must exceed paymentsTimeoutMs
   * (the answer is lost only if the client gave up first), and stay short, so a retry soon replays the stored success.
   */
  lostAnswerDelayMs?: number;
  /** The worker's payments client timeout per request (5 s in worker/main.ts; shorter here, see lostAnswerDelayMs). */
  paymentsTimeoutMs?: number;
  /** Metrics as in production (telemetry/): the API's registry and the worker's saga sinks, returned in `metrics`. */
  metrics?: boolean;
  /** Limits for a drop; none unless given (tests about limits set the ones they pin). */
  limits?: Partial<LimitsConfig>;
  /** The worker's notification channel; by default one that records into `notifications`. */
  notifier?: Notifier;
  /** The built web page the API serves (createApp's webDir); none unless given. */
  webDir?: string | null;
  /** Let the console's invariant check reach this service's payment stand-in and dev server. */
  consoleChecksEverything?: boolean;
  /** Webhooks as in production (emitter, delivery worker on a queue of its own), with a test's hosts and policy. */
  webhooks?: { allowedHosts: ReadonlySet<string>; policy: DeliveryPolicy };
  /** How long a sold-out flag lasts without a reopening message (DEFAULT_FLAG_MAX_AGE_MS unless given). */
  soldOutFlagMaxAgeMs?: number;
  /** STOCK_READ_MAX_AGE; 0 unless given, so a test reads what it just changed. */
  stockReadMaxAgeMs?: number;
  /** The stand-in sends its signed events to the API's POST /payments/events (TEST_PAYMENTS_WEBHOOK_SECRET). */
  paymentEvents?: boolean;
  /** The waiting room's settings (ADMISSION_TTL, ...) over the defaults, with the ticket key derived from TEST_AUTH_SECRET. */
  queue?: Partial<QueueConfig>;
  /** RETURN_WINDOW; the production default (14 days) unless given. */
  returnWindowMs?: number;
}

/** The waiting room's settings of a test service: the defaults, the ticket key derived from TEST_AUTH_SECRET. */
export const testQueueConfig = (overrides: Partial<QueueConfig> = {}): QueueConfig => ({ ...loadQueueConfig({ AUTH_JWT_SECRET: TEST_AUTH_SECRET }, {}), ...overrides });

export interface Service {
  /** The API, e.g. http://127.0.0.1:41234 (no trailing slash). */
  baseUrl: string;
  /** The payments stand-in; GET /v1/ledger lists every authorization it made. */
  paymentsBaseUrl: string;
  orm: MikroORM;
  redis: Redis;
  inventory: Inventory;
  /** A client of the service's own dev server. */
  temporalClient: Client;
  taskQueue: string;
  holdMs: number;
  /** Every notification the worker's notifier accepted, in order. */
  notifications: NotificationMessage[];
  /** With `metrics: true`: the registries the API and the worker count in. */
  metrics?: { api: ApiMetrics; saga: SagaMetrics };
  stop(): Promise<void>;
}

const DEFAULT_PAYMENTS_TIMEOUT_MS = 2_000;
const DEFAULT_LOST_ANSWER_DELAY_MS = 3_000;


export async function startService(options: ServiceOptions): Promise<Service> {
  const paymentsTimeoutMs = options.paymentsTimeoutMs ?? DEFAULT_PAYMENTS_TIMEOUT_MS;
  const lostAnswerDelayMs = options.lostAnswerDelayMs ?? DEFAULT_LOST_ANSWER_DELAY_MS;
  if (lostAnswerDelayMs <= paymentsTimeoutMs) throw new Error('lostAnswerDelayMs must exceed paymentsTimeoutMs, or no answer is ever lost');

  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    // Newest first, and every step even when one fails: a half-stopped service would keep jest alive.
    const errors: unknown[] = [];
    for (const step of stops.reverse()) await step().catch((error: unknown) => errors.push(error));
    stops.length = 0;
    if (errors.length > 0) throw errors[0];
  };

  try {
    const env: TestWorkflowEnvironment = await startDevServerEnv();
    stops.push(() => env.teardown());
    // The API's port first (the app comes later), so the stand-in knows where to send its events.
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const { port } = server.address() as AddressInfo;
    const events = options.paymentEvents
      ? providerEvents({ url: `http://127.0.0.1:${port}/payments/events`, secret: TEST_PAYMENTS_WEBHOOK_SECRET, apiKey: TEST_PAYMENTS_API_KEY, retryDelaysMs: [200, 500, 1_000] })
      : undefined;
    const standIn: StandIn = await startStandIn({ lostAnswerDelayMs, events });
    stops.push(() => standIn.close());
    const orm = await openTestOrm();
    stops.push(() => orm.close());
    // The console's pool of its own, as api/main.ts gives it.
    const staffOrm = await openTestOrm({ poolSize: 2 });
    stops.push(() => staffOrm.close());
    const redis = await openTestRedis();
    stops.push(async () => redis.quit());
    const inventory = new Inventory(redis);

    const notifications: NotificationMessage[] = [];
    const notifier: Notifier = options.notifier ?? {
      channel: 'test',
      async send(message) {
        notifications.push(message);
      },
    };

    const metrics = options.metrics ? { api: createApiMetrics(), saga: createSagaMetrics() } : undefined;
    if (metrics) {
      registerStockGauges(metrics.api.registry, { orm, inventory });
      registerOpenOrderGauges(metrics.api.registry, { orm, holdMs: options.holdMs });
    }
    const taskQueue = `api-test-${randomUUID()}`;
    // Payloads encrypted as in production: the worker and every client of the service share the test codec key.
    const dataConverter = dataConverterFor(TEST_CODEC_KEYS);
    const client = new Client({ connection: env.connection, namespace: env.namespace, dataConverter });
    const webhooks = options.webhooks;
    if (webhooks) {
      const webhookWorker = await createWebhookWorker({
        connection: env.nativeConnection,
        namespace: env.namespace,
        taskQueue: `${taskQueue}-webhooks`,
        activities: createWebhookActivities(orm, { allowedHosts: webhooks.allowedHosts, requestTimeoutMs: webhooks.policy.attemptTimeoutMs / 2 }),
        dataConverter,
      });
      const deliveries = webhookWorker.run();
      stops.push(async () => {
        if (webhookWorker.getState() === 'RUNNING') webhookWorker.shutdown();
        await deliveries;
      });
    }
    // One emitter for the worker's order events and the API's coupon.exhausted, as production has one of each.
    const emitter =
      webhooks &&
      createWebhookEmitter(orm, { client, taskQueue: `${taskQueue}-webhooks`, policy: webhooks.policy, soldOutBy: (orderId) => inventory.soldOutBy(orderId) });
    const worker = await createOrderWorker({
      dataConverter,
      connection: env.nativeConnection,
      namespace: env.namespace,
      taskQueue,
      activities: createActivities({
        inventory,
        orm,
        payments: createPaymentsClient({ apiKey: TEST_PAYMENTS_API_KEY, baseUrl: standIn.baseUrl, timeoutMs: paymentsTimeoutMs }),
        notifier,
        onAvailabilityRebuilt: () => metrics?.saga.availabilityRebuilds.inc(),
        afterSale: metrics && afterSaleMetrics(metrics.saga),
        webhooks: emitter,
      }),
      shutdownGraceTime: '2s',
      telemetry: metrics && {
        sinks: sagaMetricsSinks(metrics.saga),
        interceptors: { workflowModules: [require.resolve('../../telemetry/workflow-interceptors')] },
      },
    });
    const running = worker.run();
    stops.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });
    stops.push(() => settleOpenOrders(client, taskQueue));

    const soldOut = new SoldOutFlags(options.soldOutFlagMaxAgeMs);
    const stopFollowing = await followReopenedProducts(redis, soldOut);
    stops.push(async () => stopFollowing());
    const app = createApp({
      orm,
      staffOrm,
      redis,
      inventory,
      soldOut,
      temporal: client,
      holdMs: options.holdMs,
      logger: pino({ level: 'silent' }),
      taskQueue,
      metrics: metrics?.api,
      auth: { AUTH_JWT_SECRET: TEST_AUTH_SECRET, AUTH_LOCAL_SIGN_IN: 'true' },
      limits: { ...NO_LIMITS, ...options.limits },
      webDir: options.webDir ?? null,
      console: options.consoleChecksEverything ? { paymentsUrl: standIn.baseUrl, temporalAddress: env.address } : {},
      webhookAllowedHosts: webhooks?.allowedHosts ?? new Set(),
      webhooks: emitter,
      stockReadMaxAgeMs: options.stockReadMaxAgeMs,
      paymentWebhookSecret: options.paymentEvents ? TEST_PAYMENTS_WEBHOOK_SECRET : null,
      queue: testQueueConfig(options.queue),
      returnWindowMs: options.returnWindowMs,
    });
    server.on('request', app);

    return {
      baseUrl: `http://127.0.0.1:${port}`,
      paymentsBaseUrl: standIn.baseUrl,
      orm,
      redis,
      inventory,
      temporalClient: client,
      taskQueue,
      holdMs: options.holdMs,
      notifications,
      metrics,
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** Cancels every order workflow still running (best effort) and waits a little for each to finish its compensations. */
async function settleOpenOrders(client: Client, taskQueue: string): Promise<void> {
  // A deadline, so an order whose workflow no worker runs (a test of deadlines) cannot hold the stop.
  const orders = new OrderClient(client, taskQueue, { callTimeoutMs: 5_000 });
  const open: string[] = [];
  for await (const workflow of client.workflow.list({ query: 'ExecutionStatus = "Running" AND WorkflowType = "orderWorkflow"' })) open.push(workflow.workflowId);
  await Promise.all(
    open.map(async (orderId) => {
      await orders.cancel(orderId).catch(() => undefined);
      // The wait for the result is aborted, not abandoned: a long poll still open when the dev server stops gets
      // UNAVAILABLE, and the client's retry then fires on a closed channel ("Channel has been shut down"), an
      // uncaught error that jest pins on whichever test file runs next.
      const giveUp = AbortSignal.timeout(5_000);
      await client.withAbortSignal(giveUp, () => client.workflow.getHandle(orderId).result()).catch(() => undefined);
    }),
  );
}
