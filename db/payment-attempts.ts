/** Payment attempts made through the API (table payment_attempt): the per-order cap and the staff's decline reasons. */
import type { MikroORM } from '@mikro-orm/core';
import { forkSql, run, select } from './sql';

export type AttemptOutcome = 'PENDING' | 'CONFIRMED' | 'DECLINED' | 'FAILED' | 'UNAVAILABLE' | 'NOT_PAYABLE' | 'REFUSED' | 'ERROR';

export interface PaymentAttempt {
  outcome: AttemptOutcome;
  reason: string | null;
  at: string;
}

/**
 * Records an attempt and tells whether it is within the order's first `cap` counted attempts. Attempts refused
 * over the cap do not count; concurrent attempts are ordered by their row id, so exactly `cap` ever get through.
 */
export async function startAttempt(orm: MikroORM, orderId: string, customerId: string, cap: number): Promise<{ id: number; allowed: boolean }> {
  const em = forkSql(orm);
  const inserted = await run(em, "INSERT INTO payment_attempt (order_id, customer_id, outcome) VALUES (?, ?, 'PENDING')", [orderId, customerId]);
  const id = Number(inserted.insertId);
  const [row] = await select<{ n: number | string }>(
    em,
    "SELECT COUNT(*) AS n FROM payment_attempt WHERE order_id = ? AND id <= ? AND outcome <> 'REFUSED'",
    [orderId, id],
  );
  const allowed = Number(row.n) <= cap;
  if (!allowed) await finishAttempt(orm, id, 'REFUSED', `more than ${cap} attempts`);
  return { id, allowed };
}

export async function finishAttempt(orm: MikroORM, id: number, outcome: AttemptOutcome, reason?: string): Promise<void> {
  await run(forkSql(orm), 'UPDATE payment_attempt SET outcome = ?, reason = ? WHERE id = ?', [outcome, reason?.slice(0, 255) ?? null, id]);
}

/** An order's attempts, oldest first (staff view). */
export async function attemptsOf(orm: MikroORM, orderId: string): Promise<PaymentAttempt[]> {
  const rows = await select<{ outcome: AttemptOutcome; reason: string | null; created_at: string | Date }>(
    forkSql(orm),
    'SELECT outcome, reason, created_at FROM payment_attempt WHERE order_id = ? ORDER BY id',
    [orderId],
  );
  // DATETIME comes back as a UTC string without a zone.
  const utc = (at: string | Date) => (at instanceof Date ? at : new Date(`${at.replace(' ', 'T')}Z`));
  return rows.map((row) => ({ outcome: row.outcome, reason: row.reason, at: utc(row.created_at).toISOString() }));
}
