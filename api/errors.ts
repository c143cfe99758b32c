import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { ConnectionException, DeadlockException, DriverException, LockWaitTimeoutException } from '@mikro-orm/core';
import { ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { MaxRetriesPerRequestError } from 'ioredis/built/errors';
import type { Logger } from 'pino';
import { ProductNotFoundError, RestockKeyReusedError, SkuTakenError, StockLimitError } from '../db/catalogue';
import { OrderNotFoundError, OrderRefusal, REFUSAL_PROBLEMS, TemporalDeadlineError } from '../temporal/order-errors';
import { ForbiddenWebhookTarget } from '../webhooks/url-guard';
import { PROBLEM_CODE } from '../telemetry/request-telemetry';
import { Problem, type ProblemAnswer } from './problem';
import { AfterSaleRefusedError } from '../temporal/after-sale-client';
import { problemTypeOf, statusOf, STATUS_TITLES } from './problem-codes';
import { TicketRefusedError } from '../queue/tickets';
import { AdmissionRefusedError } from '../queue/waiting-room';
import { CouponCodeTakenError } from '../coupons/store';
import { CartCheckedOutError } from '../db/carts';

type ErrorClass<E> = abstract new (...args: never[]) => E;
/** A domain error class and its problem: answers for errors of that class, undefined for others. */
type Mapping = (error: unknown) => Problem | undefined;
const mapping =
  <E>(type: ErrorClass<E>, toProblem: (error: E) => Problem): Mapping =>
  (error) =>
    error instanceof type ? toProblem(error) : undefined;

/**
 * The domain's errors, each with the one problem the API answers it with; routes throw them and never map them.
 * The `field` named is the one of the only route that can meet the error.
 */
const DOMAIN_ERRORS: Mapping[] = [
  mapping(SkuTakenError, (error) => new Problem('SKU_TAKEN', error.message, { field: 'body.sku' })),
  mapping(ProductNotFoundError, (error) => new Problem('PRODUCT_NOT_FOUND', error.message, { field: 'path.id' })),
  mapping(StockLimitError, (error) => new Problem('STOCK_LIMIT_EXCEEDED', error.message, { field: 'body.quantity', maxStock: error.maxStock })),
  mapping(OrderNotFoundError, (error) => new Problem('ORDER_NOT_FOUND', error.message, { field: 'path.id' })),
  mapping(RestockKeyReusedError, () => new Problem('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a restock of another quantity', { field: 'header.Idempotency-Key' })),
  mapping(ForbiddenWebhookTarget, (error) => new Problem('VALIDATION_FAILED', `body.url ${error.message}`, { field: 'body.url', errors: [{ field: 'body.url', reason: error.message }] })),
  mapping(OrderRefusal, (error) => {
    const { code, field, detail } = REFUSAL_PROBLEMS[error.type];
    return new Problem(code, detail ?? error.message, field === undefined ? {} : { field });
  }),
  mapping(AfterSaleRefusedError, (error) => new Problem(REFUSAL_PROBLEMS[error.refusal].code, error.message, error.details)),
  mapping(CouponCodeTakenError, (error) => new Problem('COUPON_CODE_TAKEN', error.message, { field: 'body.code' })),
  mapping(CartCheckedOutError, (error) =>
    new Problem('CART_CHECKED_OUT', `cart ${error.cart.id} was checked out as order ${error.cart.orderId}; its lines cannot change`, { orderId: error.cart.orderId, field: 'path.id' }),
  ),
  mapping(TicketRefusedError, (error) => new Problem('QUEUE_TICKET_INVALID', error.message, { field: 'header.Queue-Ticket' })),
  mapping(AdmissionRefusedError, (error) => new Problem('QUEUE_ADMISSION_REQUIRED', error.message, { field: 'header.Queue-Ticket', productId: error.productId, admission: error.state })),
  // The call may still take effect: the client retries (with the same Idempotency-Key for a placement).
  mapping(TemporalDeadlineError, () => new Problem('SERVICE_UNAVAILABLE', 'the order service did not answer in time; try again shortly', {}, { 'Retry-After': RETRY_AFTER_SECONDS })),
];

/** Seconds a client is told to wait before retrying a 503. */
const RETRY_AFTER_SECONDS = '1';

/** Body-parser's refusals carry a `type` (its documented error contract) and a 4xx `status`. */
function bodyParserProblem(error: { type?: unknown; status?: unknown }): Problem | undefined {
  if (error.type === 'entity.parse.failed') return new Problem('MALFORMED_JSON', 'the body is not valid JSON', { field: 'body' });
  if (error.type === 'entity.too.large') return new Problem('BODY_TOO_LARGE', 'the body is larger than 16 KiB', { field: 'body' });
  if ((typeof error.type === 'string' && error.type.startsWith('encoding.')) || error.type === 'charset.unsupported') {
    return new Problem('UNSUPPORTED_ENCODING', 'send the body as UTF-8 JSON', { field: 'body' });
  }
  if (typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
    return new Problem('BAD_REQUEST', 'the request could not be read', { field: 'body' });
  }
  return undefined;
}

/** A dependency (Temporal, MySQL, Redis) unreachable or timing out: the client may retry. */
function isUnavailable(error: unknown): boolean {
  return (
    error instanceof ServiceError ||
    error instanceof WorkflowUpdateRPCTimeoutOrCancelledError ||
    error instanceof ConnectionException ||
    error instanceof LockWaitTimeoutException ||
    error instanceof DeadlockException ||
    // The driver's errors it could not classify (a closed pool, a dropped socket); its subclasses are data errors.
    (error instanceof DriverException && Object.getPrototypeOf(error) === DriverException.prototype) ||
    error instanceof MaxRetriesPerRequestError
  );
}

function toProblem(error: unknown, logger: Logger, where: { method: string; path: string }): Problem {
  if (error instanceof Problem) return error;
  for (const map of DOMAIN_ERRORS) {
    const problem = map(error);
    if (problem) return problem;
  }
  if (typeof error === 'object' && error !== null) {
    const refused = bodyParserProblem(error);
    if (refused) return refused;
  }
  logger.error({ err: error, ...where }, 'request failed');
  return isUnavailable(error)
    ? new Problem('SERVICE_UNAVAILABLE', 'a backing service is unavailable; try again shortly', {}, { 'Retry-After': RETRY_AFTER_SECONDS })
    : new Problem('INTERNAL_ERROR', 'the request failed unexpectedly; it has been logged');
}

/** The one place a failed request becomes a problem+json answer. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => sendProblem(req, res, toProblem(error, logger, { method: req.method, path: req.path }));
}

/**
 * Answers application/problem+json; the status is the code's (problem-codes.ts). Written straight to the response
 * rather than through Express's res.json: a problem is never cached or asked for conditionally, so the ETag and
 * freshness check res.json makes for every body is waste here, and during a drop nearly every answer is a problem.
 */
export function sendProblem(req: Request, res: Response, problem: ProblemAnswer): void {
  const status = statusOf(problem.code);
  res.locals[PROBLEM_CODE] = problem.code;
  const body = JSON.stringify({
    type: problemTypeOf(problem.code),
    title: STATUS_TITLES[status] ?? 'Error',
    status,
    code: problem.code,
    detail: problem.message,
    instance: req.originalUrl,
    ...problem.extensions,
  });
  res.status(status).set(problem.headers);
  res.setHeader('Content-Type', 'application/problem+json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(req.method === 'HEAD' ? undefined : body);
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new Problem('ROUTE_NOT_FOUND', `no route for ${req.method} ${req.path}`));
};
