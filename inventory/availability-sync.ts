import type { MikroORM } from '@mikro-orm/core';
import { getProduct, listProducts } from '../db/catalogue';
import { recordedHoldsOfProduct } from '../db/holds';
import type { Inventory } from './inventory';

/**
 * Rebuilds a product's availability in Redis from MySQL when Redis has lost it (it keeps nothing on disk):
 * stock minus the units of reserved orders not yet sold, recreating their holds. A live count is never touched.
 */
export async function rebuildAvailability(orm: MikroORM, inventory: Inventory, productId: number): Promise<boolean> {
  const product = await getProduct(orm, productId);
  if (!product) return false;
  return inventory.rebuild(productId, product.stock, await recordedHoldsOfProduct(orm, productId));
}

/** At start-up: every product whose availability is missing gets it rebuilt. Returns the ids rebuilt. */
export async function loadMissingAvailability(orm: MikroORM, inventory: Inventory): Promise<number[]> {
  const products = await listProducts(orm);
  const present = await inventory.availableMany(products.map((product) => product.id));
  const rebuilt: number[] = [];
  for (const [index, product] of products.entries()) {
    if (present[index] === null && (await rebuildAvailability(orm, inventory, product.id))) rebuilt.push(product.id);
  }
  return rebuilt;
}
