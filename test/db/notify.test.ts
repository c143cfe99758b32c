import type { MikroORM } from '@mikro-orm/core';
import { createNotifyActivities, logNotifier, type NotificationMessage, type Notifier } from '../../activities/notify';
import { forkSql, select } from '../../db/sql';
import { openTestOrm, uniqueOrderId } from '../support/db';

/** A channel that remembers what it sent and can be told to fail. */
class RecordingNotifier implements Notifier {
  readonly channel = 'test';
  readonly sent: NotificationMessage[] = [];
  failWith?: Error;

  async send(message: NotificationMessage): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.sent.push(message);
  }
}

function recordedKinds(orm: MikroORM, orderId: string) {
  return select<{ kind: string; channel: string }>(forkSql(orm), 'SELECT kind, channel FROM notification WHERE order_id = ? ORDER BY id', [orderId]);
}

describe('notifyCustomer', () => {
  let orm: MikroORM;
  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(() => orm.close());

  it('sends once when called twice, and records the channel', async () => {
    const notifier = new RecordingNotifier();
    const { notifyCustomer } = createNotifyActivities(orm, notifier);
    const orderId = uniqueOrderId();
    await notifyCustomer({ orderId, customerId: 'customer-1', kind: 'ORDER_CONFIRMED' });
    await notifyCustomer({ orderId, customerId: 'customer-1', kind: 'ORDER_CONFIRMED' });
    expect(notifier.sent).toEqual([{ orderId, customerId: 'customer-1', kind: 'ORDER_CONFIRMED', text: expect.stringContaining(orderId) }]);
    expect(await recordedKinds(orm, orderId)).toEqual([{ kind: 'ORDER_CONFIRMED', channel: 'test' }]);
  });

  it('sends each kind of the order once', async () => {
    const notifier = new RecordingNotifier();
    const { notifyCustomer } = createNotifyActivities(orm, notifier);
    const orderId = uniqueOrderId();
    await notifyCustomer({ orderId, customerId: 'customer-1', kind: 'ORDER_EXPIRED' });
    await notifyCustomer({ orderId, customerId: 'customer-1', kind: 'ORDER_FAILED' });
    expect(notifier.sent.map((message) => message.kind)).toEqual(['ORDER_EXPIRED', 'ORDER_FAILED']);
  });

  it('records nothing and lets the error through when the channel fails, so a retry sends', async () => {
    const notifier = new RecordingNotifier();
    notifier.failWith = new Error('mail server down');
    const { notifyCustomer } = createNotifyActivities(orm, notifier);
    const orderId = uniqueOrderId();
    await expect(notifyCustomer({ orderId, customerId: 'customer-2', kind: 'ORDER_FAILED' })).rejects.toThrow('mail server down');
    expect(await recordedKinds(orm, orderId)).toEqual([]);

    notifier.failWith = undefined;
    await notifyCustomer({ orderId, customerId: 'customer-2', kind: 'ORDER_FAILED' });
    expect(notifier.sent).toHaveLength(1);
    expect(await recordedKinds(orm, orderId)).toEqual([{ kind: 'ORDER_FAILED', channel: 'test' }]);
  });

  it('logs one line per notification through the default channel', async () => {
    const lines: Array<{ fields: object; message: string }> = [];
    const { notifyCustomer } = createNotifyActivities(orm, logNotifier({ info: (fields, message) => lines.push({ fields, message }) }));
    const orderId = uniqueOrderId();
    await notifyCustomer({ orderId, customerId: 'customer-3', kind: 'ORDER_CANCELLED' });
    await notifyCustomer({ orderId, customerId: 'customer-3', kind: 'ORDER_CANCELLED' });
    expect(lines).toEqual([{ fields: { orderId, customerId: 'customer-3', kind: 'ORDER_CANCELLED' }, message: expect.stringContaining('cancelled') }]);
    expect(await recordedKinds(orm, orderId)).toEqual([{ kind: 'ORDER_CANCELLED', channel: 'log' }]);
  });
});
