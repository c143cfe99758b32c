import { EntitySchema, type Opt } from '@mikro-orm/core';
import { ProductEntity, type ProductRow } from './product';

/**
 * SALE: an order's committed units leave stock (delta < 0).
 * RESTORE: a compensation puts an order's sold units back (delta > 0).
 * RESTOCK: an operator adds units (delta > 0); not tied to any order.
 * RETURN: a received return's sellable units come back (delta > 0); `ref` is the return id (one row per return and product).
 */
export const STOCK_MOVEMENT_KINDS = ['SALE', 'RESTORE', 'RESTOCK', 'RETURN'] as const;
export type StockMovementKind = (typeof STOCK_MOVEMENT_KINDS)[number];

/**
 * The ledger of every change to product.stock. Its unique key (order, product, kind) is what makes
 * commitStock and restoreStock idempotent: a second SALE or RESTORE for the same order and product
 * cannot be inserted, so its stock change is rolled back with it.
 *
 * Restocks carry a NULL order id: MySQL treats NULLs as distinct in a unique key, so any number of
 * restocks can coexist, and no fake order id has to be made up for them. A CHECK in the migration
 * ties each kind to its sign and to whether it has an order.
 *
 * order_id is deliberately not a foreign key: the stock activities must not depend on whether the
 * order record was saved first (activities run in any order on retries).
 */
export interface StockMovementRow {
  /** BIGINT: MikroORM maps it to a string so no precision is lost. */
  id: string;
  orderId: string | null;
  product: ProductRow;
  kind: StockMovementKind;
  /** The return id of a RETURN; '' for every other kind. */
  ref: string & Opt;
  delta: number;
  createdAt: Date & Opt;
}

export const StockMovementEntity = new EntitySchema<StockMovementRow>({
  name: 'StockMovement',
  tableName: 'stock_movement',
  uniques: [{ name: 'stock_movement_order_product_kind_ref_unique', properties: ['orderId', 'product', 'kind', 'ref'] }],
  indexes: [{ name: 'stock_movement_product_kind_created_idx', properties: ['product', 'kind', 'createdAt'] }],
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true, unsigned: true },
    orderId: { type: 'string', length: 64, nullable: true },
    product: { kind: 'm:1', entity: () => ProductEntity },
    kind: { type: 'string', length: 16 },
    ref: { type: 'string', length: 64, default: '' },
    delta: { type: 'integer' },
    createdAt: { type: 'datetime', length: 3, onCreate: () => new Date() },
  },
});
