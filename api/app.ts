import express, { type Express } from 'express';
import type { MikroORM } from '@mikro-orm/core';
import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Inventory } from '../inventory/inventory';
import type { SoldOutFlags } from '../inventory/sold-out-flags';
import { ORDER_TASK_QUEUE } from '../temporal/names';
import { OrderClient } from '../temporal/order-client';
import { AfterSaleClient } from '../temporal/after-sale-client';
import { DEFAULT_RETURN_WINDOW_MS } from '../workflows/after-sale-types';
import { createApiMetrics, type ApiMetrics } from '../telemetry/api-metrics';
import { meteredInventory, meteredOrderClient } from '../telemetry/api-observers';
import { requestTelemetry } from '../telemetry/request-telemetry';
import { loadAuthConfig, type AuthConfig } from '../config/auth';
import { loadLimitsConfig, type LimitsConfig } from '../config/limits';
import { loadHttpConfig, type HttpConfig } from '../config/http';
import { corsFor, requestId, securityHeaders } from './http-hygiene';
import { rateLimitRouter, trustProxySetting } from './limits/rate';
import { authenticate } from './auth/middleware';
import { policyRouter, ROUTE_POLICY } from './auth/policy';
import { createTokenVerifier } from './auth/verify';
import { orderIdSecretOf } from './order-ids';
import { notFound, problemHandler } from './errors';
import { docsRouter } from './openapi/docs-route';
import { requireJsonBody, wrongMethodRouter } from './method-rules';
import { refuseSoldOutEarly } from './sold-out-refusal';
import { cartsRouter } from './routes/carts';
import { consoleRouter, type ConsoleSettings } from './routes/console';
import { localSignInRouter } from './routes/local-sign-in';
import { SIGN_IN_OPTIONS_ROUTES, signInOptionsRouter } from './routes/sign-in-options';
import { loadWebSignInConfig, type WebSignInConfig } from '../config/web-sign-in';
import { healthRouter } from './routes/health';
import { ordersRouter } from './routes/orders';
import { orderAfterSaleRouter, returnsRouter } from './routes/after-sale';
import { productsRouter } from './routes/products';
import { queueRouter } from './routes/queue';
import { availabilityOf } from '../inventory/availability-sync';
import { DropSettingsCache } from './drop-settings';
import { WaitingRoom } from '../queue/waiting-room';
import { loadQueueConfig, type QueueConfig } from '../config/queue';
import { defaultWebDir, webPage } from './web-page';
import { webhooksRouter } from './routes/webhooks';
import { couponsRouter } from './routes/coupons';
import { meRouter } from './routes/me';
import { refuseExhaustedEarly } from './exhausted-coupon-refusal';
import { ExhaustedCoupons } from '../coupons/exhausted-flags';
import { CouponGate } from '../coupons/gate';
import { paymentEventsRouter } from './routes/payment-events';
import type { WebhookEmitter } from '../webhooks/emitter';
import { loadConfig } from '../config';
import { parseAllowedHosts } from '../webhooks/url-guard';

export interface AppDeps {
  orm: MikroORM;
  /**
   * The operator console's own connection pool (its summary and invariant check), so staff reads never queue behind
   * buyers' reads in `orm`'s pool: during a drop every POST /orders reads the buyer's caps there, and the console,
   * sharing it, froze for ~22 s (docs/BENCHMARKS.md). Absent: the console shares `orm`.
   */
  staffOrm?: MikroORM;
  redis: Redis;
  inventory: Inventory;
  temporal: Client;
  holdMs: number;
  /** CAPTURE_RETRY_WINDOW: how long each order's workflow retries a failing capture (default 7 days). */
  captureRetryWindowMs?: number;
  /** RETURN_WINDOW: how long after confirmation a buyer may ask to return units (default 14 days). */
  returnWindowMs?: number;
  /** TEMPORAL_CALL_TIMEOUT: the deadline of every call to Temporal; none when not given (see OrderClient). */
  temporalCallTimeoutMs?: number;
  logger: Logger;
  /** Task queue of the order workflows (one per test run in the tests). */
  taskQueue?: string;
  /** Where the API counts requests and orders (served on METRICS_PORT by main.ts); null: no metrics at all. */
  metrics?: ApiMetrics | null;
  /** Token verification and the order-id secret; read from the environment (AUTH_*) when not given. */
  auth?: AuthConfig;
  /** Limits for a drop; read from the environment (LIMIT_*, RATE_*) when not given. */
  limits?: LimitsConfig;
  /**
   * Sold-out flags that follow the reopened-product announcements (followReopenedProducts): sold-out buyers are then
   * refused without a Redis round trip. Absent: every order request asks Redis.
   */
  soldOut?: SoldOutFlags;
  /** STOCK_READ_MAX_AGE (routes/products.ts): how old GET /products/:id's answer may be; 0 when not given. */
  stockReadMaxAgeMs?: number;
  /** CORS origins; read from the environment (CORS_ORIGINS) when not given. */
  http?: HttpConfig;
  /** Operator console settings (Temporal Web UI link, what the invariant check reaches); defaults suit tests. */
  console?: Partial<ConsoleSettings>;
  /** The built web page; defaults to web/dist when it exists (null: no page). */
  webDir?: string | null;
  /** The OpenID provider the web page signs people in at (OIDC_*); read from the environment when not given. */
  webSignIn?: WebSignInConfig;
  /** Emits the events the API itself causes (coupon.exhausted, from the claim that takes the last coupon); none without it. */
  webhooks?: WebhookEmitter;
  /** Hosts webhook URLs may name although private (WEBHOOK_ALLOWED_HOSTS); read from the environment when not given. */
  webhookAllowedHosts?: ReadonlySet<string>;
  /** The waiting room's ticket keys and timings (QUEUE_TICKET_KEYS, ADMISSION_TTL, ...); read from the environment when not given. */
  queue?: QueueConfig;
  /** PAYMENTS_WEBHOOK_SECRET, which the provider's events are signed with; read from the environment when not given (null or unset: no events taken). */
  paymentWebhookSecret?: string | null;
}

/** The REST API: it holds no order state of its own (workflows and MySQL do). */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestId());
  const webSignIn = deps.webSignIn === undefined ? loadWebSignInConfig() : deps.webSignIn;
  app.use(securityHeaders(webSignIn ? [new URL(webSignIn.issuer).origin] : []));
  app.use(corsFor((deps.http ?? loadHttpConfig()).CORS_ORIGINS));
  const metrics = deps.metrics === null ? undefined : (deps.metrics ?? createApiMetrics());
  app.use(requestTelemetry(metrics, deps.logger));
  const inventory = metrics ? meteredInventory(deps.inventory, metrics) : deps.inventory;
  const orderClient = new OrderClient(deps.temporal, deps.taskQueue, { captureRetryWindowMs: deps.captureRetryWindowMs, callTimeoutMs: deps.temporalCallTimeoutMs });
  const auth = deps.auth ?? loadAuthConfig();
  const limits = deps.limits ?? loadLimitsConfig();
  app.use(requireJsonBody);
  const trustProxy = trustProxySetting(limits.TRUST_PROXY);
  if (trustProxy !== undefined) app.set('trust proxy', trustProxy);
  // The provider's events are verified on their exact bytes, before any JSON parsing, and carry no bearer token.
  const paymentWebhookSecret = deps.paymentWebhookSecret === undefined ? loadConfig().PAYMENTS_WEBHOOK_SECRET : deps.paymentWebhookSecret;
  const afterSale = new AfterSaleClient(deps.temporal, orderClient, deps.returnWindowMs ?? DEFAULT_RETURN_WINDOW_MS, deps.taskQueue);
  if (paymentWebhookSecret) {
    app.use('/payments', paymentEventsRouter({ orm: deps.orm, secret: paymentWebhookSecret, logger: deps.logger, afterSale, webhooks: deps.webhooks, metrics }));
  }
  app.use(express.json({ limit: '16kb', strict: true }));
  app.use(authenticate(createTokenVerifier(auth)));
  // Next to authentication, before the other routers and the rate limiter: a refusal from the in-process flag costs
  // nothing and spends no buyer's budget (sold-out-refusal.ts).
  if (deps.soldOut) app.post('/orders', refuseSoldOutEarly(deps.soldOut));
  const exhaustedCoupons = new ExhaustedCoupons();
  app.post('/coupons/:code/claims', refuseExhaustedEarly(exhaustedCoupons, metrics));
  app.use(healthRouter({ orm: deps.orm, redis: deps.redis, temporal: deps.temporal, taskQueue: deps.taskQueue ?? ORDER_TASK_QUEUE }));
  app.use(docsRouter());
  app.use(policyRouter());
  const rateLimits = rateLimitRouter(deps.redis, limits, deps.logger);
  app.use('/orders', rateLimits);
  // A checkout places an order: it spends the buyer's order budget (the router's POST / is the checkout itself here).
  app.use('/carts/:id/checkout', rateLimits);
  const drops = new DropSettingsCache(deps.orm);
  const waitingRoom = new WaitingRoom(deps.redis, deps.orm, deps.queue ?? loadQueueConfig(auth), (productId) => availabilityOf(deps.orm, inventory, productId));
  app.use('/products', queueRouter({ drops, waitingRoom, onVisit: metrics ? (productId) => metrics.queueVisited(productId, waitingRoom) : undefined }));
  app.use('/products', productsRouter({ ...deps, inventory, drops }));
  const placement = { ...deps, inventory, orders: metrics ? meteredOrderClient(orderClient, metrics) : orderClient, orderIdSecret: orderIdSecretOf(auth), limits, dropGate: { drops, waitingRoom } };
  app.use('/orders', ordersRouter(placement));
  app.use('/orders', orderAfterSaleRouter({ orm: deps.orm, afterSale, orderIdSecret: placement.orderIdSecret }));
  app.use('/returns', returnsRouter({ orm: deps.orm, afterSale }));
  app.use('/carts', cartsRouter({ ...placement, metrics }));
  app.use('/auth', localSignInRouter(auth, deps.logger));
  app.use('/auth', signInOptionsRouter(auth, webSignIn));
  app.use('/console', consoleRouter({ ...deps, orm: deps.staffOrm ?? deps.orm, taskQueue: deps.taskQueue ?? ORDER_TASK_QUEUE, settings: consoleSettings(deps), waitingRoom }));
  app.use('/coupons', couponsRouter({ orm: deps.orm, gate: new CouponGate(deps.redis), exhausted: exhaustedCoupons, metrics, webhooks: deps.webhooks }));
  app.use('/me', meRouter({ orm: deps.orm }));
  app.use('/webhooks', webhooksRouter({ orm: deps.orm, allowedHosts: deps.webhookAllowedHosts ?? parseAllowedHosts(loadConfig().WEBHOOK_ALLOWED_HOSTS) }));
  app.use(wrongMethodRouter([...ROUTE_POLICY, { method: 'GET', path: '/healthz' }, { method: 'GET', path: '/readyz' }, { method: 'GET', path: '/openapi.json' }, { method: 'GET', path: '/docs' }, { method: 'POST', path: '/auth/local-sign-in' }, ...SIGN_IN_OPTIONS_ROUTES, ...(paymentWebhookSecret ? [{ method: 'POST' as const, path: '/payments/events' }] : [])]));
  app.use(webPage(deps.webDir === undefined ? defaultWebDir() : deps.webDir));
  app.use(notFound);
  app.use(problemHandler(deps.logger));
  return app;
}

function consoleSettings({ console: settings = {}, temporal }: AppDeps): ConsoleSettings {
  return {
    temporalUiUrl: settings.temporalUiUrl ?? 'http://localhost:8233',
    namespace: settings.namespace ?? temporal.options.namespace,
    paymentsUrl: settings.paymentsUrl ?? null,
    temporalAddress: settings.temporalAddress ?? null,
  };
}
