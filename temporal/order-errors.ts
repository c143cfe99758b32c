/** What can go wrong when the API talks to an order workflow, in the order's own terms. */
export class OrderNotFoundError extends Error {
  constructor(readonly orderId: string) {
    super(`order ${orderId} does not exist`);
  }
}

export class OrderNotPayableError extends Error {}
export class OrderNotCancellableError extends Error {}

export class PaymentDeclinedError extends Error {
  constructor(readonly declineCode: string, message: string) {
    super(message);
  }
}

export class PaymentUnavailableError extends Error {}

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
