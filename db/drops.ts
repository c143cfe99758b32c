/**
 * A drop's start and waiting room as MySQL keeps them (Migration20261206070000_drop_queue), and the admissions the
 * waiting room has given: its durable record, which rebuilds the admitted buyers after Redis loses its data.
 */
import type { MikroORM } from '@mikro-orm/core';
import { newDrawSeed, ProductNotFoundError, type QueueSettings } from './catalogue';
import { HOLD_IS_RELEASED } from './holds';
import { forkSql, fromMysqlUtc, placeholders, run, select } from './sql';

export interface DropSettings {
  productId: number;
  saleStartsAt: Date | null;
  queue: QueueSettings | null;
  /** The lottery's secret seed; null when the product has no queue. */
  drawSeed: string | null;
}

interface DropRow {
  id: number;
  sale_starts_at: string | Date | null;
  queue_admit_per_second: number | null;
  queue_max_admitted: number | null;
  queue_draw_seed: string | null;
}

/** The drop settings of a product, or null when it does not exist. */
export async function getDropSettings(orm: MikroORM, productId: number): Promise<DropSettings | null> {
  const [row] = await select<DropRow>(forkSql(orm), 'SELECT id, sale_starts_at, queue_admit_per_second, queue_max_admitted, queue_draw_seed FROM product WHERE id = ?', [productId]);
  if (!row) return null;
  const queue = row.queue_admit_per_second === null || row.queue_max_admitted === null ? null : { admitPerSecond: Number(row.queue_admit_per_second), maxAdmitted: Number(row.queue_max_admitted) };
  return { productId, saleStartsAt: row.sale_starts_at === null ? null : fromMysqlUtc(row.sale_starts_at), queue, drawSeed: queue ? row.queue_draw_seed : null };
}

/**
 * Sets a product's start and queue (PATCH /products/:id/sale). A field left undefined keeps its value; null clears it.
 * The lottery's seed is drawn once, when the product first gets a queue, and kept: changing the pace of a queue in
 * the middle of a drop must not reorder its line.
 */
export async function setDrop(orm: MikroORM, productId: number, change: { saleStartsAt?: Date | null; queue?: QueueSettings | null }): Promise<void> {
  const sets: string[] = [];
  const params: unknown[] = [];
  if (change.saleStartsAt !== undefined) {
    sets.push('sale_starts_at = ?');
    params.push(change.saleStartsAt);
  }
  if (change.queue !== undefined) {
    sets.push('queue_admit_per_second = ?', 'queue_max_admitted = ?', 'queue_draw_seed = COALESCE(queue_draw_seed, ?)');
    params.push(change.queue?.admitPerSecond ?? null, change.queue?.maxAdmitted ?? null, newDrawSeed());
  }
  if (sets.length === 0) sets.push('id = id');
  const update = await run(forkSql(orm), `UPDATE product SET ${sets.join(', ')} WHERE id = ?`, [...params, productId]);
  if (update.affectedRows === 0) throw new ProductNotFoundError(productId);
}

export interface AdmissionRecord {
  customerId: string;
  /** The buyer's place in the line (the ticket's, see queue/tickets.ts). */
  place: string;
  admittedAt: number;
  admittedUntil: number;
}

/** Records admissions the waiting room just gave; an admission recorded before is kept as it was. */
export async function recordAdmissions(orm: MikroORM, productId: number, admissions: readonly AdmissionRecord[]): Promise<void> {
  if (admissions.length === 0) return;
  await run(
    forkSql(orm),
    `INSERT INTO queue_admission (product_id, customer_id, place, admitted_at, admitted_until) VALUES ${placeholders(admissions.length, 5)}
     ON DUPLICATE KEY UPDATE product_id = product_id`,
    admissions.flatMap((admission) => [productId, admission.customerId, admission.place, new Date(admission.admittedAt), new Date(admission.admittedUntil)]),
  );
}

/** Records that an order used the buyer's admission (written before the order is placed). */
export async function recordAdmissionUsed(orm: MikroORM, productId: number, customerId: string, place: string, admittedUntil: number, orderId: string): Promise<void> {
  await run(
    forkSql(orm),
    `INSERT INTO queue_admission (product_id, customer_id, place, admitted_at, admitted_until, used_at, order_id) VALUES (?, ?, ?, NOW(3), ?, NOW(3), ?)
     ON DUPLICATE KEY UPDATE used_at = COALESCE(used_at, NOW(3)), order_id = COALESCE(order_id, VALUES(order_id))`,
    [productId, customerId, place, new Date(admittedUntil), orderId],
  );
}

export interface RecordedAdmission extends AdmissionRecord {
  /** The order that used it; null while unused. */
  usedBy: string | null;
}

/** Every admission of a product's drop: what the waiting room rebuilds its admitted buyers from. */
export async function admissionsOf(orm: MikroORM, productId: number): Promise<RecordedAdmission[]> {
  const rows = await select<{ customer_id: string; place: string; admitted_at: string | Date; admitted_until: string | Date; used_at: string | Date | null; order_id: string | null }>(
    forkSql(orm),
    'SELECT customer_id, place, admitted_at, admitted_until, used_at, order_id FROM queue_admission WHERE product_id = ?',
    [productId],
  );
  return rows.map((row) => ({
    customerId: row.customer_id,
    place: row.place,
    admittedAt: fromMysqlUtc(row.admitted_at).getTime(),
    admittedUntil: fromMysqlUtc(row.admitted_until).getTime(),
    usedBy: row.used_at === null ? null : (row.order_id ?? 'unknown'),
  }));
}

/**
 * Whether some order still holds units of the product (PENDING or RESERVED, its hold not released): while one does,
 * units may come back, and the waiting room does not call the drop sold out.
 */
export async function hasOpenHold(orm: MikroORM, productId: number): Promise<boolean> {
  const rows = await select<{ id: string }>(
    forkSql(orm),
    `SELECT o.id FROM order_line line JOIN orders o ON o.id = line.order_id
      WHERE line.product_id = ? AND o.status IN ('PENDING', 'RESERVED') AND NOT ${HOLD_IS_RELEASED} LIMIT 1`,
    [productId],
  );
  return rows.length > 0;
}

/**
 * Marks the product's waiting room opened in Redis; answers whether it had been opened before, in which case the
 * opening is a rebuild of a line Redis lost.
 */
export async function markQueueOpened(orm: MikroORM, productId: number): Promise<boolean> {
  const em = forkSql(orm);
  const [row] = await select<{ queue_opened_at: unknown }>(em, 'SELECT queue_opened_at FROM product WHERE id = ?', [productId]);
  if (row?.queue_opened_at != null) return true;
  await run(em, 'UPDATE product SET queue_opened_at = COALESCE(queue_opened_at, NOW(3)) WHERE id = ?', [productId]);
  return false;
}

/** Ends an admission its buyer gave up (DELETE /products/:id/queue): a rebuild counts it as lapsed, not as held. */
export async function recordAdmissionLeft(orm: MikroORM, productId: number, customerId: string): Promise<void> {
  await run(forkSql(orm), 'UPDATE queue_admission SET admitted_until = LEAST(admitted_until, NOW(3)) WHERE product_id = ? AND customer_id = ? AND used_at IS NULL', [productId, customerId]);
}
