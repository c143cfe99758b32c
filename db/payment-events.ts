import type { MikroORM } from '@mikro-orm/core';
import { forkSql, run, select } from './sql';

/** An event of the payment provider as the service keeps it (payments/events.ts has the wire shape). */
export interface PaymentEventRecord {
  id: string;
  type: 'authorization.voided' | 'authorization.refunded' | 'dispute.created';
  authorizationId: string;
  /** The authorisation's reference: the order id. */
  orderId: string;
  /** Refunded, or disputed (the captured amount); 0 for a void. */
  amountCents: number;
  /** Made at the provider by someone else than the service (its own compensations and refunds are not news). */
  outside: boolean;
  /** A refund event: nothing is left of the capture (the provider's authorisation is `refunded`). */
  fullyRefunded?: boolean;
}

/**
 * Whether a refund with this Idempotency-Key is one of the service's own after-sale refunds: those are recorded in
 * MySQL (PENDING) before the provider is asked, under their id, which is the key they are sent with.
 */
export async function isOwnRefund(orm: MikroORM, idempotencyKey: string | null, orderId: string): Promise<boolean> {
  if (idempotencyKey === null) return false;
  const rows = await select<{ id: string }>(forkSql(orm), 'SELECT id FROM refund WHERE id = ? AND order_id = ?', [idempotencyKey, orderId]);
  return rows.length > 0;
}

/**
 * Records a provider event once (its id is the key): a refund or void made outside the service becomes the order's
 * payment state, as if the service had made it; a refund's amount is kept in any case. Returns false for an event
 * already recorded (a repeated delivery), which changes nothing.
 */
export async function recordPaymentEvent(orm: MikroORM, event: PaymentEventRecord): Promise<boolean> {
  return forkSql(orm).transactional(async (em) => {
    const inserted = await run(
      em,
      // IGNORE: a repeated event id inserts nothing (0 rows), whatever CLIENT_FOUND_ROWS says of updates.
      'INSERT IGNORE INTO payment_event (id, type, authorization_id, order_id, amount_cents, outside) VALUES (?, ?, ?, ?, ?, ?)',
      [event.id, event.type, event.authorizationId, event.orderId, event.amountCents, event.outside ? 1 : 0],
    );
    if (inserted.affectedRows !== 1) return false;
    if (event.type === 'authorization.refunded') {
      // A partial refund made outside leaves the payment CAPTURED; only one that leaves nothing makes it REFUNDED.
      const status = event.outside && event.fullyRefunded ? ", status = 'REFUNDED'" : '';
      await run(em, `UPDATE payment SET refunded_cents = ?${status} WHERE id = ? AND order_id = ?`, [event.amountCents, event.authorizationId, event.orderId]);
    } else if (event.type === 'authorization.voided' && event.outside) {
      await run(em, "UPDATE payment SET status = 'VOIDED' WHERE id = ? AND order_id = ? AND status = 'AUTHORIZED'", [event.authorizationId, event.orderId]);
    }
    return true;
  });
}
