import type { OrderLine, OrderStatus, StockLine } from './order-types';

/** The after-sale domain types, shared by the workflow, its activities and the API (types only: safe in workflow code). */

export const REFUND_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];
/** How much of the order's capture is refunded: the order's `refundStatus`, and the `RefundStatus` search attribute. */
export type OrderRefundStatus = 'NONE' | 'PARTIALLY_REFUNDED' | 'REFUNDED';
export const RETURN_STATUSES = ['REQUESTED', 'RECEIVED'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];
export type ReturnCondition = 'SELLABLE' | 'DAMAGED';

/** A return window of 14 days unless RETURN_WINDOW says otherwise. */
export const DEFAULT_RETURN_WINDOW_MS = 14 * 24 * 60 * 60_000;

export interface RefundView {
  id: string;
  orderId: string;
  status: RefundStatus;
  amountCents: number;
  /** The units the refund is for ([] when staff refunded an amount). */
  lines: StockLine[];
  reason: string;
  /** The return whose receipt issued it, if any. */
  returnId: string | null;
  requestedBy: string;
  failureReason: string | null;
}

export interface ReceivedLine extends StockLine {
  condition: ReturnCondition;
}

export interface ReturnView {
  id: string;
  orderId: string;
  customerId: string;
  status: ReturnStatus;
  lines: StockLine[];
  /** What arrived, in which condition; null until received. */
  receivedLines: ReceivedLine[] | null;
  /** The refund issued for the received units (null before, or when nothing was left to refund). */
  refundId: string | null;
}

/** What MySQL knows of a confirmed order, read once when its after-sale workflow starts. */
export interface SoldOrder {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  lines: OrderLine[];
  /** What the provider captured; 0 unless the order's payment is captured. */
  capturedCents: number;
  /** The captured authorisation, which refunds are made against. */
  authorizationId: string | null;
  /** When the order was confirmed (ISO); the return window runs from it. */
  confirmedAt: string | null;
}

export interface AfterSaleState {
  order: SoldOrder;
  refunds: RefundView[];
  returns: ReturnView[];
}

export interface AfterSaleInput {
  orderId: string;
  /** RETURN_WINDOW, from the deployment's configuration. */
  returnWindowMs: number;
}

export interface RefundRequest {
  /** Derived from the order and the caller's Idempotency-Key: the same request names the same refund. */
  refundId: string;
  /** Exactly one of amountCents and lines. */
  amountCents?: number;
  lines?: StockLine[];
  reason: string;
  /** What the caller believes is refunded or being refunded already; a different figure means a stale screen. */
  expectedRefundedCents: number;
  requestedBy: string;
}

export interface ReturnRequest {
  returnId: string;
  customerId: string;
  lines: StockLine[];
}

export interface ReceiveRequest {
  returnId: string;
  lines: ReceivedLine[];
  receivedBy: string;
}

/** What an order answers about its life after the sale. */
export interface AfterSaleSummary {
  refunds: RefundView[];
  refundedCents: number;
  refundStatus: OrderRefundStatus;
  returns: ReturnView[];
}

export function refundStatusOf(refundedCents: number, capturedCents: number): OrderRefundStatus {
  if (refundedCents <= 0) return 'NONE';
  return refundedCents >= capturedCents ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
}

export function summarise(refunds: RefundView[], returns: ReturnView[], capturedCents: number): AfterSaleSummary {
  const refundedCents = refunds.filter((refund) => refund.status === 'SUCCEEDED').reduce((sum, refund) => sum + refund.amountCents, 0);
  return { refunds, refundedCents, refundStatus: refundStatusOf(refundedCents, capturedCents), returns };
}
