import './zod-extension';
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../../webhooks/events';
import { orderResponse, pageOf } from './response-schemas';

/** What the webhook routes answer, and the events they deliver (webhooks/events.ts), for the OpenAPI document. */

const eventType = z.enum(WEBHOOK_EVENT_TYPES);

export const webhookEndpointResponse = z
  .object({ id: z.string(), url: z.string(), events: z.array(eventType), createdAt: z.string() })
  .meta({ id: 'WebhookEndpoint', description: 'A registered endpoint; its signing secret is shown only when it is made and when it is rotated' });

export const newWebhookEndpointResponse = webhookEndpointResponse
  .extend({ secret: z.string().meta({ description: 'the `whsec_…` signing secret: shown here only' }) })
  .meta({ id: 'NewWebhookEndpoint' });

export const webhookEndpointListResponse = z.object({ data: z.array(webhookEndpointResponse) }).meta({ id: 'WebhookEndpointList' });

export const rotatedSecretResponse = z
  .object({
    id: z.string(),
    secret: z.string().meta({ description: 'the new `whsec_…` secret, which signs from now on' }),
    previousSecretValidUntil: z.string().meta({ description: 'until then the old secret also signs (two signatures per request)' }),
  })
  .meta({ id: 'RotatedSecret' });

export const webhookDeliveryResponse = z
  .object({
    eventId: z.string().meta({ description: 'also the `webhook-id` header of every attempt' }),
    type: eventType,
    status: z.enum(['PENDING', 'DELIVERED', 'FAILED', 'CANCELLED']).meta({ description: 'FAILED: retries spent (3 days); CANCELLED: the endpoint was deleted' }),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
    attempts: z.array(
      z.object({ attempt: z.int().min(1), statusCode: z.int().nullable(), error: z.string().nullable(), durationMs: z.int().min(0), at: z.string() }),
    ),
  })
  .meta({ id: 'WebhookDelivery' });

export const webhookDeliveryPage = pageOf(webhookDeliveryResponse, 'WebhookDeliveryPage');

export const orderEventData = orderResponse
  .pick({ customerId: true, status: true, items: true, totalCents: true, reservedUntil: true })
  .extend({ orderId: z.string(), failureReason: z.string().optional().meta({ description: 'order.failed only' }) })
  .meta({ id: 'OrderEventData', description: 'The order as recorded at that status; no payment data and no e-mail address' });

export const soldOutEventData = z
  .object({ productId: z.int(), sku: z.string(), orderId: z.string().meta({ description: 'the order whose reservation took the last unit' }) })
  .meta({ id: 'SoldOutEventData' });

export const refundEventData = z
  .object({
    orderId: z.string(),
    refundId: z.string(),
    amountCents: z.int(),
    reason: z.string(),
    refundedCents: z.int().meta({ description: "the order's refunded total after this refund" }),
    refundStatus: z.enum(['NONE', 'PARTIALLY_REFUNDED', 'REFUNDED']),
    failureReason: z.string().optional().meta({ description: 'refund.failed only: what the provider said' }),
  })
  .meta({ id: 'RefundEventData' });

const stockLine = z.object({ productId: z.int(), quantity: z.int() });
export const returnEventData = z
  .object({
    orderId: z.string(),
    returnId: z.string(),
    lines: z.array(stockLine),
    receivedLines: z.array(stockLine.extend({ condition: z.enum(['SELLABLE', 'DAMAGED']) })),
    refundId: z.string().nullable(),
  })
  .meta({ id: 'ReturnEventData' });

/** Each event type's `data`. */
export const EVENT_DATA = {
  'product.sold_out': soldOutEventData,
  'order.refunded': refundEventData,
  'refund.failed': refundEventData,
  'return.received': returnEventData,
} as const;

/** The body of one event type: `{type, timestamp, data}`, signed as sent. */
export const webhookEventBody = (type: (typeof WEBHOOK_EVENT_TYPES)[number]) =>
  z.object({ type: z.literal(type), timestamp: z.string(), data: type in EVENT_DATA ? EVENT_DATA[type as keyof typeof EVENT_DATA] : orderEventData });

/** The Standard Webhooks headers every delivery carries. */
export const webhookDeliveryHeaders = z.object({
  'webhook-id': z.string().meta({ description: 'the event id, the same on every attempt: drop repeats by it' }),
  'webhook-timestamp': z.string().meta({ description: 'Unix seconds of this attempt' }),
  'webhook-signature': z.string().meta({ description: '`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, space-separated when two secrets sign' }),
});
