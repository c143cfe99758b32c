import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { FaultInjector, type PaymentFaults } from './faults';
import { IdempotencyStore, type IdempotencyEntry } from './idempotency-store';
import { Journal } from './journal';
import { idempotentRoute } from './idempotent-route';
import { Ledger, type LedgerEntry } from './ledger';
import { authorize, capture, refund, refundPart, voidAuthorization } from './operations';
import { apiError, fromZodError, notFound, send } from './responses';
import { current, listQuery, prepareAction, prepareAuthorize, prepareRefund, refundListQuery } from './validation';

export interface PaymentsAppOptions {
  /** How long a `tok_timeout` answer is held before its connection is dropped; longer than any client timeout. */
  lostAnswerDelayMs?: number;
  logger?: Logger;
  /** Opt-in fault mode for fault runs (payments/faults.ts): latency, transient 503s and lost answers on every token. */
  faults?: PaymentFaults;
  /** The journal file that keeps the books across restarts (PAYMENTS_DATA_FILE); none: in memory only. */
  dataFile?: string;
}

export const DEFAULT_LOST_ANSWER_DELAY_MS = 10_000;

function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('close', () => {
      logger.info(
        {
          method: req.method,
          path: req.path,
          status: res.headersSent ? res.statusCode : undefined,
          idempotencyKey: req.get('Idempotency-Key'),
          replayed: res.getHeader('Idempotent-Replayed') === 'true',
          answered: res.writableFinished,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'payments request',
      );
    });
    next();
  };
}

/**
 * The fault mode's front door: added latency, then a share of requests refused with a transient 503 before anything
 * is looked up or stored (a retry with the same key runs for real).
 */
function injectFaults(injector: FaultInjector): RequestHandler {
  return (_req, res, next) => {
    const proceed = () => {
      if (!injector.fail()) return next();
      send(res, apiError(503, 'api_error', 'temporarily_unavailable', 'The payment network is temporarily unavailable.'));
    };
    const delay = injector.latency();
    if (delay > 0) setTimeout(proceed, delay);
    else proceed();
  };
}

/** Body-parser failures (bad JSON, too large) are the client's; anything else is our bug, still answered as JSON. */
function errorHandler(logger: Logger | undefined): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status < 500) {
      return send(res, apiError(status, 'invalid_request_error', 'parameter_invalid', `Invalid request body: ${error.message}`));
    }
    logger?.error({ err: error }, 'payments stand-in failed');
    return send(res, apiError(500, 'api_error', 'internal_error', 'The payments stand-in failed unexpectedly.'));
  };
}

/** The ledger and the idempotency records, replayed from the journal file when there is one. */
function openBooks(dataFile: string | undefined): { ledger: Ledger; store: IdempotencyStore } {
  if (dataFile === undefined) return { ledger: new Ledger(), store: new IdempotencyStore() };
  const { journal, entries } = Journal.open<LedgerEntry | IdempotencyEntry>(dataFile);
  return {
    ledger: new Ledger(journal, entries.filter((entry): entry is LedgerEntry => entry.kind !== 'answered')),
    store: new IdempotencyStore(journal, entries.filter((entry): entry is IdempotencyEntry => entry.kind === 'answered')),
  };
}

/** A payment provider with Stripe's semantics: one instance is one provider's books, kept in `dataFile` if given. */
export function createPaymentsApp(options: PaymentsAppOptions = {}): Express {
  const { ledger, store } = openBooks(options.dataFile);
  const injector = options.faults ? new FaultInjector(options.faults) : undefined;
  const routeOptions = {
    store,
    lostAnswerDelayMs: options.lostAnswerDelayMs ?? DEFAULT_LOST_ANSWER_DELAY_MS,
    faults: injector,
  };
  const action = prepareAction(ledger);

  const app = express();
  app.disable('x-powered-by');
  if (options.logger) app.use(requestLog(options.logger));
  app.use(express.json({ limit: '16kb' }));

  app.get('/health', (_req, res) => {
    res.json({ ok: true });
  });
  if (injector) {
    // The faults' own counts, for the fault run's report; the operator's views (/health, /v1/ledger) stay unfaulted.
    app.get('/v1/faults', (_req, res) => {
      res.json({ faults: injector.faults, injected: injector.counts });
    });
    app.use('/v1/authorizations', injectFaults(injector));
    app.use('/v1/refunds', injectFaults(injector));
  }

  app.post('/v1/authorizations', idempotentRoute(routeOptions, prepareAuthorize, (params, tryNumber) => authorize(ledger, params, tryNumber)));
  app.post('/v1/authorizations/:id/capture', idempotentRoute(routeOptions, action, ({ id }) => capture(ledger, current(ledger, id))));
  app.post('/v1/authorizations/:id/void', idempotentRoute(routeOptions, action, ({ id }) => voidAuthorization(ledger, current(ledger, id))));
  app.post('/v1/authorizations/:id/refund', idempotentRoute(routeOptions, action, ({ id }) => refund(ledger, current(ledger, id))));

  // Partial refunds, Stripe's POST /v1/refunds: several per capture, each under its own Idempotency-Key.
  app.post(
    '/v1/refunds',
    idempotentRoute(routeOptions, prepareRefund(ledger), (params) =>
      refundPart(ledger, current(ledger, params.authorizationId), params.amountCents, params.merchantReference),
    ),
  );
  app.get('/v1/refunds/:id', (req, res) => {
    const found = ledger.getRefund(req.params.id);
    if (!found) return send(res, apiError(404, 'invalid_request_error', 'resource_missing', `No such refund: '${req.params.id}'`, 'id'));
    res.json(found);
  });
  app.get('/v1/refunds', (req, res) => {
    const query = refundListQuery.safeParse(req.query);
    if (!query.success) return send(res, fromZodError(query.error, 'query'));
    res.json({ data: ledger.refundsOf(query.data.authorizationId) });
  });

  app.get('/v1/authorizations/:id', (req, res) => {
    const authorization = ledger.get(req.params.id);
    if (!authorization) return send(res, notFound(req.params.id));
    res.json(authorization);
  });
  app.get('/v1/authorizations', (req, res) => {
    const query = listQuery.safeParse(req.query);
    if (!query.success) return send(res, fromZodError(query.error, 'query'));
    res.json({ data: ledger.byReference(query.data.reference) });
  });
  app.get('/v1/ledger', (_req, res) => {
    res.json({ authorizations: ledger.all(), refunds: ledger.allRefunds() });
  });

  app.use((req, res) => {
    send(res, apiError(404, 'invalid_request_error', 'resource_missing', `Unrecognized request URL (${req.method}: ${req.path}).`));
  });
  app.use(errorHandler(options.logger));
  return app;
}
