import type { Request, RequestHandler, Response } from 'express';
import { accountOfRequest } from './accounts';
import type { FaultInjector } from './faults';
import type { IdempotencyStore } from './idempotency-store';
import { apiError, invalidParameter, send, type Outcome } from './responses';

/** Either the validated parameters of a request, or the answer that rejects it before anything runs. */
export type Prepared<P> = { params: P } | { reject: Outcome };

export interface IdempotentRouteOptions {
  store: IdempotencyStore;
  /** How long a lost answer keeps its key in flight before the connection is dropped. */
  lostAnswerDelayMs: number;
  /** The opt-in fault mode (payments/faults.ts): may lose the answer of an executed request. */
  faults?: FaultInjector;
}

const MAX_KEY_LENGTH = 255;

/** Same parameters, same fingerprint, whatever order the client wrote them in. */
function fingerprint(params: object): string {
  return JSON.stringify(params, Object.keys(params).sort());
}

function keyProblem(key: string | undefined): Outcome | undefined {
  if (key === undefined || key.trim() === '') {
    return apiError(400, 'invalid_request_error', 'parameter_missing', 'This endpoint requires an Idempotency-Key header.', 'Idempotency-Key');
  }
  if (key.length > MAX_KEY_LENGTH) {
    return invalidParameter(`Idempotency-Key must be at most ${MAX_KEY_LENGTH} characters.`, 'Idempotency-Key');
  }
  return undefined;
}

/**
 * Stripe's idempotency rules around one operation. Rejected input (validation, unknown id) is not
 * stored, because nothing ran; transient 5xx answers are not stored, so a retry runs again; every
 * other answer, declines included, is stored and replayed for the same key and parameters.
 */
export function idempotentRoute<P extends object>(
  options: IdempotentRouteOptions,
  prepare: (req: Request, res: Response) => Prepared<P>,
  execute: (params: P, tryNumber: number, req: Request, res: Response) => Outcome,
): RequestHandler {
  return (req: Request, res: Response) => {
    const key = req.get('Idempotency-Key');
    const problem = keyProblem(key);
    if (problem) return send(res, problem);
    const prepared = prepare(req, res);
    if ('reject' in prepared) return send(res, prepared.reject);

    // Keys are the account's own: another merchant's key never replays this one's answer.
    const scope = `${accountOfRequest(res)} ${req.method} ${req.baseUrl}${req.path} ${key}`;
    const begun = options.store.begin(scope, fingerprint(prepared.params));
    switch (begun.kind) {
      case 'reused':
        return send(
          res,
          apiError(
            400,
            'idempotency_error',
            'idempotency_key_reused',
            `Keys for idempotent requests can only be used with the same parameters they were first used with. ` +
              `Try a key other than '${key}' if you meant to make a different request.`,
          ),
        );
      case 'in_use':
        return send(
          res,
          apiError(409, 'idempotency_error', 'idempotency_key_in_use', 'Another request with this Idempotency-Key is still in progress. Try again later.'),
        );
      case 'replay':
        return send(res, begun.response, true);
      case 'started':
        break;
    }

    const outcome = execute(prepared.params, begun.tryNumber, req, res);
    if (outcome.status >= 500) {
      options.store.abandon(scope);
      return send(res, outcome);
    }
    const stored = { status: outcome.status, body: outcome.body };
    options.store.decided(scope, stored);
    if (!outcome.loseAnswer && !options.faults?.loseAnswer()) {
      options.store.finish(scope, stored);
      return send(res, stored);
    }
    // The work is done but the caller hears nothing: the key stays in flight until the connection is dropped.
    setTimeout(() => {
      options.store.finish(scope, stored);
      res.destroy();
    }, options.lostAnswerDelayMs).unref();
  };
}
