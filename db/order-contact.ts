/**
 * The buyer's e-mail address per order: personal data, so it lives in its own table, is read only to send the
 * buyer's notifications, and is never logged (callers log the order id, never the address).
 */
import type { MikroORM } from '@mikro-orm/core';
import { forkSql, run, select } from './sql';

/** The first address recorded for an order stays: a retried placement cannot redirect an order's mail. */
export async function saveOrderEmail(orm: MikroORM, orderId: string, email: string): Promise<void> {
  await run(forkSql(orm), 'INSERT INTO order_contact (order_id, email) VALUES (?, ?) ON DUPLICATE KEY UPDATE order_id = order_id', [
    orderId,
    email,
  ]);
}

export async function findOrderEmail(orm: MikroORM, orderId: string): Promise<string | undefined> {
  const [row] = await select<{ email: string }>(forkSql(orm), 'SELECT email FROM order_contact WHERE order_id = ?', [orderId]);
  return row?.email;
}
