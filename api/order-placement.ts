import { createHash, randomUUID } from 'node:crypto';
import type { OrderInput, OrderLine } from '../workflows/order-types';
import type { Product } from '../db/catalogue';
import { Problem } from './problem';
import type { NewOrder } from './validation';

/**
 * An Idempotency-Key names the order: the same key always maps to the same order (and workflow) id, so a retried
 * request can never start a second order, even when two copies race.
 */
export function orderIdFor(idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return `ord_${randomUUID().replaceAll('-', '')}`;
  return `ord_k${createHash('sha256').update(idempotencyKey).digest('base64url').slice(0, 40)}`;
}

/** A fingerprint of what was asked, to tell a retry (same body) from a key reused for another order. */
export function requestHashOf(order: NewOrder): string {
  const canonical = JSON.stringify({
    customerId: order.customerId,
    items: order.items.map(({ productId, quantity }) => [productId, quantity]),
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/** Prices come from the catalogue at placement, never from the client. */
export function priceOrder(order: NewOrder, products: Product[]): { lines: OrderLine[]; totalCents: number } {
  const byId = new Map(products.map((product) => [product.id, product]));
  const lines = order.items.map(({ productId, quantity }, index) => {
    const product = byId.get(productId);
    if (!product) {
      throw new Problem(404, 'PRODUCT_NOT_FOUND', `product ${productId} does not exist`, { field: `body.items.${index}.productId` });
    }
    return { productId, sku: product.sku, quantity, unitPriceCents: product.priceCents };
  });
  const totalCents = lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
  return { lines, totalCents };
}

export function buildOrderInput(orderId: string, order: NewOrder, products: Product[], holdMs: number, requestHash: string): OrderInput {
  return { orderId, customerId: order.customerId, ...priceOrder(order, products), holdMs, requestHash };
}
