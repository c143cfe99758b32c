/**
 * E-mail to buyers through a real SMTP server (smtp-server on loopback): one mail per notification, text and HTML,
 * a Message-ID derived from order and kind; the address comes from the order's contact row in MySQL.
 */
import type { MikroORM } from '@mikro-orm/core';
import { emailNotifier, type EmailNotifier } from '../../activities/email-notifier';
import { createNotifyActivities, type NotificationMessage, type Notifier } from '../../activities/notify';
import { saveOrderEmail } from '../../db/order-contact';
import { forkSql, select } from '../../db/sql';
import type { NotificationKind } from '../../workflows/order-types';
import { openTestOrm, uniqueOrderId } from '../support/db';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';

const FROM = 'Flash shop <orders@shop.test>';

function recorded(orm: MikroORM, orderId: string) {
  return select<{ kind: string; channel: string }>(forkSql(orm), 'SELECT kind, channel FROM notification WHERE order_id = ? ORDER BY id', [orderId]);
}

describe('e-mail notifications', () => {
  let orm: MikroORM;
  let sink: SmtpSink;
  let notifier: EmailNotifier;
  const logged: NotificationMessage[] = [];
  const logChannel: Notifier = {
    channel: 'log',
    async send(message) {
      logged.push(message);
    },
  };

  beforeAll(async () => {
    orm = await openTestOrm();
    sink = await startSmtpSink();
    notifier = emailNotifier({ smtpUrl: sink.url, from: FROM, fallback: logChannel });
  });
  afterAll(async () => {
    notifier?.close();
    await sink?.close();
    await orm?.close();
  });

  const mailsOf = (orderId: string) => sink.mails.filter((mail) => mail.text?.includes(orderId));

  it.each<[NotificationKind, RegExp]>([
    ['ORDER_CONFIRMED', /confirmed/i],
    ['ORDER_EXPIRED', /expired/i],
    ['ORDER_FAILED', /could not be completed/i],
    ['ORDER_CANCELLED', /cancelled/i],
  ])('send %s once to the buyer, in text and HTML, with a Message-ID of order and kind', async (kind, wording) => {
    const orderId = uniqueOrderId('mail');
    await saveOrderEmail(orm, orderId, 'buyer@example.test');
    const { notifyCustomer } = createNotifyActivities(orm, notifier);
    await notifyCustomer({ orderId, customerId: 'cus-mail', kind });
    await notifyCustomer({ orderId, customerId: 'cus-mail', kind });

    const [mail, ...more] = mailsOf(orderId);
    expect(more).toHaveLength(0);
    expect(mail.to).toMatchObject({ value: [{ address: 'buyer@example.test' }] });
    expect(mail.from).toMatchObject({ value: [{ address: 'orders@shop.test', name: 'Flash shop' }] });
    expect(mail.messageId).toBe(`<${orderId}.${kind.toLowerCase()}@shop.test>`);
    expect(mail.subject).toMatch(wording);
    expect(mail.text).toMatch(wording);
    expect(mail.html).toMatch(wording);
    expect(mail.html).toContain(`<code>${orderId}</code>`);
    expect(await recorded(orm, orderId)).toEqual([{ kind, channel: 'email' }]);
  });

  it('lets a refused send fail the attempt and records nothing, so the retry sends the same Message-ID', async () => {
    const orderId = uniqueOrderId('mail-retry');
    await saveOrderEmail(orm, orderId, 'retry@example.test');
    const { notifyCustomer } = createNotifyActivities(orm, notifier);
    sink.refuseNext(1);
    await expect(notifyCustomer({ orderId, customerId: 'cus-mail', kind: 'ORDER_CONFIRMED' })).rejects.toThrow(/try again later/);
    expect(await recorded(orm, orderId)).toEqual([]);

    await notifyCustomer({ orderId, customerId: 'cus-mail', kind: 'ORDER_CONFIRMED' });
    expect(mailsOf(orderId).map((mail) => mail.messageId)).toEqual([`<${orderId}.order_confirmed@shop.test>`]);
    expect(await recorded(orm, orderId)).toEqual([{ kind: 'ORDER_CONFIRMED', channel: 'email' }]);
  });

  it('keeps the first address recorded for an order', async () => {
    const orderId = uniqueOrderId('mail-first');
    await saveOrderEmail(orm, orderId, 'first@example.test');
    await saveOrderEmail(orm, orderId, 'second@example.test');
    await createNotifyActivities(orm, notifier).notifyCustomer({ orderId, customerId: 'cus-mail', kind: 'ORDER_CANCELLED' });
    expect(mailsOf(orderId).map((mail) => mail.to)).toMatchObject([{ value: [{ address: 'first@example.test' }] }]);
  });

  it('hands an order without an address to the log channel', async () => {
    const orderId = uniqueOrderId('no-mail');
    await createNotifyActivities(orm, notifier).notifyCustomer({ orderId, customerId: 'cus-mail', kind: 'ORDER_EXPIRED' });
    expect(mailsOf(orderId)).toHaveLength(0);
    expect(logged.filter((message) => message.orderId === orderId)).toEqual([
      { orderId, customerId: 'cus-mail', kind: 'ORDER_EXPIRED', text: expect.stringContaining('expired') },
    ]);
    expect(await recorded(orm, orderId)).toEqual([{ kind: 'ORDER_EXPIRED', channel: 'log' }]);
  });
});
