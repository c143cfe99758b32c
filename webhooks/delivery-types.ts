/** Shared by the delivery workflow (types only: safe in workflow code), its activities and the emitter. */

/** How hard a delivery tries: exponential backoff from initialIntervalMs, capped, for up to giveUpAfterMs in all. */
export interface DeliveryPolicy {
  /** One HTTP attempt, answer included; a worker that dies mid-attempt is noticed after this. */
  attemptTimeoutMs: number;
  initialIntervalMs: number;
  maximumIntervalMs: number;
  giveUpAfterMs: number;
}

/** Production: 5 s, 10 s, 20 s ... capped at 2 h between attempts, for 3 days. */
export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  attemptTimeoutMs: 30_000,
  initialIntervalMs: 5_000,
  maximumIntervalMs: 2 * 3_600_000,
  giveUpAfterMs: 3 * 24 * 3_600_000,
};

export interface WebhookDeliveryInput {
  eventId: string;
  endpointId: string;
  policy: DeliveryPolicy;
}

export type DeliveryOutcome = 'DELIVERED' | 'FAILED' | 'CANCELLED';

/** One delivery workflow per event and endpoint: starting it again (a retried recording step) is a no-op. */
export const deliveryWorkflowId = (eventId: string, endpointId: string): string => `webhook-${eventId}-${endpointId}`;

/** The task queue of deliveries, apart from the orders', so a slow receiver never takes an order's worker slots. */
export const WEBHOOK_TASK_QUEUE = 'webhooks';
