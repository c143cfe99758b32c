/**
 * The durable record of an order's life after the sale: its refunds (table `refund`) and returns (`order_return`),
 * written by the after-sale workflow's activities and read by the API. Writes are upserts by id, so a repeated
 * activity writes the same row again; a row never goes back from a settled status to an earlier one.
 */
import type { MikroORM } from '@mikro-orm/core';
import { summarise, type AfterSaleSummary, type ReceivedLine, type RefundStatus, type RefundView, type ReturnStatus, type ReturnView, type SoldOrder } from '../workflows/after-sale-types';
import type { OrderView, StockLine } from '../workflows/order-types';
import { refundEvent, type WebhookEvent } from '../webhooks/events';
import { OrderEntity } from './entities';
import { getOrderRecord } from './order-queries';
import { forkSql, run, select, type Sql } from './sql';

interface RefundRow {
  id: string;
  orderId: string;
  returnId: string | null;
  amountCents: number;
  lineItems: string;
  reason: string;
  status: RefundStatus;
  failureReason: string | null;
  requestedBy: string;
}

interface ReturnRow {
  id: string;
  orderId: string;
  customerId: string;
  status: ReturnStatus;
  lineItems: string;
  receivedItems: string | null;
  refundId: string | null;
}

const REFUND_COLUMNS =
  'id, order_id AS orderId, return_id AS returnId, amount_cents AS amountCents, line_items AS lineItems, reason, status, failure_reason AS failureReason, requested_by AS requestedBy';
const RETURN_COLUMNS = 'id, order_id AS orderId, customer_id AS customerId, status, line_items AS lineItems, received_items AS receivedItems, refund_id AS refundId';

const toRefund = (row: RefundRow): RefundView => ({
  id: row.id,
  orderId: row.orderId,
  status: row.status,
  amountCents: Number(row.amountCents),
  lines: JSON.parse(row.lineItems) as StockLine[],
  reason: row.reason,
  returnId: row.returnId,
  requestedBy: row.requestedBy,
  failureReason: row.failureReason,
});

const toReturn = (row: ReturnRow): ReturnView => ({
  id: row.id,
  orderId: row.orderId,
  customerId: row.customerId,
  status: row.status,
  lines: JSON.parse(row.lineItems) as StockLine[],
  receivedLines: row.receivedItems === null ? null : (JSON.parse(row.receivedItems) as ReceivedLine[]),
  refundId: row.refundId,
});

/** What was sold and captured, or null when there is no such order. */
export async function getSoldOrder(orm: MikroORM, orderId: string): Promise<SoldOrder | null> {
  const order = await getOrderRecord(orm, orderId);
  if (!order) return null;
  // A CONFIRMED order's row is written for the last time when it is confirmed: its updated_at is when.
  const row = await forkSql(orm).findOne(OrderEntity, { id: orderId });
  const captured = order.payment?.status === 'CAPTURED' ? order.payment : null;
  return {
    orderId,
    customerId: order.customerId,
    status: order.status,
    lines: order.items,
    capturedCents: captured?.amountCents ?? 0,
    authorizationId: captured?.authorizationId ?? null,
    confirmedAt: order.status === 'CONFIRMED' && row ? row.updatedAt.toISOString() : null,
  };
}

export async function refundsOf(em: Sql, orderId: string): Promise<RefundView[]> {
  return (await select<RefundRow>(em, `SELECT ${REFUND_COLUMNS} FROM refund WHERE order_id = ? ORDER BY created_at, id`, [orderId])).map(toRefund);
}

export async function returnsOf(em: Sql, orderId: string): Promise<ReturnView[]> {
  return (await select<ReturnRow>(em, `SELECT ${RETURN_COLUMNS} FROM order_return WHERE order_id = ? ORDER BY created_at, id`, [orderId])).map(toReturn);
}

export async function getRefund(orm: MikroORM, orderId: string, refundId: string): Promise<RefundView | null> {
  const [row] = await select<RefundRow>(forkSql(orm), `SELECT ${REFUND_COLUMNS} FROM refund WHERE id = ? AND order_id = ?`, [refundId, orderId]);
  return row ? toRefund(row) : null;
}

export async function getReturn(orm: MikroORM, returnId: string): Promise<ReturnView | null> {
  const [row] = await select<ReturnRow>(forkSql(orm), `SELECT ${RETURN_COLUMNS} FROM order_return WHERE id = ?`, [returnId]);
  return row ? toReturn(row) : null;
}

/** A PENDING refund is inserted; a settled one updates its row, and a settled row is never changed again. */
export async function saveRefund(em: Sql, refund: RefundView, providerRefundId: string | null): Promise<void> {
  await run(
    em,
    `INSERT INTO refund (id, order_id, return_id, amount_cents, line_items, reason, status, provider_refund_id, failure_reason, requested_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE
       provider_refund_id = IF(status = 'PENDING', VALUES(provider_refund_id), provider_refund_id),
       failure_reason = IF(status = 'PENDING', VALUES(failure_reason), failure_reason),
       status = IF(status = 'PENDING', VALUES(status), status)`,
    [
      refund.id,
      refund.orderId,
      refund.returnId,
      refund.amountCents,
      JSON.stringify(refund.lines),
      refund.reason,
      refund.status,
      providerRefundId,
      refund.failureReason,
      refund.requestedBy,
    ],
  );
}

/**
 * Saves a refund in the caller's transaction and answers the events a settled one sends subscribers (order.refunded
 * or refund.failed, with the order's refunded total after it; named by the refund id, so once per refund), for the
 * caller to record in the same transaction. Every refund of an order is saved through here: the after-sale
 * workflow's own and those made at the provider (db/payment-events.ts), so subscribers hear of both alike.
 */
export async function saveRefundWithEvents(em: Sql, refund: RefundView, providerRefundId: string | null, capturedCents: number): Promise<WebhookEvent[]> {
  await saveRefund(em, refund, providerRefundId);
  if (refund.status === 'PENDING') return [];
  const { refundedCents, refundStatus } = summarise(await refundsOf(em, refund.orderId), [], capturedCents);
  const data = { orderId: refund.orderId, refundId: refund.id, amountCents: refund.amountCents, reason: refund.reason, refundedCents, refundStatus };
  if (refund.status === 'SUCCEEDED') return [refundEvent('order.refunded', data, new Date())];
  return [refundEvent('refund.failed', { ...data, failureReason: refund.failureReason ?? 'unknown' }, new Date())];
}

/** A REQUESTED return is inserted; RECEIVED updates it (once). */
export async function saveReturn(em: Sql, ret: ReturnView): Promise<void> {
  await run(
    em,
    `INSERT INTO order_return (id, order_id, customer_id, status, line_items, received_items, refund_id) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE
       received_items = IF(status = 'REQUESTED', VALUES(received_items), received_items),
       refund_id = IF(status = 'REQUESTED', VALUES(refund_id), refund_id),
       status = IF(status = 'REQUESTED', VALUES(status), status)`,
    [ret.id, ret.orderId, ret.customerId, ret.status, JSON.stringify(ret.lines), ret.receivedLines === null ? null : JSON.stringify(ret.receivedLines), ret.refundId],
  );
}

/** An order's refunds and returns as GET /orders/:id shows them (two indexed reads). */
export async function afterSaleOf(orm: MikroORM, order: Pick<OrderView, 'id' | 'payment'>): Promise<AfterSaleSummary> {
  const em = forkSql(orm);
  const capturedCents = order.payment?.status === 'CAPTURED' ? order.payment.amountCents : 0;
  return summarise(await refundsOf(em, order.id), await returnsOf(em, order.id), capturedCents);
}
