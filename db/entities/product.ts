import { EntitySchema, type Opt } from '@mikro-orm/core';

/** A sellable item; `stock` is the durable count of units on hand (MySQL is the source of truth, Redis only mirrors it). */
export interface ProductRow {
  id: number;
  sku: string;
  name: string;
  priceCents: number;
  /** Never negative: the migration adds CHECK (stock >= 0) as the last line of defence against overselling. */
  stock: number;
  /** Before it, no order for the product is placed (SALE_NOT_STARTED); null: on sale. */
  saleStartsAt?: Date | null;
  /** The waiting room (queue/): both set, or both null (no queue). */
  queueAdmitPerSecond?: number | null;
  queueMaxAdmitted?: number | null;
  /** The lottery's secret seed (hex), drawn when the queue is set; never answered. */
  queueDrawSeed?: string | null;
  /** When Redis first held the waiting room (a rebuild after it is a recovery). */
  queueOpenedAt?: Date | null;
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
    saleStartsAt: { type: 'datetime', length: 3, nullable: true },
    queueAdmitPerSecond: { type: 'integer', unsigned: true, nullable: true },
    queueMaxAdmitted: { type: 'integer', unsigned: true, nullable: true },
    queueDrawSeed: { type: 'string', length: 64, columnType: 'char(64)', nullable: true },
    queueOpenedAt: { type: 'datetime', length: 3, nullable: true },
    createdAt: { type: 'datetime', length: 3, onCreate: () => new Date() },
    updatedAt: { type: 'datetime', length: 3, onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});
