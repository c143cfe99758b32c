/**
 * Keeps the durable order record in MySQL in step with the workflow: the workflow calls saveOrder
 * with its whole view at every status transition. The record serves queries (the API's order
 * lists) and the rebuild of Redis availability; the workflow stays the truth for an order in flight.
 */
import type { MikroORM } from '@mikro-orm/core';
import { log } from '@temporalio/activity';
import type { OrderLine, OrderView } from '../workflows/order-types';
import { driverOf } from '../db/driver';
import { placeholders, run, type Db } from '../db/sql';
import { orderStatusNotBehind, paymentStatusNotBehind } from '../db/status-rank';
import { redeemClaim } from '../coupons/store';
import { refusingBadData } from './store-errors';
import type { WebhookEmitter } from '../webhooks/emitter';

export type OrderRecordActivities = ReturnType<typeof createOrderRecordActivities>;

/** `webhooks`, when given, records the status's webhook event with the order and starts its deliveries (webhooks/emitter.ts). */
export function createOrderRecordActivities(orm: MikroORM, webhooks?: WebhookEmitter) {
  return {
    /**
     * Upserts the order, its lines (written with its first record, never changed) and its current payment, on the
     * driver (db/driver.ts). Idempotent, and a late replay of an older view never moves the record backwards. The
     * status's webhook events go in one transaction with it (the outbox); when no endpoint subscribes to them and no
     * earlier attempt recorded them (one plain read), there is nothing to keep together and each row is one statement.
     */
    async saveOrder(view: OrderView): Promise<void> {
      const db = driverOf(orm);
      const candidates = webhooks ? await webhooks.eventsOf(view) : [];
      const events = await refusingBadData(`save order ${view.id}`, async () => {
        if (candidates.length > 0 && (await webhooks!.anyToRecord(db, candidates))) {
          return db.transaction(async (tx) => {
            await writeOrder(tx, view);
            return webhooks!.recordEvents(tx, candidates);
          });
        }
        await writeOrder(db, view);
        return [];
      });
      if (view.status === 'CONFIRMED' && view.couponCode) await keepTheSoldOrdersClaim(orm, view.id, view.customerId, view.couponCode);
      // After the commit: a crash before or during the starts fails this attempt, and its retry starts them.
      if (events.length > 0) await webhooks!.start(events);
    },
  };
}

/**
 * A sold order keeps the claim its discount came from. It holds it already, unless a workflow task that gave it back
 * (the undo of a release) was lost and its retry took the sale instead (a store step's effect outlives a lost task):
 * then it takes the buyer's unused claim again. One read when it holds it, as it almost always does.
 */
async function keepTheSoldOrdersClaim(orm: MikroORM, orderId: string, customerId: string, code: string): Promise<void> {
  if ((await redeemClaim(orm, { orderId, customerId, code })) === null) {
    log.warn('a CONFIRMED order has no claim of its coupon left to keep (the buyer used it again meanwhile)', { orderId, code });
  }
}

/**
 * The order, then (with its first record) its lines, then its payment (whose row refers to the order's). Each
 * statement is idempotent on its own, so a retry after a crash between two of them completes the record.
 */
async function writeOrder(db: Db, view: OrderView): Promise<void> {
  const { affectedRows } = await upsertOrder(db, view);
  // 2: an existing record changed, so its lines are there (written after its first record). 1 is a new record, or a
  // repeat that changed nothing (its lines, maybe lost in a crash after the order's row, are inserted again harmlessly).
  if (affectedRows !== 2) await insertLinesOnce(db, view.id, view.items);
  const payment = view.payment;
  if (payment?.authorizationId) await upsertPayment(db, view.id, { ...payment, authorizationId: payment.authorizationId });
}

/**
 * customer_id, request_hash and the coupon are fixed when the order is placed, so an update leaves them be.
 * MySQL applies the assignments left to right and later ones see earlier results: status must come
 * last, or the other columns' conditions would compare against the status just written.
 */
function upsertOrder(em: Db, view: OrderView) {
  const newer = orderStatusNotBehind();
  return run(
    em,
    `INSERT INTO orders (id, customer_id, status, total_cents, reserved_until, failure_reason, failure_code, request_hash, coupon_code, discount_cents)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE
       total_cents = IF(${newer}, VALUES(total_cents), total_cents),
       reserved_until = IF(${newer}, VALUES(reserved_until), reserved_until),
       failure_reason = IF(${newer}, VALUES(failure_reason), failure_reason),
       failure_code = IF(${newer}, VALUES(failure_code), failure_code),
       status = IF(${newer}, VALUES(status), status)`,
    [
      view.id,
      view.customerId,
      view.status,
      view.totalCents,
      view.reservedUntil ? new Date(view.reservedUntil) : null,
      view.failureReason ?? null,
      view.failureCode ?? null,
      view.requestHash,
      view.couponCode ?? null,
      view.discountCents ?? null,
    ],
  );
}

/** Lines never change after the order is placed; the unique key (order, product) turns a repeat into a no-op. */
function insertLinesOnce(em: Db, orderId: string, items: OrderLine[]) {
  const lines = mergeByProduct(items);
  if (lines.length === 0) return;
  return run(
    em,
    `INSERT INTO order_line (order_id, product_id, sku, quantity, unit_price_cents) VALUES ${placeholders(lines.length, 5)}
     ON DUPLICATE KEY UPDATE order_id = order_id`,
    lines.flatMap((line) => [orderId, line.productId, line.sku, line.quantity, line.unitPriceCents]),
  );
}

function upsertPayment(em: Db, orderId: string, payment: NonNullable<OrderView['payment']> & { authorizationId: string }) {
  const newer = paymentStatusNotBehind();
  return run(
    em,
    `INSERT INTO payment (id, order_id, status, amount_cents, decline_code) VALUES (?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE
       amount_cents = IF(${newer}, VALUES(amount_cents), amount_cents),
       decline_code = IF(${newer}, VALUES(decline_code), decline_code),
       status = IF(${newer}, VALUES(status), status)`,
    [payment.authorizationId, orderId, payment.status, payment.amountCents, payment.declineCode ?? null],
  );
}

/** The record keeps one line per product (its unique key); a product listed twice is summed, as the stock ledger does. */
function mergeByProduct(items: OrderLine[]): OrderLine[] {
  const byProduct = new Map<number, OrderLine>();
  for (const item of items) {
    const seen = byProduct.get(item.productId);
    byProduct.set(item.productId, seen ? { ...seen, quantity: seen.quantity + item.quantity } : { ...item });
  }
  return [...byProduct.values()];
}
