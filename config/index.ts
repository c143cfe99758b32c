import { z } from 'zod';
import { DEFAULT_FLAG_MAX_AGE_MS } from '../inventory/sold-out-flags';

/** Durations like "30m", "90s", "1500ms", "2h" or "7d"; a bare number is milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: "${text}" (use e.g. 30m, 90s, 1500ms, 7d)`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(match[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

const duration = z.string().transform((text, ctx) => {
  try {
    return parseDuration(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const metricsPort = z.union([z.literal('off'), z.coerce.number().int().min(0).max(65535)]);

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PAYMENTS_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
  PAYMENTS_URL: z.url().default('http://127.0.0.1:4010'),
  /** Where the payment stand-in listens: loopback by default; 0.0.0.0 in a container, for the worker beside it. */
  PAYMENTS_HOST: z.string().default('127.0.0.1'),
  /**
   * The service's secret key at the payment provider, sent as `Authorization: Bearer …` on every call; the stand-in
   * knows it as its merchant's account. Required by the worker and the stand-in; `npm start` makes a local one.
   */
  PAYMENTS_API_KEY: z.preprocess((value) => (value === '' ? undefined : value), z.string().min(16, 'must be at least 16 characters').optional()),
  /** The stand-in only: keys of further merchant accounts it knows (comma-separated), e.g. for tests of scoping. */
  PAYMENTS_API_KEYS: z.string().default(''),
  /**
   * Signed events from the provider (refunds, voids, disputes; see payments/events.ts): the stand-in POSTs its
   * merchant's events to PAYMENTS_EVENTS_URL (unset: it sends none), signed with PAYMENTS_WEBHOOK_SECRET
   * (whsec_<base64>), which the API's POST /payments/events verifies (unset: the API takes no events).
   */
  PAYMENTS_EVENTS_URL: z.preprocess((value) => (value === '' ? undefined : value), z.url().optional()),
  PAYMENTS_WEBHOOK_SECRET: z.preprocess((value) => (value === '' ? undefined : value), z.string().regex(/^whsec_[A-Za-z0-9+/=]{24,}$/, 'must be whsec_ and at least 24 base64 characters').optional()),
  /** GET /healthz of a worker (worker/health.ts); unset: no endpoint. The image sets 8081. */
  WORKER_HEALTH_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  DATABASE_URL: z.string().default('mysql://root@127.0.0.1:3306/order_saga'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_UI_PORT: z.coerce.number().int().default(8233),
  /** Where operators open the Temporal Web UI (the console links each order there); default http://localhost:TEMPORAL_UI_PORT. */
  TEMPORAL_UI_URL: z.url().optional(),
  TEMPORAL_DATA_DIR: z.string().default('data/temporal'),
  RESERVATION_TTL: duration.default(30 * 60_000),
  /** How long a failing capture is retried, with backoff: as long as the provider keeps an authorisation valid. */
  CAPTURE_RETRY_WINDOW: duration.default(7 * 86_400_000),
  /** How long after an order is confirmed its buyer may ask to return units (a durable timer in its after-sale workflow). */
  RETURN_WINDOW: duration.default(14 * 86_400_000),
  /** How often the reconcile schedule (temporal/reconcile-schedule.ts) repairs drift and sweeps orders left open. */
  RECONCILE_INTERVAL: duration.pipe(z.number().min(1_000, 'must be at least 1s')).default(60_000),
  /** How long a cart nobody changes is kept; the worker removes idle carts on the reconcile interval. */
  CART_TTL: duration.pipe(z.number().min(60_000, 'must be at least 1m')).default(7 * 86_400_000),
  /** How long past its hold an order whose workflow is closed waits before the reconciler sweeps it. */
  RECONCILE_SWEEP_AFTER: duration.default(5 * 60_000),
  /** Every call the API makes to Temporal ends within this; then placement answers 202 (order deciding) or 503. */
  TEMPORAL_CALL_TIMEOUT: duration.default(10_000),
  /** API processes sharing PORT (node:cluster under a primary, api/cluster.ts); 1: the API is one process, no primary. */
  API_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
  /**
   * How long an API process trusts its own finding that a product is sold out when no announcement of units coming
   * back reaches it (pub/sub is at most once): the bound on a lost message keeping a product shut.
   */
  SOLD_OUT_FLAG_MAX_AGE: duration.pipe(z.number().min(1)).default(DEFAULT_FLAG_MAX_AGE_MS),
  /**
   * How old GET /products/:id's answer may be: its stock and availability come from a MySQL and a Redis read that
   * began at most this long before (shared by every read of the product meanwhile); 0: read by each request.
   */
  STOCK_READ_MAX_AGE: duration.default(100),
  /** Graceful API shutdown finishes requests in flight for at most this long, then the process exits anyway. */
  API_SHUTDOWN_TIMEOUT: duration.default(15_000),
  /** Prometheus endpoints (GET /metrics) of the API and of each worker; `off` serves none. */
  METRICS_PORT: metricsPort.default(9464),
  WORKER_METRICS_PORT: metricsPort.default(9465),
  /**
   * Where both metrics ports listen. Stock and sales figures are for operators, and are served without
   * authentication: loopback by default (`npm start`); 0.0.0.0 in a container (the Dockerfile sets it), where the
   * network policy (deploy/k8s/network-policy.yaml) or the compose network keeps them from the outside.
   */
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Buyers are e-mailed through this SMTP server when set; without it each notification is a log line. */
  SMTP_URL: z
    .url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' })
    .optional()
    .or(z.literal('').transform(() => undefined)),
  SMTP_FROM: z.string().min(3).default('Order service <orders@localhost>'),
  /** Hosts webhook URLs may name although they resolve to private, loopback or link-local addresses (comma-separated). */
  WEBHOOK_ALLOWED_HOSTS: z.string().default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof schema>;

/** Reads the environment once; a bad value stops the process with the variable's name and the reason. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}
