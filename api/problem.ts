import { statusOf, type ProblemCode } from './problem-codes';

/**
 * A refusal the API itself decides (validation, idempotency, admission), answered as application/problem+json
 * (RFC 9457) with its stable `code`; its status comes from the code's one definition in problem-codes.ts.
 * Errors of the domain (catalogue, orders, payments) stay domain errors: api/errors.ts maps them.
 */
/** What a problem answer is made of: a Problem, or the same fields without an Error (for an expected refusal). */
export type ProblemAnswer = Pick<Problem, 'code' | 'message' | 'extensions' | 'headers'>;

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

  /** An answer built without an Error (an expected refusal, see api/errors.ts) as a Problem to throw. */
  static from({ code, message, extensions, headers }: ProblemAnswer): Problem {
    return new Problem(code, message, extensions, headers);
  }
}
