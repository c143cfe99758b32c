import { EntitySchema, type Opt } from '@mikro-orm/core';

/** A sellable item; `stock` is the durable count of units on hand (MySQL is the source of truth, Redis only mirrors it). */
export interface ProductRow {
  id: number;
  sku: string;
  name: string;
  priceCents: number;
  /** Never negative: the migration adds CHECK (stock >= 0) as the last line of defence against overselling. */
  stock: number;
  createdAt: Date & Opt;
  updatedAt: Date & Opt;
}

export const ProductEntity = new EntitySchema<ProductRow>({
  name: 'Product',
  tableName: 'product',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true, unsigned: true },
    sku: { type: 'string', length: 64, unique: 'product_sku_unique' },
    name: { type: 'string', length: 200 },
    priceCents: { type: 'integer' },
    stock: { type: 'integer' },
    createdAt: { type: 'datetime', length: 3, onCreate: () => new Date() },
    updatedAt: { type: 'datetime', length: 3, onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});
