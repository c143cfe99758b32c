/**
 * Tells the customer what became of their order. Delivery is AT LEAST ONCE: the notification is
 * recorded only after the channel accepted it, so a crash (or timeout) between the two sends it
 * again on retry. The other order would lose a notification for good, which is worse.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { NotificationKind } from '../workflows/order-types';
import { notificationToSend } from '../db/order-contact';
import { driverOf } from '../db/driver';
import { run } from '../db/sql';

export interface NotificationMessage {
  orderId: string;
  customerId: string;
  kind: NotificationKind;
  text: string;
  /** The buyer's address when the order has one. Personal data: a channel may send to it, never log it. */
  email?: string;
}

/** A delivery channel (e-mail, SMS, push...). `send` resolves once the channel has accepted the message. */
export interface Notifier {
  /** Recorded with each notification; "default" when a notifier does not name itself. */
  readonly channel?: string;
  /** May resolve to the name of the channel that took the message, when it handed it on to another. */
  send(message: NotificationMessage): Promise<string | void>;
}

/** The smallest logger both pino and a test double satisfy. */
export interface NotificationLogger {
  info(fields: object, message: string): void;
}

/** The default channel in this project: no mail server here, so a notification is one log line. */
export const logNotifier = (logger: NotificationLogger): Notifier => ({
  channel: 'log',
  async send({ orderId, customerId, kind, text }) {
    logger.info({ orderId, customerId, kind }, `notification: ${text}`);
  },
});

export interface NotifyCustomerInput {
  orderId: string;
  customerId: string;
  kind: NotificationKind;
}

export type NotifyActivities = ReturnType<typeof createNotifyActivities>;

export function createNotifyActivities(orm: MikroORM, notifier: Notifier) {
  return {
    /** Sends each kind of notification of an order once (at least once, see above); repeats do nothing. */
    async notifyCustomer({ orderId, customerId, kind }: NotifyCustomerInput): Promise<void> {
      // The address is read here, not carried by the workflow: it never enters Temporal's history.
      const { alreadySent, email } = await notificationToSend(orm, orderId, kind);
      if (alreadySent) return;
      // A notifier error propagates before anything is recorded, so Temporal retries the send.
      const usedChannel = await notifier.send({ orderId, customerId, kind, text: notificationText(orderId, kind), ...(email ? { email } : {}) });
      // Two attempts running at once can both send; the unique key keeps the record single.
      await run(driverOf(orm), 'INSERT INTO notification (order_id, kind, channel) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE id = id', [
        orderId,
        kind,
        usedChannel || notifier.channel || 'default',
      ]);
    },
  };
}

export function notificationText(orderId: string, kind: NotificationKind): string {
  switch (kind) {
    case 'ORDER_CONFIRMED':
      return `Your order ${orderId} is confirmed: payment taken, items on their way.`;
    case 'ORDER_EXPIRED':
      return `Your order ${orderId} expired: it was not paid before the hold ended, so the items were released.`;
    case 'ORDER_FAILED':
      return `Your order ${orderId} could not be completed; any payment taken has been voided or refunded.`;
    case 'ORDER_CANCELLED':
      return `Your order ${orderId} was cancelled.`;
    case 'ORDER_PARTIALLY_REFUNDED':
      return `Part of your order ${orderId} was refunded to your payment method.`;
    case 'ORDER_REFUNDED':
      return `Your order ${orderId} was refunded in full to your payment method.`;
  }
}
