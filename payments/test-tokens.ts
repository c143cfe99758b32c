/**
 * Test payment tokens and what the stand-in does with each. The README's token table is written from
 * this list, so a behaviour is described in one place only.
 */

export type AuthorizeBehaviour =
  | { kind: 'approve' }
  | { kind: 'decline'; code: string; message: string }
  /** Answers 503 the first `times` tries of a given Idempotency-Key (nothing stored), then approves. */
  | { kind: 'fail_transiently'; times: number }
  /** Approves and stores the answer under the key, but the caller never receives it. */
  | { kind: 'lose_answer' };

export type CaptureBehaviour = { kind: 'approve' } | { kind: 'decline'; code: string; message: string };

/** How the refunds of a captured authorization made with the token behave (both the partial and the full-rest route). */
export type RefundBehaviour =
  | { kind: 'approve' }
  | { kind: 'decline'; code: string; message: string }
  /** Refunds, and stores the answer under the key, but the caller never receives it (as tok_timeout's authorisation). */
  | { kind: 'lose_answer' };

export interface TestToken {
  token: string;
  summary: string;
  authorize: AuthorizeBehaviour;
  capture: CaptureBehaviour;
  refund: RefundBehaviour;
}

const approve = { kind: 'approve' } as const;

export const TEST_TOKENS: readonly TestToken[] = [
  {
    token: 'tok_visa',
    summary: 'Succeeds: authorises, captures, voids and refunds normally.',
    authorize: approve,
    capture: approve,
    refund: approve,
  },
  {
    token: 'tok_chargeDeclined',
    summary: 'Authorisation declined: 402 card_error / card_declined (stored and replayed; not retryable).',
    authorize: { kind: 'decline', code: 'card_declined', message: 'Your card was declined.' },
    capture: approve,
    refund: approve,
  },
  {
    token: 'tok_insufficientFunds',
    summary: 'Authorisation declined: 402 card_error / insufficient_funds (stored and replayed; not retryable).',
    authorize: { kind: 'decline', code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
    capture: approve,
    refund: approve,
  },
  {
    token: 'tok_flaky',
    summary:
      'Transient failure: 503 api_error / temporarily_unavailable the first two tries of an Idempotency-Key (not stored), then succeeds.',
    authorize: { kind: 'fail_transiently', times: 2 },
    capture: approve,
    refund: approve,
  },
  {
    token: 'tok_timeout',
    summary:
      'Lost answer: the authorisation is made and stored under the key, but the response is held past the client timeout ' +
      'and the connection dropped (the key answers 409 idempotency_key_in_use meanwhile); a retry with the same key replays the success.',
    authorize: { kind: 'lose_answer' },
    capture: approve,
    refund: approve,
  },
  {
    token: 'tok_captureFails',
    summary:
      'Authorises fine, but capture answers 402 card_error / capture_declined (stored and replayed); the authorisation stays voidable.',
    authorize: approve,
    capture: { kind: 'decline', code: 'capture_declined', message: 'The capture was declined by the issuer.' },
    refund: approve,
  },
  {
    token: 'tok_refundFails',
    summary:
      'Authorises and captures fine, but every refund answers 402 card_error / refund_declined (stored and replayed); nothing is refunded.',
    authorize: approve,
    capture: approve,
    refund: { kind: 'decline', code: 'refund_declined', message: 'The refund was declined by the issuer.' },
  },
  {
    token: 'tok_refundTimeout',
    summary:
      'Authorises and captures fine; a refund is made and stored under the key, but its answer is held past the client timeout ' +
      'and the connection dropped (the key answers 409 idempotency_key_in_use meanwhile); a retry with the same key replays it.',
    authorize: approve,
    capture: approve,
    refund: { kind: 'lose_answer' },
  },
];

/** A token not in the table is declined, so a buyer with a bad payment method can try another one. */
export const UNKNOWN_TOKEN_DECLINE = {
  kind: 'decline',
  code: 'invalid_payment_token',
  message: 'No such payment token.',
} as const satisfies AuthorizeBehaviour;

export function findTestToken(token: string): TestToken | undefined {
  return TEST_TOKENS.find((entry) => entry.token === token);
}
