import type { MikroORM } from '@mikro-orm/core';
import { getProducts } from '../db/catalogue';
import type { Cart } from '../db/carts';
import type { Inventory } from '../inventory/inventory';

/**
 * A cart as answered: each line with the catalogue's price and the units available now (Redis; null when unknown),
 * and the total those prices make. Nothing is reserved: the checkout's reservation decides, at checkout's prices.
 */
export async function presentCart(orm: MikroORM, inventory: Inventory, cart: Cart) {
  const ids = cart.lines.map((line) => line.productId);
  const [products, available] = await Promise.all([getProducts(orm, ids), inventory.availableMany(ids)]);
  const byId = new Map(products.map((product) => [product.id, product]));
  const lines = cart.lines.map((line, index) => {
    const product = byId.get(line.productId)!; // a line's product cannot be removed (foreign key)
    return { productId: line.productId, sku: product.sku, name: product.name, quantity: line.quantity, priceCents: product.priceCents, available: available[index] };
  });
  return {
    id: cart.id,
    customerId: cart.customerId,
    status: cart.status,
    version: cart.version,
    orderId: cart.orderId,
    lines,
    estimatedTotalCents: lines.reduce((sum, line) => sum + line.quantity * line.priceCents, 0),
    updatedAt: cart.updatedAt.toISOString(),
  };
}
export type CartView = Awaited<ReturnType<typeof presentCart>>;
