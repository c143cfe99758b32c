import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { WebhookActivities } from '../activities/webhook-delivery';
import { WEBHOOK_TASK_QUEUE } from '../webhooks/delivery-types';

export interface WebhookWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  activities: WebhookActivities;
  taskQueue?: string;
  /** Receivers are slow at worst for an attempt's timeout; this bounds how many are waited on at once. */
  maxConcurrentDeliveries?: number;
  /** The payload codec (temporal/codec.ts), as the order worker's: event payloads name customers and amounts. */
  dataConverter?: DataConverter;
}

/** Runs webhook deliveries on their own task queue, beside the order worker in the same process. */
export function createWebhookWorker(options: WebhookWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? WEBHOOK_TASK_QUEUE,
    workflowsPath: require.resolve('../workflows/webhook-delivery'),
    activities: options.activities,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentDeliveries ?? 50,
    shutdownGraceTime: '10s',
    dataConverter: options.dataConverter,
  });
}
