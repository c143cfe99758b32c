import { EntitySchema, type Opt } from '@mikro-orm/core';
import type { NotificationKind } from '../../workflows/order-types';

/**
 * A notification that was sent. The unique key (order, kind) lets notifyCustomer skip a kind it
 * already delivered. Not a foreign key to orders, for the same reason as stock movements: the
 * activity must not depend on the order record having been written first.
 */
export interface NotificationRow {
  /** BIGINT: MikroORM maps it to a string so no precision is lost. */
  id: string;
  orderId: string;
  kind: NotificationKind;
  channel: string;
  createdAt: Date & Opt;
}

export const NotificationEntity = new EntitySchema<NotificationRow>({
  name: 'Notification',
  tableName: 'notification',
  uniques: [{ name: 'notification_order_kind_unique', properties: ['orderId', 'kind'] }],
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true, unsigned: true },
    orderId: { type: 'string', length: 64 },
    kind: { type: 'string', length: 32 },
    channel: { type: 'string', length: 32 },
    createdAt: { type: 'datetime', length: 3, onCreate: () => new Date() },
  },
});
