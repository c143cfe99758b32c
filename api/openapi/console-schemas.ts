import './zod-extension';
import { z } from 'zod';
import { INVARIANTS } from '../../check/invariants';
import { OUTCOMES } from '../../db/console-queries';

/** What the operator console's routes answer (api/routes/console.ts, api/console/*), for the OpenAPI document. */

const count = z.int().min(0);
/** One member per order outcome (CONFIRMED, REJECTED, CANCELLED, EXPIRED, FAILED). */
const perOutcome = <T extends z.ZodType>(value: T) => z.object(Object.fromEntries(OUTCOMES.map((outcome) => [outcome, value])) as Record<(typeof OUTCOMES)[number], T>);

export const consoleSettingsResponse = z
  .object({
    temporalUiUrl: z.string().meta({ description: "an order's saga is at <temporalUiUrl>/namespaces/<namespace>/workflows/<orderId>" }),
    namespace: z.string(),
    windows: z.array(z.string()).meta({ description: 'the windows the console offers; any duration from 1m to 7d is accepted' }),
  })
  .meta({ id: 'ConsoleSettings' });

export const invariantCheckResponse = z
  .object({
    ok: z.boolean(),
    takenAt: z.string(),
    durationMs: z.number().min(0),
    ordersSince: z.string().meta({ description: 'orders created since then were checked; every product always is' }),
    invariants: z.array(
      z.object({ id: z.enum(INVARIANTS), title: z.string(), status: z.enum(['ok', 'BREACH', 'skipped']), breaches: count, warnings: count, skipped: z.string().optional() }),
    ),
    findings: z.array(
      z.object({
        invariant: z.enum(INVARIANTS),
        severity: z.enum(['breach', 'warning']),
        productId: z.int().optional(),
        orderId: z.string().optional(),
        orderStatus: z.string().optional(),
        message: z.string(),
      }),
    ),
    findingsLeftOut: count,
  })
  .meta({ id: 'InvariantCheck', description: 'One run of the invariant checker (npm run check), summarised: at most 20 findings' });

export const consoleSummaryResponse = z
  .object({
    generatedAt: z.string(),
    window: z.object({ seconds: z.int().min(60), since: z.string() }),
    rates: z
      .object({ seconds: z.int(), placed: z.number().min(0), outcomes: perOutcome(z.number().min(0)) })
      .meta({ description: 'orders per second over the last `seconds`: placed, and reaching each outcome' }),
    timeline: z
      .object({ startedAt: z.string(), placed: z.array(count), outcomes: perOutcome(z.array(count)) })
      .meta({ description: 'per second over the last minute, oldest first' }),
    orders: z.object({ placed: count, outcomes: perOutcome(count), open: z.object({ pending: count, reserved: count }) }),
    revenue: z.object({ cents: count, orders: count }),
    topProducts: z.array(z.object({ productId: z.int(), sku: z.string(), name: z.string(), units: count, revenueCents: count })),
    compensations: z.object({
      failedOrders: count,
      paymentsVoided: count,
      paymentsRefunded: count,
      stockRestores: count,
      unitsRestored: count,
      refundsSucceeded: count.meta({ description: 'refunds after the sale that succeeded in the window' }),
      refundedCents: count,
      refundsFailed: count.meta({ description: 'refunds after the sale that failed in the window: staff must act' }),
      returnsReceived: count,
      unitsReturned: count.meta({ description: 'units of received returns put back on sale' }),
    }),
    carts: z.object({ created: count, checkedOut: count }).meta({ description: 'carts made, and carts checked out into an order the workflow did not refuse, over the window' }),
    sagasInFlight: z
      .union([z.object({ count }), z.object({ count: z.null(), error: z.string() })])
      .meta({ description: "order workflows running, from Temporal's visibility; the reason when Temporal did not answer" }),
    products: z.array(
      z.object({
        id: z.int(),
        sku: z.string(),
        name: z.string(),
        priceCents: z.int(),
        stock: count,
        available: z.int().nullable(),
        soldOutAt: z.string().nullable(),
      }),
    ),
    coupons: z
      .array(
        z.object({
          code: z.string(),
          name: z.string(),
          quantity: z.int().min(1),
          issued: count,
          redeemed: count.meta({ description: 'claims held by an order in flight or CONFIRMED' }),
          remaining: count.meta({ description: 'quantity - issued: claims still to issue' }),
          disabled: z.boolean(),
        }),
      )
      .meta({ description: 'the newest coupons (at most 20), newest first' }),
    queues: z
      .array(
        z.object({
          productId: z.int(),
          sku: z.string(),
          name: z.string(),
          waiting: count.meta({ description: 'buyers waiting in line' }),
          admitted: count.meta({ description: 'buyers holding an admission not yet ended (unused, or used by an order not yet answered)' }),
          admissionRate: z.number().min(0).meta({ description: 'admissions a second over the last minute' }),
          admissionsTotal: count.meta({ description: 'admissions given in the drop so far' }),
          lapsedAdmissions: count.meta({ description: 'admissions that lapsed unused (ADMISSION_TTL) so far' }),
        }),
      )
      .meta({ description: "each listed product with a waiting room: the figures of the drop_queue_* metrics, from the queue's Redis state" }),
    invariantCheck: invariantCheckResponse.nullable(),
  })
  .meta({ id: 'ConsoleSummary' });
