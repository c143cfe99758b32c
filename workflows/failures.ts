/**
 * The order saga's failure types, defined once. Activities throw them as `ApplicationFailure` types, the workflow
 * raises them to update callers and names them as non-retryable, the order client hands the ones an update is refused
 * with to the API as an `OrderRefusal` of that type, and the API answers the problem code its one table gives
 * (temporal/order-errors.ts). Nothing recognises a failure by its message or class name: only by these types. A
 * constant is named as the problem it becomes; its value is the wire name that running workflows and recorded
 * histories carry, and never changes. Plain constants and pure functions: safe in workflow code.
 */
import { ApplicationFailure } from '@temporalio/common';

/** MySQL has fewer units than the order holds in Redis (a drift): the sale cannot be committed. */
export const INSUFFICIENT_STOCK = 'InsufficientStock';
/** A stock request no retry can fix: a non-positive quantity, or a commit that contradicts an earlier one. */
export const INVALID_STOCK_REQUEST = 'InvalidStockRequest';
/** Redis has no availability for a product and MySQL does not know it either; retried (the API checks the catalogue). */
export const AVAILABILITY_NOT_LOADED = 'AvailabilityNotLoaded';
/** The provider declined the authorisation (a hard decline: another payment method may work). */
export const PAYMENT_DECLINED = 'PaymentDeclined';
/** The provider declined the capture of an authorisation. */
export const CAPTURE_DECLINED = 'CaptureDeclined';
/** The provider refused a request for reasons other than the card (a bug, or a state it cannot be in). */
export const PAYMENT_REQUEST_REJECTED = 'PaymentRequestRejected';
/** The provider did not answer within the payment step's retries; the buyer may try again. */
export const PAYMENT_PROVIDER_UNAVAILABLE = 'PaymentUnavailable';
/** MySQL refused a store step's data (a value out of a column's range, a broken constraint): no retry can fix it. */
export const STORE_DATA_REJECTED = 'StoreDataRejected';
/** An update refused: the order is not open for payment (terminal, expired, or another payment is deciding it). */
export const ORDER_NOT_PAYABLE = 'OrderNotPayable';
/** An update refused: the order is not open for cancellation. */
export const ORDER_NOT_CANCELLABLE = 'OrderNotCancellable';

export type FailureType =
  | typeof INSUFFICIENT_STOCK
  | typeof INVALID_STOCK_REQUEST
  | typeof AVAILABILITY_NOT_LOADED
  | typeof PAYMENT_DECLINED
  | typeof CAPTURE_DECLINED
  | typeof PAYMENT_REQUEST_REJECTED
  | typeof PAYMENT_PROVIDER_UNAVAILABLE
  | typeof STORE_DATA_REJECTED
  | typeof ORDER_NOT_PAYABLE
  | typeof ORDER_NOT_CANCELLABLE;

/** The failures the workflow refuses an update with: the only ones that reach an update's caller. */
export const UPDATE_REFUSALS = [ORDER_NOT_PAYABLE, ORDER_NOT_CANCELLABLE, PAYMENT_DECLINED, PAYMENT_PROVIDER_UNAVAILABLE] as const;
export type UpdateRefusal = (typeof UPDATE_REFUSALS)[number];

export function isUpdateRefusal(type: string | null | undefined): type is UpdateRefusal {
  return (UPDATE_REFUSALS as readonly string[]).includes(type ?? '');
}

/**
 * Why staff must act on a FAILED order: an undo failed for good, so what it should have undone is still done.
 * Recorded in MySQL (orders.failure_code) and as the `OrderFailureCode` search attribute (Web UI).
 */
export const REFUND_FAILED = 'REFUND_FAILED';
export const STOCK_RESTORE_FAILED = 'STOCK_RESTORE_FAILED';
export const RELEASE_FAILED = 'RELEASE_FAILED';
/** The order's coupon claim could not be given back: the buyer lost a coupon they should hold again. */
export const COUPON_RETURN_FAILED = 'COUPON_RETURN_FAILED';
/**
 * The order's workflow was closed (terminated, reset, or lost) before the order ended, and the reconciler swept it
 * (activities/order-sweep.ts): everything is undone, but nobody told the buyer, and someone closed the workflow for a
 * reason. Recorded in MySQL only: a closed workflow takes no search attribute.
 */
export const WORKFLOW_CLOSED = 'WORKFLOW_CLOSED';
export const STAFF_ACTION_CODES = [REFUND_FAILED, STOCK_RESTORE_FAILED, RELEASE_FAILED, WORKFLOW_CLOSED, COUPON_RETURN_FAILED] as const;
export type StaffActionCode = (typeof STAFF_ACTION_CODES)[number];

/**
 * The first `ApplicationFailure` in an error's cause chain (an activity's failure arrives wrapped in an
 * ActivityFailure, an update's in a WorkflowUpdateFailedError), or undefined when there is none.
 */
export function applicationFailureOf(error: unknown): ApplicationFailure | undefined {
  for (let current = error; current instanceof Error; current = (current as { cause?: unknown }).cause) {
    if (current instanceof ApplicationFailure) return current;
  }
  return undefined;
}

/** Whether an error is, or wraps, a failure of the given type. */
export function isFailureOfType(error: unknown, type: FailureType): boolean {
  return applicationFailureOf(error)?.type === type;
}

/** After the sale (workflows/after-sale.ts): the refusals its updates answer with, turned into 409s by the API. */
export const ORDER_NOT_REFUNDABLE = 'OrderNotRefundable';
export const REFUND_STATE_CHANGED = 'RefundStateChanged';
export const REFUND_EXCEEDS_CAPTURED = 'RefundExceedsCaptured';
export const RETURN_WINDOW_CLOSED = 'ReturnWindowClosed';
export const RETURN_EXCEEDS_SOLD = 'ReturnExceedsSold';
export const RETURN_NOT_FOUND = 'ReturnNotFound';
/** The provider declined a refund (a card_error): final, the refund ends FAILED and staff are told. */
export const REFUND_DECLINED = 'RefundDeclined';
export const AFTER_SALE_REFUSALS = [
  ORDER_NOT_REFUNDABLE,
  REFUND_STATE_CHANGED,
  REFUND_EXCEEDS_CAPTURED,
  RETURN_WINDOW_CLOSED,
  RETURN_EXCEEDS_SOLD,
  RETURN_NOT_FOUND,
] as const;
export type AfterSaleRefusal = (typeof AFTER_SALE_REFUSALS)[number];
