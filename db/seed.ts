import type { MikroORM } from '@mikro-orm/core';
import { ProductEntity } from './entities';
import { forkSql } from './sql';
import { createProduct, type NewProduct, type Product, SkuTakenError } from './catalogue';

/** A small catalogue for local runs and demos: one scarce item makes sell-outs easy to see. */
export const DEMO_PRODUCTS: readonly NewProduct[] = [
  { sku: 'SNEAKER-LTD-42', name: 'Limited sneaker, size 42', priceCents: 18_900, stock: 5 },
  { sku: 'HOODIE-DROP-M', name: 'Drop hoodie, size M', priceCents: 7_900, stock: 50 },
  { sku: 'VINYL-SIGNED', name: 'Signed vinyl record', priceCents: 4_500, stock: 20 },
  { sku: 'STICKER-PACK', name: 'Sticker pack', priceCents: 500, stock: 1_000 },
];

/**
 * Inserts the demo products when the product table is empty and returns what it inserted
 * (nothing when there were products already). If another process seeds at the same time, the
 * unique sku makes its duplicates fail; those are skipped, so each demo product exists once.
 */
export async function seedDemoProducts(orm: MikroORM): Promise<Product[]> {
  const existing = await forkSql(orm).count(ProductEntity, {});
  if (existing > 0) return [];
  const inserted: Product[] = [];
  for (const product of DEMO_PRODUCTS) {
    try {
      inserted.push(await createProduct(orm, product));
    } catch (error) {
      if (!(error instanceof SkuTakenError)) throw error;
    }
  }
  return inserted;
}
