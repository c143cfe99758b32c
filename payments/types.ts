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

/**
 * One refund against a captured authorization (several may be made, their sum never more than the capture). The
 * stand-in answers each at once, so a refund it records has succeeded; a declined one is answered 402, never stored.
 */
export interface Refund {
  id: string;
  authorizationId: string;
  amountCents: number;
  currency: string;
  /** The authorization's reference: the order id. */
  reference: string;
  /** The merchant's own id for this refund, when it gave one (the service's refund id), so the books can be matched. */
  merchantReference: string | null;
  status: 'succeeded';
}

export interface ApiErrorBody {
  error: { type: string; code: string; message: string; param?: string };
}
