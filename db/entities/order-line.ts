import { EntitySchema } from '@mikro-orm/core';
import { OrderEntity, type OrderRow } from './order';
import { ProductEntity, type ProductRow } from './product';

/** One product in an order, with the sku and price as they were when the order was placed. */
export interface OrderLineRow {
  id: number;
  order: OrderRow;
  product: ProductRow;
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export const OrderLineEntity = new EntitySchema<OrderLineRow>({
  name: 'OrderLine',
  tableName: 'order_line',
  // One line per product and order: this is what lets saveOrder insert the lines again harmlessly.
  uniques: [{ name: 'order_line_order_product_unique', properties: ['order', 'product'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true, unsigned: true },
    order: { kind: 'm:1', entity: () => OrderEntity, deleteRule: 'cascade' },
    product: { kind: 'm:1', entity: () => ProductEntity },
    sku: { type: 'string', length: 64 },
    quantity: { type: 'integer' },
    unitPriceCents: { type: 'integer' },
  },
});
