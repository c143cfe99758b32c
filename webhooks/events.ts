/**
 * The webhook events and their payloads (Standard Webhooks shape: {type, timestamp, data}). No payment data and no
 * personal data beyond the customer id: a subscriber learns what happened to an order, not how it was paid.
 */
import { createHash } from 'node:crypto';
import type { OrderRefundStatus, ReceivedLine } from '../workflows/after-sale-types';
import type { OrderStatus, OrderView, StockLine } from '../workflows/order-types';

export const WEBHOOK_EVENT_TYPES = [
  'order.reserved',
  'order.confirmed',
  'order.cancelled',
  'order.expired',
  'order.failed',
  'product.sold_out',
  'order.refunded',
  'refund.failed',
  'return.received',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The order statuses that are events; PENDING and REJECTED are not (a rejected order never held anything). */
const ORDER_EVENT_OF: Partial<Record<OrderStatus, WebhookEventType>> = {
  RESERVED: 'order.reserved',
  CONFIRMED: 'order.confirmed',
  CANCELLED: 'order.cancelled',
  EXPIRED: 'order.expired',
  FAILED: 'order.failed',
};

export const orderEventTypeOf = (status: OrderStatus): WebhookEventType | undefined => ORDER_EVENT_OF[status];

export interface WebhookEvent {
  /** Also the `webhook-id` header: the same for every attempt and every endpoint, so receivers can drop repeats. */
  id: string;
  type: WebhookEventType;
  /** The exact JSON body sent (and signed). */
  payload: string;
}

export interface OrderEventData {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  items: Array<{ productId: number; sku: string; quantity: number; unitPriceCents: number }>;
  totalCents: number;
  reservedUntil: string | null;
  failureReason?: string;
}

export interface SoldOutEventData {
  productId: number;
  sku: string;
  /** The order whose reservation took the last unit. */
  orderId: string;
}

/** Derived from what happened, never random: a retried recording step names the same event and records it once. */
export function eventIdOf(type: WebhookEventType, subject: string): string {
  return `evt_${createHash('sha256').update(`${type}\n${subject}`).digest('base64url').slice(0, 32)}`;
}

export function orderEvent(view: OrderView, at: Date): WebhookEvent | undefined {
  const type = orderEventTypeOf(view.status);
  if (!type) return undefined;
  const data: OrderEventData = {
    orderId: view.id,
    customerId: view.customerId,
    status: view.status,
    items: view.items.map(({ productId, sku, quantity, unitPriceCents }) => ({ productId, sku, quantity, unitPriceCents })),
    totalCents: view.totalCents,
    reservedUntil: view.reservedUntil,
    ...(view.failureReason ? { failureReason: view.failureReason } : {}),
  };
  return { id: eventIdOf(type, view.id), type, payload: JSON.stringify({ type, timestamp: at.toISOString(), data }) };
}

export function soldOutEvent(data: SoldOutEventData, at: Date): WebhookEvent {
  const type = 'product.sold_out';
  return { id: eventIdOf(type, `${data.productId}\n${data.orderId}`), type, payload: JSON.stringify({ type, timestamp: at.toISOString(), data }) };
}

/** order.refunded (a refund succeeded) and refund.failed (it did not: staff must act). */
export interface RefundEventData {
  orderId: string;
  refundId: string;
  amountCents: number;
  reason: string;
  /** The order's refunded total and status after this refund. */
  refundedCents: number;
  refundStatus: OrderRefundStatus;
  failureReason?: string;
}

export interface ReturnEventData {
  orderId: string;
  returnId: string;
  lines: StockLine[];
  receivedLines: ReceivedLine[];
  refundId: string | null;
}

export function refundEvent(type: 'order.refunded' | 'refund.failed', data: RefundEventData, at: Date): WebhookEvent {
  return { id: eventIdOf(type, data.refundId), type, payload: JSON.stringify({ type, timestamp: at.toISOString(), data }) };
}

export function returnReceivedEvent(data: ReturnEventData, at: Date): WebhookEvent {
  const type = 'return.received';
  return { id: eventIdOf(type, data.returnId), type, payload: JSON.stringify({ type, timestamp: at.toISOString(), data }) };
}
