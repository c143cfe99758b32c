/**
 * The buyer's e-mail address per order: personal data, so it lives in its own table, is read only to send the
 * buyer's notifications, and is never logged (callers log the order id, never the address).
 */
import type { MikroORM } from '@mikro-orm/core';
import { driverOf } from './driver';
import { forkSql, run, select } from './sql';

/** The first address recorded for an order stays: a retried placement cannot redirect an order's mail. */
export async function saveOrderEmail(orm: MikroORM, orderId: string, email: string): Promise<void> {
  await run(forkSql(orm), 'INSERT INTO order_contact (order_id, email) VALUES (?, ?) ON DUPLICATE KEY UPDATE order_id = order_id', [
    orderId,
    email,
  ]);
}

/**
 * For sending an order's notification of one kind: whether it was sent already (its record exists) and the buyer's
 * address, if the order has one. One round trip, on the driver: every order sends at least one notification.
 */
export async function notificationToSend(orm: MikroORM, orderId: string, kind: string): Promise<{ alreadySent: boolean; email?: string }> {
  const [row] = await select<{ sent: number | string; email: string | null }>(
    driverOf(orm),
    'SELECT EXISTS (SELECT 1 FROM notification WHERE order_id = ? AND kind = ?) AS sent, (SELECT email FROM order_contact WHERE order_id = ?) AS email',
    [orderId, kind, orderId],
  );
  return { alreadySent: Number(row.sent) === 1, ...(row.email ? { email: row.email } : {}) };
}
