/**
 * Finds products whose Redis availability has drifted from MySQL while nothing was in flight, and repairs them by the
 * rebuild rule (availability-sync.ts resyncAvailability: drop the count, new epoch, rebuild from one MySQL snapshot),
 * never by writing a computed number: a reservation arriving during the repair is then counted exactly once, as it is
 * during a restock. See docs/RELIABILITY.md, "The reconciler".
 */
import type { MikroORM } from '@mikro-orm/core';
import { ordersLeftHolding, readQuiet, readStockPage, type QuietReading } from '../db/reconcile-queries';
import { rebuildAvailability, resyncAvailability } from './availability-sync';
import type { Inventory } from './inventory';

/** One repair: the product, MySQL's stock, Redis's count before and after. */
export interface DriftRepair {
  productId: number;
  stock: number;
  before: number;
  after: number | null;
}

/** A product that looked drifted but was left alone, and why (the next run looks again). */
export interface DriftLeftAlone {
  productId: number;
  reason: string;
}

export interface DriftPage {
  /** Products of the page compared. */
  checked: number;
  /** Products with an order in flight: not compared (their count moves; the saga keeps it). */
  inFlight: number;
  /** Products whose availability Redis had lost (a flush): each is rebuilt from MySQL here, by the flush rule. */
  notLoaded: number;
  /** Of those, the ones rebuilt (a product deleted meanwhile is not). */
  rebuilt: number[];
  repairs: DriftRepair[];
  leftAlone: DriftLeftAlone[];
  /** The id to continue after, or null when this was the last page. */
  nextAfterId: number | null;
}

/**
 * One page of the catalogue (products with ids above `afterId`): a cheap first pass over all of them (one MySQL read,
 * one MGET), then a careful look at each that seems to differ. Quiet means no PENDING or RESERVED order names the
 * product and no order left a live hold of it; the careful look reads MySQL, Redis, MySQL, and repairs only if both
 * MySQL readings agree (nothing started or ended meanwhile) and Redis's count is not MySQL's stock.
 */
export async function repairDriftPage(orm: MikroORM, inventory: Inventory, { afterId, limit }: { afterId: number; limit: number }): Promise<DriftPage> {
  const page = await readStockPage(orm, { afterId, limit });
  const available = await inventory.availableMany(page.products.map((product) => product.id));
  const result: DriftPage = { checked: page.products.length, inFlight: 0, notLoaded: 0, rebuilt: [], repairs: [], leftAlone: [], nextAfterId: null };
  for (const [index, product] of page.products.entries()) {
    if (available[index] === null) {
      // The same rebuild a reservation makes after a flush (epoch-checked, holds of open orders recreated), so it is
      // safe with orders in flight; without it, a product nobody orders would show no availability at rest.
      result.notLoaded += 1;
      if (await rebuildAvailability(orm, inventory, product.id)) result.rebuilt.push(product.id);
    } else if (page.inFlight.has(product.id)) result.inFlight += 1;
    else if (available[index] !== product.stock) {
      const outcome = await repairIfDrifted(orm, inventory, product.id);
      if (outcome && 'reason' in outcome) result.leftAlone.push(outcome);
      else if (outcome) result.repairs.push(outcome);
    }
  }
  if (page.products.length === limit) result.nextAfterId = page.products[page.products.length - 1].id;
  return result;
}

/** The careful look at one product: a repair, a reason to leave it alone, or null (no drift after all). */
export async function repairIfDrifted(orm: MikroORM, inventory: Inventory, productId: number): Promise<DriftRepair | DriftLeftAlone | null> {
  const first = await readQuiet(orm, productId);
  const before = await inventory.available(productId);
  const second = await readQuiet(orm, productId);
  if (!first || !second || before === null) return null;
  if (first.open > 0) return { productId, reason: 'an order of it is in flight' };
  if (!sameReading(first, second)) return { productId, reason: 'an order of it started or ended while it was read' };
  if (before === first.stock) return null;
  const holding = await liveHoldsOf(orm, inventory, productId);
  if (holding.length > 0) {
    return { productId, reason: `order(s) ${holding.join(', ')} ended FAILED (RELEASE_FAILED) with their hold still live: staff must release it first` };
  }
  const after = await resyncAvailability(orm, inventory, productId);
  return { productId, stock: first.stock, before, after };
}

const sameReading = (a: QuietReading, b: QuietReading): boolean => a.stock === b.stock && a.orders === b.orders && a.open === b.open;

/** Orders no longer open whose Redis hold of the product still holds ('held', or 'committed' by a rebuild; see ordersLeftHolding). */
async function liveHoldsOf(orm: MikroORM, inventory: Inventory, productId: number): Promise<string[]> {
  const orderIds = await ordersLeftHolding(orm, productId);
  const states = await inventory.holdStates(orderIds);
  return orderIds.filter((_, index) => states[index] === 'held' || states[index] === 'committed');
}
