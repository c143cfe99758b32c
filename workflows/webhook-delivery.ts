/**
 * Delivers one webhook event to one endpoint, at least once: the attempt activity is retried with exponential
 * backoff until the receiver answers 2xx or the policy's time runs out (3 days in production). It runs on its own
 * task queue and never touches an order: a failing receiver delays nothing and undoes nothing.
 */
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { WebhookActivities } from '../activities/webhook-delivery';
import type { DeliveryOutcome, WebhookDeliveryInput } from '../webhooks/delivery-types';

export async function webhookDeliveryWorkflow({ eventId, endpointId, policy }: WebhookDeliveryInput): Promise<DeliveryOutcome> {
  const { deliverWebhook } = proxyActivities<WebhookActivities>({
    startToCloseTimeout: policy.attemptTimeoutMs,
    scheduleToCloseTimeout: policy.giveUpAfterMs,
    retry: { initialInterval: policy.initialIntervalMs, backoffCoefficient: 2, maximumInterval: policy.maximumIntervalMs },
    summary: 'POST the signed event to the endpoint',
  });
  const { closeWebhookDelivery } = proxyActivities<WebhookActivities>({
    startToCloseTimeout: '10s',
    retry: { initialInterval: '1s', maximumInterval: '1m' },
    summary: 'Record that the delivery gave up',
  });
  try {
    return await deliverWebhook({ eventId, endpointId });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    await closeWebhookDelivery({ eventId, endpointId, status: 'FAILED' });
    return 'FAILED';
  }
}
