/** The wire shapes of the payment provider, shared by the stand-in and its client. */

export type AuthorizationStatus = 'authorized' | 'captured' | 'voided' | 'refunded';

export interface Authorization {
  id: string;
  status: AuthorizationStatus;
  amountCents: number;
  currency: string;
  /** The merchant's reference: the order id. */
  reference: string;
  capturedAmountCents: number;
  refundedAmountCents: number;
}

export interface ApiErrorBody {
  error: { type: string; code: string; message: string; param?: string };
}
