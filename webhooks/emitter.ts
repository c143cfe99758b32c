/**
 * Emits webhook events from the step that records an order's status (activities/order-record.ts), without touching
 * the order workflow: the event and its deliveries are written in the record's transaction, then one delivery
 * workflow per endpoint is started with a deterministic id. The recording step runs at least once, so:
 * - a crash after the commit and before the starts is mended by its retry (the rows are there; the starts happen);
 * - a repeated start of a running or finished delivery is refused by Temporal and ignored here;
 * - only PENDING deliveries are started, so a delivery that ended is not started again.
 */
import type { MikroORM } from '@mikro-orm/core';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Db } from '../db/sql';
import type { OrderView } from '../workflows/order-types';
import { DEFAULT_DELIVERY_POLICY, deliveryWorkflowId, WEBHOOK_TASK_QUEUE, type DeliveryPolicy } from './delivery-types';
import { orderEvent, soldOutEvent, type WebhookEvent } from './events';
import { anySubscribedOrRecorded, pendingDeliveries, recordEvent } from './store';

export interface WebhookEmitterOptions {
  client: Client;
  taskQueue?: string;
  policy?: DeliveryPolicy;
  /**
   * The products whose last unit the order's reservation took (Inventory.soldOutBy): each is one product.sold_out.
   * Asked of the reservation itself, not of the units left when the record is written: by then other reservations
   * may have taken the last unit too (two events for one sell-out) or units may have come back (none at all).
   */
  soldOutBy?: (orderId: string) => Promise<number[]>;
}

export interface WebhookEmitter {
  /** Called inside the order record's transaction; returns the events recorded (none without a subscriber), to be started after the commit. */
  record(em: Db, view: OrderView): Promise<WebhookEvent[]>;
  /** The events recording this view would write (none for PENDING and REJECTED); `at` is their timestamp. */
  eventsOf(view: OrderView, at?: Date): Promise<WebhookEvent[]>;
  /** Records these events (from eventsOf) inside the caller's transaction; returns those recorded, as record does. */
  recordEvents(em: Db, events: readonly WebhookEvent[]): Promise<WebhookEvent[]>;
  /** Whether recording these events would write anything (webhooks/store.ts anySubscribedOrRecorded): one plain read. */
  anyToRecord(db: Db, events: readonly WebhookEvent[]): Promise<boolean>;
  start(events: WebhookEvent[]): Promise<void>;
}

export function createWebhookEmitter(orm: MikroORM, options: WebhookEmitterOptions): WebhookEmitter {
  const taskQueue = options.taskQueue ?? WEBHOOK_TASK_QUEUE;
  const policy = options.policy ?? DEFAULT_DELIVERY_POLICY;
  const eventsOf = async (view: OrderView, at = new Date()): Promise<WebhookEvent[]> => {
    const event = orderEvent(view, at);
    if (!event) return [];
    return [event, ...(view.status === 'RESERVED' ? await soldOutEvents(view, at) : [])];
  };
  const recordEvents = async (em: Db, events: readonly WebhookEvent[]): Promise<WebhookEvent[]> => {
    const recorded: WebhookEvent[] = [];
    for (const candidate of events) if (await recordEvent(em, candidate)) recorded.push(candidate);
    return recorded;
  };
  return {
    record: async (em, view) => recordEvents(em, await eventsOf(view)),
    eventsOf,
    recordEvents,
    anyToRecord: (db, events) => anySubscribedOrRecorded(db, events),

    async start(events) {
      for (const event of events) {
        for (const endpointId of await pendingDeliveries(orm, event.id)) {
          try {
            await options.client.workflow.start('webhookDeliveryWorkflow', {
              workflowId: deliveryWorkflowId(event.id, endpointId),
              taskQueue,
              args: [{ eventId: event.id, endpointId, policy }],
              workflowIdReusePolicy: 'REJECT_DUPLICATE',
              staticSummary: `Deliver ${event.type} to ${endpointId}`,
            });
          } catch (error) {
            if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          }
        }
      }
    },
  };

  /** The products whose last unit this reservation took: each is a product.sold_out naming this order. */
  async function soldOutEvents(view: OrderView, at: Date): Promise<WebhookEvent[]> {
    if (!options.soldOutBy) return [];
    const soldOut = new Set(await options.soldOutBy(view.id));
    return view.items
      .filter((line) => soldOut.has(line.productId))
      .map((line) => soldOutEvent({ productId: line.productId, sku: line.sku, orderId: view.id }, at));
  }
}
