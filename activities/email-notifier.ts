/**
 * The e-mail channel: one mail per notification through an SMTP server (SMTP_URL), in text and HTML. Orders without a
 * buyer address go to the fallback channel (the log line). The Message-ID is derived from the order and the kind, so
 * a send that Temporal retries (the server took the mail but the answer was lost) carries the same id and a mail
 * store or client can recognise the repeat. The address is personal data: it goes to the SMTP server, never to a log.
 */
import nodemailer from 'nodemailer';
import type { NotificationMessage, Notifier } from './notify';
import { renderEmail } from './email-templates';

export interface EmailNotifierOptions {
  /** e.g. smtp://127.0.0.1:2525, smtps://user:pass@mail.example.com:465 */
  smtpUrl: string;
  /** The From header, e.g. "Shop <orders@shop.example>"; its domain also names the Message-IDs. */
  from: string;
  /** Takes the notifications of orders that have no e-mail address. */
  fallback: Notifier;
}

export interface EmailNotifier extends Notifier {
  /** Closes the SMTP connections (at shutdown). */
  close(): void;
}

/** Short timeouts: the notify activity has 10 s per attempt and is retried, so a stuck server must fail the attempt. */
const SMTP_TIMEOUTS = { connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 8_000 };

export function emailNotifier({ smtpUrl, from, fallback }: EmailNotifierOptions): EmailNotifier {
  const transport = nodemailer.createTransport({ url: smtpUrl, ...SMTP_TIMEOUTS });
  const domain = domainOf(from);
  return {
    channel: 'email',
    async send(message: NotificationMessage) {
      if (!message.email) return (await fallback.send(message)) || fallback.channel || 'default';
      const { subject, text, html } = renderEmail(message.orderId, message.kind);
      await transport.sendMail({ from, to: message.email, subject, text, html, messageId: emailMessageId(message, domain) });
      return 'email';
    },
    close: () => transport.close(),
  };
}

/** `<ord_123.order_confirmed@shop.example>`: the same for every attempt at one notification. */
export function emailMessageId({ orderId, kind }: Pick<NotificationMessage, 'orderId' | 'kind'>, domain: string): string {
  return `<${orderId}.${kind.toLowerCase()}@${domain}>`;
}

/** The domain of an address like "Shop <orders@shop.example>" or "orders@shop.example"; localhost when it has none. */
export function domainOf(address: string): string {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(address.trim());
  return match ? match[1] : 'localhost';
}
