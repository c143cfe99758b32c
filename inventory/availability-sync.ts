import type { MikroORM } from '@mikro-orm/core';
import { listProducts } from '../db/catalogue';
import { unitsHeldByOpenOrders } from '../db/holds';
import type { Inventory } from './inventory';

/**
 * Loads Redis availability for every product that has none (a fresh Redis, or one that lost its data), from
 * MySQL: stock minus the units open orders hold. Counts already in Redis are live and are never overwritten.
 */
export async function loadMissingAvailability(orm: MikroORM, inventory: Inventory): Promise<number[]> {
  const [products, held] = await Promise.all([listProducts(orm), unitsHeldByOpenOrders(orm)]);
  const loaded: number[] = [];
  for (const product of products) {
    const units = Math.max(0, product.stock - (held.get(product.id) ?? 0));
    if (await inventory.load(product.id, units)) loaded.push(product.id);
  }
  return loaded;
}
