import type { Sinks } from '@temporalio/workflow';

/**
 * What the order workflow reports to the worker's metrics, through a Temporal sink: called from the workflow
 * interceptors (telemetry/workflow-interceptors.ts), run by the worker outside the sandbox, and never during a
 * replay, so a saga's steps are counted once however often its history is replayed.
 */
export interface SagaMetricsSinks extends Sinks {
  sagaMetrics: {
    /**
     * The workflow returned the order in a terminal status, `durationMs` after its start (the placement); `withCoupon`:
     * the order applied a coupon (a CONFIRMED one consumed its claim).
     */
    finished(status: string, durationMs: number, withCoupon?: boolean): void;
    /**
     * One activity of the saga ended for good (after its retries): `failureType` is undefined when it succeeded,
     * else the ApplicationFailure type (e.g. PaymentDeclined) or the failure's name. `kind`: a notification's kind.
     * `produced`: whether a step that succeeded returned something (redeemCoupon returns null when no claim was left).
     */
    stepEnded(activityType: string, failureType: string | undefined, kind?: string, produced?: boolean): void;
  };
}
