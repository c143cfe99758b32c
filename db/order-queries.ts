/** Reads of the durable order record, shaped as the workflow's OrderView so the API answers alike from either. */
import type { MikroORM } from '@mikro-orm/core';
import type { NotificationKind, OrderStatus, OrderView, PaymentView } from '../workflows/order-types';
import { NotificationEntity, OrderEntity, OrderLineEntity, PaymentEntity, type OrderRow } from './entities';
import { forkSql, type Sql } from './sql';

export interface ListOrdersFilter {
  customerId?: string;
  status?: OrderStatus;
  limit: number;
  /** Only orders after this one in the list's order (older, or as old with a smaller id): a page's cursor. */
  after?: OrderPosition;
}

/** Where an order stands in a list, newest first. */
export interface OrderPosition {
  createdAt: Date;
  id: string;
}

/** The order as last saved, or null when no order has this id. */
export async function getOrderRecord(orm: MikroORM, orderId: string): Promise<OrderView | null> {
  const em = forkSql(orm);
  const order = await em.findOne(OrderEntity, { id: orderId });
  if (!order) return null;
  const [view] = await toViews(em, [order]);
  return view;
}

/** Orders newest first, optionally of one customer and/or in one status; four queries whatever the limit. */
export async function listOrders(orm: MikroORM, filter: ListOrdersFilter): Promise<OrderView[]> {
  return (await listOrderPage(orm, filter)).map(({ view }) => view);
}

/** Like listOrders, with each order's position, for the cursor of the page after it. */
export async function listOrderPage(orm: MikroORM, { customerId, status, limit, after }: ListOrdersFilter): Promise<Array<{ view: OrderView; position: OrderPosition }>> {
  const em = forkSql(orm);
  const orders = await em.find(
    OrderEntity,
    {
      ...(customerId !== undefined ? { customerId } : {}),
      ...(status !== undefined ? { status } : {}),
      ...(after !== undefined ? { $or: [{ createdAt: { $lt: after.createdAt } }, { createdAt: after.createdAt, id: { $lt: after.id } }] } : {}),
    },
    { orderBy: { createdAt: 'desc', id: 'desc' }, limit },
  );
  const views = await toViews(em, orders);
  return views.map((view, index) => ({ view, position: { createdAt: orders[index].createdAt, id: orders[index].id } }));
}

/** Loads the lines, payments and notifications of all the orders at once (one query each), then assembles the views. */
async function toViews(em: Sql, orders: OrderRow[]): Promise<OrderView[]> {
  if (orders.length === 0) return [];
  const ids = orders.map((order) => order.id);
  // One after another: an EntityManager is not meant to run queries concurrently.
  const lines = await em.find(OrderLineEntity, { order: { $in: ids } }, { orderBy: { id: 'asc' } });
  // Newest first, so the first payment found for an order is its current one.
  const payments = await em.find(PaymentEntity, { order: { $in: ids } }, { orderBy: { createdAt: 'desc', id: 'desc' } });
  const notifications = await em.find(NotificationEntity, { orderId: { $in: ids } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  return orders.map((order) => {
    const payment = payments.find((row) => row.order.id === order.id);
    const view: OrderView = {
      id: order.id,
      customerId: order.customerId,
      status: order.status,
      items: lines
        .filter((line) => line.order.id === order.id)
        .map((line) => ({ productId: line.product.id, sku: line.sku, quantity: line.quantity, unitPriceCents: line.unitPriceCents })),
      totalCents: order.totalCents,
      reservedUntil: order.reservedUntil ? order.reservedUntil.toISOString() : null,
      payment: payment ? toPaymentView(payment) : null,
      notifications: notifications.filter((row) => row.orderId === order.id).map((row): NotificationKind => row.kind),
      requestHash: order.requestHash,
    };
    if (order.failureReason !== null) view.failureReason = order.failureReason;
    if (order.failureCode !== null) view.failureCode = order.failureCode;
    if (order.couponCode) Object.assign(view, { couponCode: order.couponCode, discountCents: Number(order.discountCents ?? 0) });
    return view;
  });
}

function toPaymentView(row: { id: string; status: PaymentView['status']; amountCents: number; declineCode: string | null; refundedCents: number }): PaymentView {
  return {
    status: row.status,
    amountCents: row.amountCents,
    authorizationId: row.id,
    ...(row.declineCode !== null ? { declineCode: row.declineCode } : {}),
    // Refunded in part (still CAPTURED) or in full: what the provider paid back so far.
    ...(row.status === 'REFUNDED' ? { refundedCents: row.refundedCents || row.amountCents } : row.refundedCents > 0 ? { refundedCents: row.refundedCents } : {}),
  };
}
