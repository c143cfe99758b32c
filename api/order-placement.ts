import { createHash } from 'node:crypto';
import type { AppliedCoupon, OrderInput, OrderLine } from '../workflows/order-types';
import { MAX_ORDER_TOTAL_CENTS, MIN_ORDER_TOTAL_CENTS } from '../config/bounds';
import type { Product } from '../db/catalogue';
import { Problem } from './problem';
import type { NewOrder } from './validation';

/** An order as placed: the customer is the authenticated buyer. */
export type BuyerOrder = NewOrder & { customerId: string };

/** A fingerprint of what was asked, to tell a retry (same body) from a key reused for another order. */
export function requestHashOf(order: BuyerOrder): string {
  const canonical = JSON.stringify({
    customerId: order.customerId,
    items: order.items.map(({ productId, quantity }) => [productId, quantity]),
    // Only when given, so the fingerprints of orders placed without an address stay what they were.
    ...(order.email !== undefined ? { email: order.email } : {}),
    ...(order.couponCode !== undefined ? { couponCode: order.couponCode } : {}),
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Prices come from the catalogue at placement, never from the client. The total must be payable in one payment
 * (config/bounds.ts), checked here, before any workflow starts: an order the provider must refuse is never reserved.
 */
export function priceOrder(order: NewOrder, products: Product[]): { lines: OrderLine[]; totalCents: number } {
  const byId = new Map(products.map((product) => [product.id, product]));
  const lines = order.items.map(({ productId, quantity }, index) => {
    const product = byId.get(productId);
    if (!product) {
      throw new Problem('PRODUCT_NOT_FOUND', `product ${productId} does not exist`, { field: `body.items.${index}.productId` });
    }
    return { productId, sku: product.sku, quantity, unitPriceCents: product.priceCents };
  });
  const totalCents = lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
  if (totalCents < MIN_ORDER_TOTAL_CENTS || totalCents > MAX_ORDER_TOTAL_CENTS) {
    throw new Problem(
      'ORDER_TOTAL_OUT_OF_RANGE',
      `the order totals ${totalCents} cents at catalogue prices; a payment takes ${MIN_ORDER_TOTAL_CENTS} to ${MAX_ORDER_TOTAL_CENTS} cents`,
      { field: 'body.items', totalCents, minTotalCents: MIN_ORDER_TOTAL_CENTS, maxTotalCents: MAX_ORDER_TOTAL_CENTS },
    );
  }
  return { lines, totalCents };
}

/**
 * The workflow's input. `applyCoupon`, for an order naming a coupon, checks it against the priced lines before any
 * stock is held (api/coupon-at-checkout.ts); its discount comes off the total the payment authorises.
 */
export async function buildOrderInput(
  orderId: string,
  order: BuyerOrder,
  products: Product[],
  holdMs: number,
  requestHash: string,
  applyCoupon?: (priced: { lines: OrderLine[]; totalCents: number }) => Promise<AppliedCoupon>,
): Promise<OrderInput> {
  const priced = priceOrder(order, products);
  const coupon = applyCoupon ? await applyCoupon(priced) : undefined;
  return { orderId, customerId: order.customerId, ...priced, ...(coupon ? { totalCents: priced.totalCents - coupon.discountCents, coupon } : {}), holdMs, requestHash };
}
