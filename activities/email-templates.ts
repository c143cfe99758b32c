/** What the buyer reads for each notification, as a subject, a plain-text body and an HTML body saying the same. */
import type { NotificationKind } from '../workflows/order-types';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

interface Wording {
  subject: string;
  headline: string;
  body: string;
}

const WORDING: Record<NotificationKind, (orderId: string) => Wording> = {
  ORDER_CONFIRMED: (orderId) => ({
    subject: `Order ${orderId} confirmed`,
    headline: 'Your order is confirmed',
    body: 'We have taken your payment and your items are on their way.',
  }),
  ORDER_EXPIRED: (orderId) => ({
    subject: `Order ${orderId} expired`,
    headline: 'Your order expired',
    body: 'It was not paid before the hold ended, so the items were released. Nothing was charged.',
  }),
  ORDER_FAILED: (orderId) => ({
    subject: `Order ${orderId} could not be completed`,
    headline: 'Your order could not be completed',
    body: 'Something went wrong after your payment was authorised. Any payment taken has been voided or refunded.',
  }),
  ORDER_CANCELLED: (orderId) => ({
    subject: `Order ${orderId} cancelled`,
    headline: 'Your order was cancelled',
    body: 'The reserved items were released. Any payment taken has been voided or refunded.',
  }),
  ORDER_PARTIALLY_REFUNDED: (orderId) => ({
    subject: `Part of order ${orderId} refunded`,
    headline: 'Part of your order was refunded',
    body: 'We have refunded part of your payment to the payment method you used. It may take a few days to show.',
  }),
  ORDER_REFUNDED: (orderId) => ({
    subject: `Order ${orderId} refunded`,
    headline: 'Your order was refunded',
    body: 'We have refunded your payment in full to the payment method you used. It may take a few days to show.',
  }),
};

export function renderEmail(orderId: string, kind: NotificationKind): RenderedEmail {
  const { subject, headline, body } = WORDING[kind](orderId);
  const text = `${headline}.\n\n${body}\n\nOrder: ${orderId}\n`;
  const html = [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family: sans-serif; color: #1a1a1a;">',
    `<h1 style="font-size: 1.3em;">${escapeHtml(headline)}</h1>`,
    `<p>${escapeHtml(body)}</p>`,
    `<p>Order: <code>${escapeHtml(orderId)}</code></p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
