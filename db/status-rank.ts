/**
 * How far along a status is, as SQL, for upserts that must never move a record backwards.
 * Activities run at least once, and a timed-out attempt can finish after its retry and after the
 * workflow's next step: without this, a late "RESERVED" save could overwrite "CONFIRMED".
 * Statuses of equal rank may replace each other (RESERVED again with a new payment, for instance).
 */
import type { OrderStatus, PaymentStatus } from '../workflows/order-types';

const ORDER_STATUS_RANK: Record<OrderStatus, number> = {
  PENDING: 0,
  RESERVED: 1,
  CONFIRMED: 2,
  REJECTED: 2,
  CANCELLED: 2,
  EXPIRED: 2,
  FAILED: 2,
};

/** A payment is authorised, then settled one way or another, and only a capture can later be refunded. */
const PAYMENT_STATUS_RANK: Record<PaymentStatus, number> = {
  AUTHORIZED: 0,
  CAPTURED: 1,
  VOIDED: 1,
  DECLINED: 1,
  REFUNDED: 2,
};

/** `CASE <expression> WHEN 'PENDING' THEN 0 ... END` (statuses are constants, so inlining them is safe). */
function rankSql(ranks: Record<string, number>, expression: string): string {
  const whens = Object.entries(ranks).map(([status, rank]) => `WHEN '${status}' THEN ${rank}`);
  return `(CASE ${expression} ${whens.join(' ')} ELSE -1 END)`;
}

/**
 * For `ON DUPLICATE KEY UPDATE`: true when the incoming row's status is at least as far along as
 * the stored one. `VALUES(status)` is the incoming value, bare `status` the stored one.
 */
export function orderStatusNotBehind(): string {
  return `${rankSql(ORDER_STATUS_RANK, 'VALUES(status)')} >= ${rankSql(ORDER_STATUS_RANK, 'status')}`;
}

export function paymentStatusNotBehind(): string {
  return `${rankSql(PAYMENT_STATUS_RANK, 'VALUES(status)')} >= ${rankSql(PAYMENT_STATUS_RANK, 'status')}`;
}
