import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { queueMetrics } from './queue-metrics';

/** Seconds; from a cached sold-out answer (~1 ms) to a payment that waits for the provider and MySQL (seconds). */
const LATENCY_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The API's metrics, in a registry of their own (not prom-client's global one): each app built in one process (the
 * tests build several) counts apart, and `GET /metrics` on METRICS_PORT shows exactly this registry.
 */
export function createApiMetrics(options: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    ...queueMetrics(registry),
    /** Label `route` is the Express route pattern (`/orders/:id`), never the raw path: bounded whatever clients send. */
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests answered by the API, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    ordersPlaced: new Counter({
      name: 'orders_placed_total',
      help: 'POST /orders answered 201: a new order RESERVED, or a keyed retry replayed',
      labelNames: ['replayed'] as const,
      registers: [registry],
    }),
    ordersRefused: new Counter({
      name: 'orders_refused_total',
      help: 'POST /orders answered with a problem, by its code (OUT_OF_STOCK, VALIDATION_FAILED, ...)',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    admissions: new Counter({
      name: 'admission_gate_decisions_total',
      help: 'Decisions of the admission gate in front of the workflows: admitted, or refused as SOLD_OUT or ALL_CLAIMED',
      labelNames: ['decision', 'reason'] as const,
      registers: [registry],
    }),
    rateLimitRefusals: new Counter({
      name: 'rate_limit_refusals_total',
      help: 'Requests refused with 429 Too Many Requests, by route pattern',
      labelNames: ['route'] as const,
      registers: [registry],
    }),
    paymentEventsOutside: new Counter({
      name: 'payment_events_outside_total',
      help: 'Refunds, voids and disputes the payment provider announced that the service did not make, by event type: staff should look',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    cartsCreated: new Counter({
      name: 'carts_created_total',
      help: 'POST /carts that made a new cart (not those answered with the open one)',
      registers: [registry],
    }),
    /** A coupon drop: claimed should stop at the quantity, and exhausted{decided_by="memory"} carry nearly every refusal. */
    couponClaims: new Counter({
      name: 'coupon_claims_total',
      help: 'POST /coupons/:code/claims answered, by outcome (claimed, exhausted, already_claimed, not_active) and what decided it (memory: the exhausted flag; gate: Redis; database: MySQL, which records every claim; api: the coupon read is disabled or outside its window)',
      labelNames: ['outcome', 'decided_by'] as const,
      registers: [registry],
    }),
    /** Conversion: carts_checked_out_total{outcome="placed"} / carts_created_total. */
    cartCheckouts: new Counter({
      name: 'carts_checked_out_total',
      help: 'POST /carts/:id/checkout answered, by outcome: placed (a new order), replayed (the same order again), refused (a problem)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    temporalCallDuration: new Histogram({
      name: 'api_temporal_call_duration_seconds',
      help: "The API's calls to order workflows (place = Update-with-Start, pay, cancel, get), by outcome",
      labelNames: ['operation', 'outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;
