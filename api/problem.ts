import { statusOf, type ProblemCode } from './problem-codes';

/**
 * A refusal the API itself decides (validation, idempotency, admission), answered as application/problem+json
 * (RFC 9457) with its stable `code`; its status comes from the code's one definition in problem-codes.ts.
 * Errors of the domain (catalogue, orders, payments) stay domain errors: api/errors.ts maps them.
 */
export class Problem extends Error {
  readonly status: number;

  constructor(
    readonly code: ProblemCode,
    message: string,
    /** Extra members of the problem document: the offending `field`, `errors`, `productId`, … */
    readonly extensions: Record<string, unknown> = {},
    /** Extra response headers, e.g. Allow on a 405 or Retry-After on a 503. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = statusOf(code);
  }
}
