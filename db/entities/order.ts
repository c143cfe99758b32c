import { EntitySchema, type Opt } from '@mikro-orm/core';
import type { StaffActionCode } from '../../workflows/failures';
import type { OrderStatus } from '../../workflows/order-types';

/**
 * The durable record of one order. The id is the order id, which is also the workflow id, so the
 * record and the workflow can always be matched without a lookup table.
 */
export interface OrderRow {
  id: string;
  customerId: string;
  status: OrderStatus;
  totalCents: number;
  reservedUntil: Date | null;
  failureReason: string | null;
  failureCode: StaffActionCode | null;
  requestHash: string;
  /** The coupon applied (NULL: none) and the cents it took off; totalCents is after it. */
  couponCode: (string & Opt) | null;
  discountCents: (number & Opt) | null;
  createdAt: Date & Opt;
  updatedAt: Date & Opt;
}

export const OrderEntity = new EntitySchema<OrderRow>({
  name: 'Order',
  // `order` is a reserved word in SQL; a plural name spares every raw query from quoting it.
  tableName: 'orders',
  indexes: [
    { name: 'orders_customer_created_idx', properties: ['customerId', 'createdAt'] },
    { name: 'orders_status_created_idx', properties: ['status', 'createdAt'] },
    { name: 'orders_created_idx', properties: ['createdAt'] },
    { name: 'orders_status_updated_idx', properties: ['status', 'updatedAt'] },
  ],
  properties: {
    id: { type: 'string', length: 64, primary: true },
    customerId: { type: 'string', length: 255 },
    status: { type: 'string', length: 16 },
    // BIGINT in MySQL, like every money column; mapped as a JS number (the ORM's bigint type would hand out BigInts),
    // exact because config/bounds.ts keeps every amount far below 2^53.
    totalCents: { type: 'integer' },
    reservedUntil: { type: 'datetime', length: 3, nullable: true },
    failureReason: { type: 'text', nullable: true },
    failureCode: { type: 'string', length: 32, nullable: true },
    requestHash: { type: 'string', length: 128 },
    couponCode: { type: 'string', length: 32, nullable: true },
    discountCents: { type: 'integer', nullable: true },
    createdAt: { type: 'datetime', length: 3, onCreate: () => new Date() },
    updatedAt: { type: 'datetime', length: 3, onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});
