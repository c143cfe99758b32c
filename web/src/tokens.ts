/** The payment stand-in's test tokens (README "Payment test tokens"), with what each does, for the picker. */
export const PAYMENT_TOKENS: Array<{ token: string; label: string; explains: string }> = [
  { token: 'tok_visa', label: 'Visa — succeeds', explains: 'The payment is authorised and captured: the order is CONFIRMED.' },
  { token: 'tok_chargeDeclined', label: 'Card declined', explains: 'The bank refuses the card. The order stays RESERVED: pay again with another card before the hold ends.' },
  { token: 'tok_insufficientFunds', label: 'Insufficient funds', explains: 'Declined for lack of funds. The order stays RESERVED and can be paid again.' },
  { token: 'tok_flaky', label: 'Flaky provider', explains: 'The provider fails twice, then succeeds: the saga retries and the order is CONFIRMED.' },
  { token: 'tok_timeout', label: 'Lost answer', explains: 'The charge happens but its answer is lost; the retry finds it. The order is CONFIRMED, charged once.' },
  { token: 'tok_captureFails', label: 'Capture fails', explains: 'Authorised, then the capture is refused: the saga compensates (void, stock restored, hold released) and the order is FAILED.' },
];
