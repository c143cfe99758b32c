import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ProductNotFoundError, SkuTakenError } from '../db/catalogue';
import {
  OrderNotCancellableError,
  OrderNotFoundError,
  OrderNotPayableError,
  PaymentDeclinedError,
  PaymentUnavailableError,
} from '../temporal/order-errors';
import { PROBLEM_CODE } from '../telemetry/request-telemetry';
import { Problem, TITLES } from './problem';

/** The domain's errors, each with the one status and code the API answers it with. */
function toProblem(error: unknown): Problem | undefined {
  if (error instanceof Problem) return error;
  if (error instanceof SkuTakenError) return new Problem(409, 'SKU_TAKEN', error.message, { field: 'body.sku' });
  if (error instanceof ProductNotFoundError) return new Problem(404, 'PRODUCT_NOT_FOUND', error.message);
  if (error instanceof OrderNotFoundError) return new Problem(404, 'ORDER_NOT_FOUND', error.message);
  if (error instanceof OrderNotPayableError) return new Problem(409, 'ORDER_NOT_PAYABLE', error.message);
  if (error instanceof OrderNotCancellableError) return new Problem(409, 'ORDER_NOT_CANCELLABLE', error.message);
  if (error instanceof PaymentDeclinedError) {
    return new Problem(402, 'PAYMENT_DECLINED', error.message, { declineCode: error.declineCode, field: 'body.paymentToken' });
  }
  if (error instanceof PaymentUnavailableError) return new Problem(503, 'PAYMENT_PROVIDER_UNAVAILABLE', error.message);
  const bodyError = error as { type?: string; status?: number };
  if (bodyError.type === 'entity.parse.failed') return new Problem(400, 'MALFORMED_JSON', 'the body is not valid JSON', { field: 'body' });
  if (bodyError.type === 'entity.too.large') return new Problem(413, 'BODY_TOO_LARGE', 'the body is larger than 16 KiB', { field: 'body' });
  if (bodyError.type?.startsWith('encoding.') || bodyError.type === 'charset.unsupported') {
    return new Problem(415, 'UNSUPPORTED_ENCODING', 'send the body as UTF-8 JSON', { field: 'body' });
  }
  if (typeof bodyError.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
    return new Problem(400, 'BAD_REQUEST', 'the request could not be read', { field: 'body' });
  }
  return undefined;
}

/** Failures of a dependency (Temporal, MySQL, Redis unreachable or timing out): the client may retry. */
const UNAVAILABLE_ERRORS = new Set(['ServiceError', 'ConnectionException', 'DriverException', 'MaxRetriesPerRequestError', 'WorkflowUpdateRPCTimeoutOrCancelledError']);

export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    let problem = toProblem(error);
    if (!problem) {
      logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
      problem = UNAVAILABLE_ERRORS.has((error as Error)?.constructor?.name)
        ? new Problem(503, 'SERVICE_UNAVAILABLE', 'a backing service is unavailable; try again shortly')
        : new Problem(500, 'INTERNAL_ERROR', 'the request failed unexpectedly; it has been logged');
    }
    res.locals[PROBLEM_CODE] = problem.code;
    res
      .status(problem.status)
      .type('application/problem+json')
      .json({
        type: `urn:order-saga:problem:${problem.code.toLowerCase().replaceAll('_', '-')}`,
        title: TITLES[problem.status] ?? 'Error',
        status: problem.status,
        code: problem.code,
        detail: problem.message,
        instance: req.originalUrl,
        ...problem.extensions,
      });
  };
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new Problem(404, 'ROUTE_NOT_FOUND', `no route for ${req.method} ${req.path}`));
};
