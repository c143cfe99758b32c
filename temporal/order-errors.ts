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
