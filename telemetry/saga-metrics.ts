import type { InjectedSinks } from '@temporalio/worker';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SagaMetricsSinks } from './saga-sinks';
import { CAPTURE_DECLINED, PAYMENT_DECLINED } from '../workflows/failures';
import type { AfterSaleObserver } from '../activities/after-sale';

/** Seconds from placement to a terminal status: a paid order takes seconds, an expired one the whole hold (30 min). */
const SAGA_DURATION_BUCKETS = [0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200];

/** The undo steps of the saga, by activity type (workflows/order.ts registers them as compensations). */
export const COMPENSATION_STEPS: Record<string, string> = {
  releaseReservation: 'release_reservation',
  restoreStock: 'restore_stock',
  reversePayment: 'reverse_payment',
  giveCouponBack: 'give_coupon_back',
};

/** Calls to the payment provider, by activity type. */
export const PAYMENT_CALLS: Record<string, string> = {
  authorizePayment: 'authorize',
  capturePayment: 'capture',
  reversePayment: 'reverse',
  voidStrayAuthorizations: 'void_strays',
};

const DECLINES = new Set<string>([PAYMENT_DECLINED, CAPTURE_DECLINED]);

/** The worker's business metrics: what became of orders and of each step of their sagas. */
export function createSagaMetrics(options: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    ordersFinished: new Counter({
      name: 'orders_finished_total',
      help: 'Order sagas that reached a terminal status (CONFIRMED, REJECTED, CANCELLED, EXPIRED, FAILED)',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    sagaDuration: new Histogram({
      name: 'order_saga_duration_seconds',
      help: 'Time from the placement of an order (its workflow start) to its terminal status, by status',
      labelNames: ['status'] as const,
      buckets: SAGA_DURATION_BUCKETS,
      registers: [registry],
    }),
    compensations: new Counter({
      name: 'saga_compensations_total',
      help: 'Compensations run, by step and result: ok, or failed (it failed for good, after its retries)',
      labelNames: ['step', 'result'] as const,
      registers: [registry],
    }),
    paymentCalls: new Counter({
      name: 'payment_calls_total',
      help: 'Calls to the payment provider after their retries, by call and outcome: ok, declined or failed',
      labelNames: ['call', 'outcome'] as const,
      registers: [registry],
    }),
    notifications: new Counter({
      name: 'notifications_total',
      help: 'Customer notifications by kind and result: sent, or given_up after its retries',
      labelNames: ['kind', 'result'] as const,
      registers: [registry],
    }),
    /** Beside coupon_claims_total (API): what became of the claims orders named. */
    couponRedemptions: new Counter({
      name: 'coupon_redemptions_total',
      help: "Coupon claims in orders' sagas, by outcome: redeemed (an order took one of its buyer's claims), refused (the buyer held no unused claim any more: the order is REJECTED), given_back (a compensation returned the claim to its buyer: the order ended EXPIRED, CANCELLED or FAILED), consumed (the order was CONFIRMED)",
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    availabilityRebuilds: new Counter({
      name: 'availability_rebuilds_total',
      help: "A product's Redis availability found missing and rebuilt from MySQL by a reserve step (drift repaired)",
      registers: [registry],
    }),
    dbStatements: new Counter({
      name: 'db_statements_total',
      help: 'SQL statements this worker sent to MySQL (BEGIN and COMMIT included), by the activity that sent them and its task queue (none: outside any)',
      labelNames: ['activity', 'task_queue'] as const,
      registers: [registry],
    }),
    refunds: new Counter({
      name: 'refunds_total',
      help: 'Refunds after the sale that settled, by status: SUCCEEDED, or FAILED (declined, or no answer within an hour: staff must act)',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    refundedCents: new Counter({ name: 'refunded_cents_total', help: 'Money refunded after the sale, in cents', registers: [registry] }),
    returnedUnits: new Counter({
      name: 'returned_units_total',
      help: 'Units of received returns, by condition: SELLABLE (back on sale) or DAMAGED (kept out)',
      labelNames: ['condition'] as const,
      registers: [registry],
    }),
  };
}

/** The after-sale activities' reports, counted (recorded once a step's write is done; a retried step may count again). */
export function afterSaleMetrics(metrics: SagaMetrics): AfterSaleObserver {
  return {
    refundSettled(refund) {
      metrics.refunds.inc({ status: refund.status });
      if (refund.status === 'SUCCEEDED') metrics.refundedCents.inc(refund.amountCents);
    },
    returnReceived(ret) {
      for (const line of ret.receivedLines ?? []) metrics.returnedUnits.inc({ condition: line.condition }, line.quantity);
    },
  };
}

export type SagaMetrics = ReturnType<typeof createSagaMetrics>;

/** The worker's side of the saga sink: turns what the workflow interceptors report into the counters above. */
export function sagaMetricsSinks(metrics: SagaMetrics): InjectedSinks<SagaMetricsSinks> {
  return {
    sagaMetrics: {
      finished: {
        fn(_info, status, durationMs, withCoupon) {
          metrics.ordersFinished.inc({ status });
          metrics.sagaDuration.observe({ status }, durationMs / 1000);
          if (withCoupon && status === 'CONFIRMED') metrics.couponRedemptions.inc({ outcome: 'consumed' });
        },
      },
      stepEnded: {
        fn(_info, activityType, failureType, kind, produced) {
          if (activityType === 'redeemCoupon' && failureType === undefined) metrics.couponRedemptions.inc({ outcome: produced ? 'redeemed' : 'refused' });
          if (activityType === 'giveCouponBack' && failureType === undefined) metrics.couponRedemptions.inc({ outcome: 'given_back' });
          const compensation = COMPENSATION_STEPS[activityType];
          if (compensation) metrics.compensations.inc({ step: compensation, result: failureType === undefined ? 'ok' : 'failed' });
          const call = PAYMENT_CALLS[activityType];
          if (call) {
            const outcome = failureType === undefined ? 'ok' : DECLINES.has(failureType) ? 'declined' : 'failed';
            metrics.paymentCalls.inc({ call, outcome });
          }
          if (activityType === 'notifyCustomer') metrics.notifications.inc({ kind: kind ?? 'unknown', result: failureType === undefined ? 'sent' : 'given_up' });
        },
      },
    },
  };
}
