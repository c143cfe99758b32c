import type { MikroORM } from '@mikro-orm/core';
import { listProducts } from '../db/catalogue';
import { readRebuildSnapshot } from '../db/holds';
import type { Inventory } from './inventory';

/**
 * Rebuilds a product's availability in Redis from MySQL when Redis has lost it (it keeps nothing on disk):
 * stock minus the units of open orders not yet sold, recreating their holds. A live count is never touched.
 * Redis's epoch is read before MySQL, so a flush while MySQL is read makes the view stale and it is read again.
 */
export async function rebuildAvailability(orm: MikroORM, inventory: Inventory, productId: number): Promise<boolean> {
  for (let attempt = 1; ; attempt += 1) {
    const epoch = await inventory.epoch();
    const snapshot = await readRebuildSnapshot(orm, productId);
    if (snapshot.stock === null) return false;
    const outcome = await inventory.rebuild({ ...snapshot, stock: snapshot.stock }, epoch);
    if (outcome !== 'FLUSHED') return outcome === 'REBUILT';
    if (attempt === 5) throw new Error(`availability of product ${productId}: Redis was flushed during each of ${attempt} rebuilds`);
  }
}

/**
 * Brings Redis in line with a change made to the product in MySQL alone (a restock): the count is dropped and
 * rebuilt from MySQL by the same rule as after a flush, so it is exact whatever else runs meanwhile, and running it
 * again (a retried request) changes nothing. Returns the rebuilt availability (null: no such product).
 */
export async function resyncAvailability(orm: MikroORM, inventory: Inventory, productId: number): Promise<number | null> {
  await inventory.forget(productId);
  await rebuildAvailability(orm, inventory, productId);
  return inventory.available(productId);
}

/**
 * A product's availability as Redis holds it, rebuilt from MySQL first when Redis has lost it: a product nobody orders
 * after a flush would otherwise read `null` until its next reservation. Null only for a product that does not exist.
 */
export async function availabilityOf(orm: MikroORM, inventory: Inventory, productId: number): Promise<number | null> {
  const available = await inventory.available(productId);
  if (available !== null) return available;
  await rebuildAvailability(orm, inventory, productId);
  return inventory.available(productId);
}

/** availabilityOf for a page of products: one MGET, then a rebuild of each product whose count Redis has lost. */
export async function availabilityOfMany(orm: MikroORM, inventory: Inventory, productIds: number[]): Promise<Array<number | null>> {
  const available = await inventory.availableMany(productIds);
  return Promise.all(available.map((count, index) => (count !== null ? count : availabilityOf(orm, inventory, productIds[index]!))));
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
