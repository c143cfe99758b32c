import type { StaffActionCode } from './failures';

/** The order's domain types, shared by the workflow, the activities and the API (types only: safe in workflow code). */

export const ORDER_STATUSES = ['PENDING', 'RESERVED', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'EXPIRED', 'FAILED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const TERMINAL_STATUSES: readonly OrderStatus[] = ['CONFIRMED', 'REJECTED', 'CANCELLED', 'EXPIRED', 'FAILED'];

/** Units of one product: what Redis holds, MySQL commits and restores, for one line of an order. */
export interface StockLine {
  productId: number;
  quantity: number;
}

export interface OrderLine extends StockLine {
  sku: string;
  unitPriceCents: number;
}

/** A card authorisation typically stays valid for 7 days: a failing capture is retried that long. */
export const DEFAULT_CAPTURE_RETRY_WINDOW_MS = 7 * 24 * 60 * 60_000;

/** What the API hands the workflow when it starts; the hold length comes from configuration, never from the buyer. */
export interface OrderInput {
  orderId: string;
  customerId: string;
  lines: OrderLine[];
  totalCents: number;
  holdMs: number;
  /** Fingerprint of the placing request, so a reused Idempotency-Key with another body can be told apart. */
  requestHash: string;
  /**
   * How long a failing capture is retried (CAPTURE_RETRY_WINDOW): as long as the provider keeps an authorisation
   * valid. Set by the order client; absent in orders placed before it existed (then 7 days).
   */
  captureRetryWindowMs?: number;
  /**
   * The coupon the buyer applies: its code, and the cents it takes off (already out of `totalCents`, which is what the
   * payment authorises). The workflow redeems one of the buyer's claims of it right after the stock is reserved.
   */
  coupon?: AppliedCoupon;
}

export interface AppliedCoupon {
  code: string;
  discountCents: number;
}

/** The failureReason of an order REJECTED because its buyer held no unused claim of the coupon when it was redeemed. */
export const COUPON_NOT_REDEEMED = 'coupon not redeemed';

export type PaymentStatus = 'AUTHORIZED' | 'CAPTURED' | 'VOIDED' | 'REFUNDED' | 'DECLINED';

export interface PaymentView {
  status: PaymentStatus;
  amountCents: number;
  authorizationId?: string;
  declineCode?: string;
  /**
   * How much the provider paid back: of a REFUNDED payment (its figure when its event told, else the whole amount), or
   * of a CAPTURED one refunded in part (absent while nothing is).
   */
  refundedCents?: number;
}

/** The last two come after the sale (workflows/after-sale.ts): the first refund of part of an order, and the one that completes it. */
export type NotificationKind = 'ORDER_CONFIRMED' | 'ORDER_EXPIRED' | 'ORDER_FAILED' | 'ORDER_CANCELLED' | 'ORDER_PARTIALLY_REFUNDED' | 'ORDER_REFUNDED';

export interface OrderView {
  id: string;
  customerId: string;
  status: OrderStatus;
  items: OrderLine[];
  totalCents: number;
  /** ISO time the hold ends; null before the stock is reserved or once the order is terminal without a hold. */
  reservedUntil: string | null;
  payment: PaymentView | null;
  notifications: NotificationKind[];
  failureReason?: string;
  /** Set when an undo failed for good and staff must act (REFUND_FAILED, STOCK_RESTORE_FAILED, RELEASE_FAILED). */
  failureCode?: StaffActionCode;
  requestHash: string;
  /** The coupon applied, and what it took off; `totalCents` is after the discount. Absent: no coupon. */
  couponCode?: string;
  discountCents?: number;
}
