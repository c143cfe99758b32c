/**
 * The after-sale workflow's steps (workflows/after-sale.ts): read and write its MySQL record, ask the provider for a
 * refund, put a return's sellable units back. Each runs at least once and is written to be repeated: upserts by id,
 * the refund id as the provider's idempotency key, the return's restock keyed by the return in MySQL.
 */
import type { MikroORM } from '@mikro-orm/core';
import { activityInfo, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { getSoldOrder, refundsOf, returnsOf, saveRefundWithEvents, saveReturn } from '../db/after-sale';
import { forkSql } from '../db/sql';
import type { Inventory } from '../inventory/inventory';
import { PaymentsError, type PaymentsClient } from '../payments/client';
import { recordEvent } from '../webhooks/store';
import { returnReceivedEvent, type WebhookEvent } from '../webhooks/events';
import type { WebhookEmitter } from '../webhooks/emitter';
import type { AfterSaleState, RefundView, ReturnView } from '../workflows/after-sale-types';
import { PAYMENT_REQUEST_REJECTED, REFUND_DECLINED } from '../workflows/failures';
import { createReturnStockActivities } from './return-stock';

export interface RefundPaymentInput {
  orderId: string;
  refundId: string;
  authorizationId: string;
  amountCents: number;
}

/** Told of every refund that settles, for metrics. */
export interface AfterSaleObserver {
  refundSettled?(refund: RefundView): void;
  returnReceived?(ret: ReturnView): void;
}

export interface AfterSaleDeps {
  orm: MikroORM;
  inventory: Inventory;
  payments: PaymentsClient;
  webhooks?: WebhookEmitter;
  observer?: AfterSaleObserver;
}

export type AfterSaleActivities = ReturnType<typeof createAfterSaleActivities>;

export function createAfterSaleActivities({ orm, inventory, payments, webhooks, observer }: AfterSaleDeps) {
  /** Writes the row and its events in one transaction, then starts the events' deliveries (a retry starts them again). */
  async function writeWithEvents(write: (em: ReturnType<typeof forkSql>) => Promise<WebhookEvent[]>): Promise<void> {
    const recorded = await forkSql(orm).transactional(async (tx) => {
      const events = await write(tx);
      const kept: WebhookEvent[] = [];
      if (webhooks) for (const event of events) if (await recordEvent(tx, event)) kept.push(event);
      return kept;
    });
    if (webhooks && recorded.length > 0) await webhooks.start(recorded);
  }

  return {
    ...createReturnStockActivities(orm, inventory),

    async loadAfterSale(orderId: string): Promise<AfterSaleState> {
      const order = await getSoldOrder(orm, orderId);
      if (!order) throw ApplicationFailure.nonRetryable(`order ${orderId} has no record`, 'OrderNotFound');
      const em = forkSql(orm);
      return { order, refunds: await refundsOf(em, orderId), returns: await returnsOf(em, orderId) };
    },

    /** A settled refund also says so to subscribers: order.refunded or refund.failed, once per refund id. */
    async saveRefund({ refund, providerRefundId, capturedCents }: { refund: RefundView; providerRefundId: string | null; capturedCents: number }): Promise<void> {
      await writeWithEvents((tx) => saveRefundWithEvents(tx, refund, providerRefundId, capturedCents));
      if (refund.status !== 'PENDING') observer?.refundSettled?.(refund);
    },

    async saveReturn({ ret }: { ret: ReturnView }): Promise<void> {
      await writeWithEvents(async (tx) => {
        await saveReturn(tx, ret);
        if (ret.status !== 'RECEIVED') return [];
        return [returnReceivedEvent({ orderId: ret.orderId, returnId: ret.id, lines: ret.lines, receivedLines: ret.receivedLines ?? [], refundId: ret.refundId }, new Date())];
      });
      if (ret.status === 'RECEIVED') observer?.returnReceived?.(ret);
    },

    /**
     * One refund at the provider, its id as the idempotency key. A retry first asks whether an earlier attempt's
     * refund went through with its answer lost (the provider holds that key busy meanwhile). A decline is final.
     */
    async refundPayment({ orderId, refundId, authorizationId, amountCents }: RefundPaymentInput): Promise<{ providerRefundId: string }> {
      try {
        if (activityInfo().attempt > 1) {
          const earlier = await findByReference(payments, authorizationId, refundId);
          if (earlier) return { providerRefundId: earlier };
        }
        const refund = await payments.refundPart({ authorizationId, amountCents, merchantReference: refundId }, refundId);
        log.info('refund made', { orderId, refundId, amountCents, providerRefundId: refund.id });
        return { providerRefundId: refund.id };
      } catch (error) {
        log.warn('refund failed', { orderId, refundId, error: (error as Error).message });
        if (!(error instanceof PaymentsError) || error.kind === 'retryable') throw error;
        const details = { code: error.code, status: error.status };
        throw ApplicationFailure.nonRetryable(error.message, error.kind === 'declined' ? REFUND_DECLINED : PAYMENT_REQUEST_REJECTED, details);
      }
    },

    /** Whether the provider made this refund (its answer lost), by the refund id it keeps as the merchant's reference. */
    async findRefund({ refundId, authorizationId }: { refundId: string; authorizationId: string }): Promise<{ providerRefundId: string } | null> {
      const found = await findByReference(payments, authorizationId, refundId);
      return found ? { providerRefundId: found } : null;
    },
  };
}

async function findByReference(payments: PaymentsClient, authorizationId: string, refundId: string): Promise<string | undefined> {
  return (await payments.listRefunds(authorizationId)).find((refund) => refund.merchantReference === refundId)?.id;
}
