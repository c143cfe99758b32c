import type { AccountId } from './accounts';
import type { Ledger } from './ledger';
import { apiError, ok, type Outcome } from './responses';
import { findTestToken, UNKNOWN_TOKEN_DECLINE } from './test-tokens';
import type { Authorization, AuthorizationStatus, Refund } from './types';

export interface AuthorizeParams {
  amountCents: number;
  currency: string;
  paymentToken: string;
  reference: string;
}

function cardError(code: string, message: string): Outcome {
  return apiError(402, 'card_error', code, message);
}

/** `tryNumber` counts the executions of this Idempotency-Key, for behaviours that fail the first tries. */
export function authorize(ledger: Ledger, params: AuthorizeParams, tryNumber: number, account: AccountId): Outcome {
  const behaviour = findTestToken(params.paymentToken)?.authorize ?? UNKNOWN_TOKEN_DECLINE;
  switch (behaviour.kind) {
    case 'decline':
      return cardError(behaviour.code, behaviour.message);
    case 'fail_transiently':
      if (tryNumber <= behaviour.times) {
        return apiError(503, 'api_error', 'temporarily_unavailable', 'The payment network is temporarily unavailable.');
      }
      return ok(201, ledger.create({ ...params, account }));
    case 'lose_answer':
      return { ...ok(201, ledger.create({ ...params, account })), loseAnswer: true };
    case 'approve':
      return ok(201, ledger.create({ ...params, account }));
  }
}

function invalidState(authorization: Authorization, action: string, allowed: AuthorizationStatus): Outcome {
  return apiError(
    409,
    'invalid_request_error',
    'invalid_state',
    `Cannot ${action} authorization ${authorization.id}: it is ${authorization.status}, and only a ${allowed} one can be.`,
  );
}

export function capture(ledger: Ledger, authorization: Authorization): Outcome {
  if (authorization.status !== 'authorized') return invalidState(authorization, 'capture', 'authorized');
  const behaviour = findTestToken(ledger.paymentTokenOf(authorization.id) ?? '')?.capture;
  if (behaviour?.kind === 'decline') return cardError(behaviour.code, behaviour.message);
  return ok(200, ledger.update(authorization.id, { status: 'captured', capturedAmountCents: authorization.amountCents }));
}

export function voidAuthorization(ledger: Ledger, authorization: Authorization): Outcome {
  if (authorization.status !== 'authorized') return invalidState(authorization, 'void', 'authorized');
  return ok(200, ledger.update(authorization.id, { status: 'voided' }));
}

export interface RefundParams {
  authorizationId: string;
  amountCents: number;
  merchantReference?: string;
}

/**
 * A refund of part (or all) of what is left of a capture, answered 201 with the refund. Refunds are made one at a
 * time (this runs synchronously), so however many arrive together their sum never passes the capture.
 */
export function refundPart(ledger: Ledger, authorization: Authorization, amountCents: number, merchantReference?: string): Outcome {
  if (authorization.status !== 'captured') return invalidState(authorization, 'refund', 'captured');
  const left = authorization.capturedAmountCents - authorization.refundedAmountCents;
  if (amountCents > left) {
    return apiError(
      400,
      'invalid_request_error',
      'amount_too_large',
      `Refund amount (${amountCents}) is greater than what is left to refund on authorization ${authorization.id} (${left}).`,
      'amountCents',
    );
  }
  const behaviour = findTestToken(ledger.paymentTokenOf(authorization.id) ?? '')?.refund;
  if (behaviour?.kind === 'decline') return cardError(behaviour.code, behaviour.message);
  const refund: Refund = ledger.refund(authorization, amountCents, merchantReference ?? null);
  return { ...ok(201, refund), loseAnswer: behaviour?.kind === 'lose_answer' };
}

/** An outcome that may have made a refund: `refund` is it (not part of the answer), for the provider's event. */
export interface RefundingOutcome extends Outcome {
  refund?: Refund;
}

/** The saga's compensation: refunds the rest of the capture and answers with the authorization, now refunded. */
export function refund(ledger: Ledger, authorization: Authorization): RefundingOutcome {
  const outcome = refundPart(ledger, authorization, authorization.capturedAmountCents - authorization.refundedAmountCents);
  if (outcome.status !== 201) return outcome;
  return { ...ok(200, ledger.reread(authorization)), loseAnswer: outcome.loseAnswer, refund: outcome.body as Refund };
}

/**
 * The cardholder's bank disputes a captured charge (a test-mode trigger, as providers offer one): nothing changes in
 * the books until the dispute is decided, but the merchant is told at once (payments/events.ts).
 */
export function dispute(authorization: Authorization): Outcome {
  if (authorization.status !== 'captured') return invalidState(authorization, 'dispute', 'captured');
  return ok(200, authorization);
}
