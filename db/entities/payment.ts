import { EntitySchema, type Opt } from '@mikro-orm/core';
import type { PaymentStatus } from '../../workflows/order-types';
import { OrderEntity, type OrderRow } from './order';

/** One authorisation at the payment provider; an order can have several (a declined card, then another). */
export interface PaymentRow {
  /** The provider's authorisation id, so a replayed save can only ever touch the same row. */
  id: string;
  order: OrderRow;
  status: PaymentStatus;
  amountCents: number;
  declineCode: string | null;
  /** Refunded at the provider, as its events told (db/payment-events.ts). */
  refundedCents: number & Opt;
  /** Orders the attempts: the newest authorisation is the order's current payment. */
  createdAt: Date & Opt;
  updatedAt: Date & Opt;
}

export const PaymentEntity = new EntitySchema<PaymentRow>({
  name: 'Payment',
  tableName: 'payment',
  indexes: [{ name: 'payment_order_created_idx', properties: ['order', 'createdAt'] }],
  properties: {
    id: { type: 'string', length: 128, primary: true },
    order: { kind: 'm:1', entity: () => OrderEntity, deleteRule: 'cascade' },
    status: { type: 'string', length: 16 },
    amountCents: { type: 'integer' },
    declineCode: { type: 'string', length: 64, nullable: true },
    refundedCents: { type: 'integer', default: 0 },
    createdAt: { type: 'datetime', length: 3, onCreate: () => new Date() },
    updatedAt: { type: 'datetime', length: 3, onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});
