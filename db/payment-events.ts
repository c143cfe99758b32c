import { createHash } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import type { WebhookEvent } from '../webhooks/events';
import type { RefundView } from '../workflows/after-sale-types';
import { saveRefundWithEvents } from './after-sale';
import { forkSql, run, select, type Sql } from './sql';

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
  /** A refund event: the one refund it announces (the provider's id and its own amount); absent from older events. */
  refund?: { id: string; amountCents: number } | null;
}

export interface RecordedPaymentEvent {
  /** False for an event already recorded (a repeated delivery). */
  recorded: boolean;
  /** The order's refund for a refund made outside the service (recorded now or by an earlier delivery), if it has one. */
  refund: RefundView | null;
  /** The webhook events that refund sends subscribers, recorded with it: to be started after the commit. */
  webhookEvents: WebhookEvent[];
}

/** Who asked for a refund made at the provider, as the order's refunds show it. */
export const REFUNDED_AT_PROVIDER_BY = 'payment-provider';

/**
 * The order's refund id for a refund made at the provider: derived from the provider's refund id, so every event that
 * announces the refund names the same row, and the row is written once.
 */
const refundIdAtProvider = (providerRefundId: string): string => `rf_p${createHash('sha256').update(providerRefundId).digest('base64url').slice(0, 40)}`;

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
 * payment state, as if the service had made it; a refund's amount is kept in any case. A refund made outside the
 * service of a CONFIRMED order's payment also becomes a refund of the order (recordRefundAtProvider). An event
 * already recorded (a repeated delivery) changes nothing, but answers the refund it made, so the caller can tell the
 * after-sale workflow again (it may not have heard the first time).
 * `recordWebhookEvents` records the refund's webhook events in the transaction (none without it), as the after-sale
 * activities do.
 */
export async function recordPaymentEvent(
  orm: MikroORM,
  event: PaymentEventRecord,
  recordWebhookEvents: (em: Sql, events: readonly WebhookEvent[]) => Promise<WebhookEvent[]> = async () => [],
): Promise<RecordedPaymentEvent> {
  return forkSql(orm).transactional(async (em) => {
    const inserted = await run(
      em,
      // IGNORE: a repeated event id inserts nothing (0 rows), whatever CLIENT_FOUND_ROWS says of updates.
      'INSERT IGNORE INTO payment_event (id, type, authorization_id, order_id, amount_cents, outside) VALUES (?, ?, ?, ?, ?, ?)',
      [event.id, event.type, event.authorizationId, event.orderId, event.amountCents, event.outside ? 1 : 0],
    );
    const recorded = inserted.affectedRows === 1;
    if (recorded && event.type === 'authorization.refunded') {
      // A partial refund made outside leaves the payment CAPTURED; only one that leaves nothing makes it REFUNDED.
      const status = event.outside && event.fullyRefunded ? ", status = 'REFUNDED'" : '';
      await run(em, `UPDATE payment SET refunded_cents = ?${status} WHERE id = ? AND order_id = ?`, [event.amountCents, event.authorizationId, event.orderId]);
    } else if (recorded && event.type === 'authorization.voided' && event.outside) {
      await run(em, "UPDATE payment SET status = 'VOIDED' WHERE id = ? AND order_id = ? AND status = 'AUTHORIZED'", [event.authorizationId, event.orderId]);
    }
    const refund = event.type === 'authorization.refunded' && event.outside && event.refund ? await recordRefundAtProvider(em, event, event.refund) : null;
    const webhookEvents = refund ? await recordWebhookEvents(em, refund.webhookEvents) : [];
    return { recorded, refund: refund?.view ?? null, webhookEvents };
  });
}

/**
 * A refund made at the provider, as a refund of the order like one staff made through the API: a SUCCEEDED
 * row in `refund` (saved by the after-sale store, which names its order.refunded event), under an id derived from
 * the provider's refund id, so a repeated event writes nothing new. Only a CONFIRMED order's captured payment has
 * refunds (the checker's I8): a refund of anything else stays on the payment row alone. Null when it has none.
 */
async function recordRefundAtProvider(
  em: Sql,
  event: PaymentEventRecord,
  announced: { id: string; amountCents: number },
): Promise<{ view: RefundView; webhookEvents: WebhookEvent[] } | null> {
  const [sale] = await select<{ capturedCents: number | string }>(
    em,
    // REFUNDED: this very event (or an earlier delivery of it) may have left nothing of the capture.
    "SELECT p.amount_cents AS capturedCents FROM orders o JOIN payment p ON p.order_id = o.id WHERE o.id = ? AND p.id = ? AND o.status = 'CONFIRMED' AND p.status IN ('CAPTURED', 'REFUNDED')",
    [event.orderId, event.authorizationId],
  );
  if (!sale) return null;
  const view: RefundView = {
    id: refundIdAtProvider(announced.id),
    orderId: event.orderId,
    status: 'SUCCEEDED',
    amountCents: announced.amountCents,
    lines: [],
    reason: 'refunded at the payment provider',
    returnId: null,
    requestedBy: REFUNDED_AT_PROVIDER_BY,
    failureReason: null,
  };
  const webhookEvents = await saveRefundWithEvents(em, view, announced.id, Number(sale.capturedCents));
  return { view, webhookEvents };
}
