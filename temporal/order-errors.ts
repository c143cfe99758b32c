/** What can go wrong when the API talks to an order workflow, in the order's own terms. */
import type { ProblemCode } from '../api/problem-codes';
import {
  ORDER_NOT_CANCELLABLE,
  ORDER_NOT_PAYABLE,
  ORDER_NOT_REFUNDABLE,
  PAYMENT_DECLINED,
  PAYMENT_PROVIDER_UNAVAILABLE,
  REFUND_EXCEEDS_CAPTURED,
  REFUND_STATE_CHANGED,
  RETURN_EXCEEDS_SOLD,
  RETURN_NOT_FOUND,
  RETURN_WINDOW_CLOSED,
  type AfterSaleRefusal,
  type UpdateRefusal,
} from '../workflows/failures';

export class OrderNotFoundError extends Error {
  constructor(readonly orderId: string) {
    super(`order ${orderId} does not exist`);
  }
}

/**
 * The workflow refused an update (a payment or a cancel) with one of its failure types (workflows/failures.ts), or
 * the order was finished before the update reached it. `declineCode`: the provider's reason for a decline.
 */
export class OrderRefusal extends Error {
  constructor(
    readonly type: UpdateRefusal,
    message: string,
    readonly declineCode?: string,
  ) {
    super(message);
    this.name = 'OrderRefusal';
  }
}

/**
 * The one table from each failure an update is refused with, by the order workflow or the after-sale workflow, to
 * the API's problem (its status is the code's, in api/problem-codes.ts): the clients raise an `OrderRefusal` or an
 * `AfterSaleRefusedError` for exactly these types, api/errors.ts answers with this. `detail` replaces the workflow's message where the buyer should read something else (a decline's reason is
 * for staff only: it is recorded with the payment attempt, never answered).
 */
export const REFUSAL_PROBLEMS: Readonly<Record<UpdateRefusal | AfterSaleRefusal, { code: ProblemCode; field?: string; detail?: string }>> = {
  [ORDER_NOT_PAYABLE]: { code: 'ORDER_NOT_PAYABLE' },
  [ORDER_NOT_CANCELLABLE]: { code: 'ORDER_NOT_CANCELLABLE' },
  [PAYMENT_DECLINED]: { code: 'PAYMENT_DECLINED', field: 'body.paymentToken', detail: 'the payment was declined; the order stays reserved: pay with another method' },
  [PAYMENT_PROVIDER_UNAVAILABLE]: { code: 'PAYMENT_PROVIDER_UNAVAILABLE' },
  [ORDER_NOT_REFUNDABLE]: { code: 'ORDER_NOT_REFUNDABLE' },
  [REFUND_STATE_CHANGED]: { code: 'REFUND_STATE_CHANGED' },
  [REFUND_EXCEEDS_CAPTURED]: { code: 'REFUND_EXCEEDS_CAPTURED' },
  [RETURN_WINDOW_CLOSED]: { code: 'RETURN_WINDOW_CLOSED' },
  [RETURN_EXCEEDS_SOLD]: { code: 'RETURN_EXCEEDS_SOLD' },
  [RETURN_NOT_FOUND]: { code: 'RETURN_NOT_FOUND' },
};

/**
 * Temporal did not answer within the API's deadline (TEMPORAL_CALL_TIMEOUT): no worker polls, or the cluster is
 * slow. The call may still take effect later (an update is durable once accepted); the caller decides what to answer.
 */
export class TemporalDeadlineError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`Temporal did not answer within ${timeoutMs} ms`);
    this.name = 'TemporalDeadlineError';
  }
}
