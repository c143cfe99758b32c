/** How each kind of saga step is run: timeouts and retries (workflow code: deterministic, no I/O). */
import { proxyActivities, proxyLocalActivities, type ActivityOptions } from '@temporalio/workflow';
import type { OrderActivities } from '../activities';
import { CAPTURE_DECLINED, INSUFFICIENT_STOCK, PAYMENT_DECLINED } from './failures';

/** Redis and MySQL steps: idempotent and bound to succeed once the store is back, so they retry until they do. */
export const STORE_STEP: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '10s', nonRetryableErrorTypes: [INSUFFICIENT_STOCK] },
};

/** Provider calls: a few retries for transient failures (same idempotency key), declines are final. */
export const PAYMENT_STEP: ActivityOptions = {
  startToCloseTimeout: '15s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 5, nonRetryableErrorTypes: [PAYMENT_DECLINED, CAPTURE_DECLINED] },
};

/**
 * Capture (orders of generation 3 on): retried with backoff for as long as the authorisation stays valid
 * (CAPTURE_RETRY_WINDOW, 7 days by default); only then is the sale given up and compensated. A decline is final.
 */
export const captureStep = (retryWindowMs: number): ActivityOptions => ({
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: retryWindowMs,
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1h', nonRetryableErrorTypes: [CAPTURE_DECLINED] },
});

/** Undoing a payment must happen eventually, whatever the provider's mood: no attempt limit. */
export const REVERSAL_STEP: ActivityOptions = {
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
};

/** Notification comes after the pivot: retried for about an hour, never compensated. */
export const NOTIFY_STEP: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 15 },
};

/** A scheduled activity with a summary, so the Web UI's history reads like the process. */
export const scheduled = (options: ActivityOptions, summary: string) => proxyActivities<OrderActivities>({ ...options, summary });

/** A local activity: run by the worker that runs the workflow, without a server round trip. */
export const local = (options: ActivityOptions, summary: string) => proxyLocalActivities<OrderActivities>({ ...options, summary });
