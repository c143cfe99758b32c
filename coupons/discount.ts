import { MIN_ORDER_TOTAL_CENTS } from '../config/bounds';
import type { Coupon } from './store';

export interface PricedLine {
  productId: number;
  quantity: number;
  unitPriceCents: number;
}

/**
 * The cents a coupon takes off an order. The discount applies to the lines of the products it covers (every line when
 * it names none): `percentOff` of their subtotal, rounded down to the cent, or `amountOffCents` up to that subtotal.
 * It is capped so that the order still costs the provider's smallest payment (MIN_ORDER_TOTAL_CENTS, 1 cent): a 100 %
 * coupon makes an order of 1 cent, never a free one nobody can pay.
 */
export function discountCents(coupon: Pick<Coupon, 'percentOff' | 'amountOffCents' | 'productIds'>, lines: readonly PricedLine[]): number {
  const total = subtotal(lines);
  const covered = subtotal(coupon.productIds === null ? lines : lines.filter((line) => coupon.productIds!.includes(line.productId)));
  const off = coupon.percentOff !== null ? Math.floor((covered * coupon.percentOff) / 100) : Math.min(coupon.amountOffCents ?? 0, covered);
  return Math.max(0, Math.min(off, total - MIN_ORDER_TOTAL_CENTS));
}

const subtotal = (lines: readonly PricedLine[]): number => lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
