import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The one task queue order workflows and their activities run on. */
export const ORDER_TASK_QUEUE = 'orders';

/** Typed search attributes: operators find orders in the Web UI with `OrderStatus = "RESERVED"` or `CustomerId = "…"`. */
export const orderStatusKey = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const customerIdKey = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
/** Set only on a FAILED order that staff must act on: `OrderFailureCode = "REFUND_FAILED"` finds them. */
export const orderFailureCodeKey = defineSearchAttributeKey('OrderFailureCode', SearchAttributeType.KEYWORD);
/** On an order's after-sale workflow: `RefundStatus = "REFUNDED"` (or PARTIALLY_REFUNDED) finds refunded orders. */
export const refundStatusKey = defineSearchAttributeKey('RefundStatus', SearchAttributeType.KEYWORD);
export const ORDER_SEARCH_ATTRIBUTES = [orderStatusKey, customerIdKey, orderFailureCodeKey, refundStatusKey];

/** The workflow id is the order id, so the Web UI, the API and MySQL all name an order the same way. */
export const orderWorkflowId = (orderId: string): string => orderId;

/** The order's after-sale workflow (refunds and returns): one per order, named after it, beside the order's own. */
export const afterSaleWorkflowId = (orderId: string): string => `after-sale-${orderId}`;

/** The reconciler's own task queue: its workflow and activities never wait behind (or delay) order work. */
export const RECONCILE_TASK_QUEUE = 'reconcile';
/**
 * The reconcile schedule's id, and the id its workflows start with (the server appends each run's time, e.g.
 * `reconcile-inventory-2026-11-28T05:00:00Z`), so both read as what they do in the Web UI.
 */
export const RECONCILE_SCHEDULE_ID = 'reconcile-inventory';
