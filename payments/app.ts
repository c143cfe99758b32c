import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { FaultInjector, type PaymentFaults } from './faults';
import { IdempotencyStore, type IdempotencyEntry } from './idempotency-store';
import { Journal } from './journal';
import { idempotentRoute } from './idempotent-route';
import { Ledger, type LedgerEntry } from './ledger';
import { authorize, capture, dispute, refund, refundPart, voidAuthorization, type RefundingOutcome } from './operations';
import { accountOf, accountOfRequest, requireApiKey, type AccountId } from './accounts';
import type { ProviderEvents, ProviderEventType } from './events';
import type { Authorization, Refund } from './types';
import { apiError, fromZodError, notFound, send, type Outcome } from './responses';
import { current, listQuery, prepareAction, prepareAuthorize, prepareRefund, refundListQuery } from './validation';

export interface PaymentsAppOptions {
  /** How long a `tok_timeout` answer is held before its connection is dropped; longer than any client timeout. */
  lostAnswerDelayMs?: number;
  logger?: Logger;
  /** Opt-in fault mode for fault runs (payments/faults.ts): latency, transient 503s and lost answers on every token. */
  faults?: PaymentFaults;
  /** The journal file that keeps the books across restarts (PAYMENTS_DATA_FILE); none: in memory only. */
  dataFile?: string;
  /**
   * The secret keys of the merchant accounts it knows (PAYMENTS_API_KEY and PAYMENTS_API_KEYS); the first one owns
   * authorisations a journal recorded before there were accounts.
   */
  apiKeys: readonly string[];
  /** Signed events of the first key's account to its merchant (payments/events.ts); none: no events are sent. */
  events?: ProviderEvents;
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
function openBooks(dataFile: string | undefined, legacyAccount: AccountId): { ledger: Ledger; store: IdempotencyStore } {
  if (dataFile === undefined) return { ledger: new Ledger(), store: new IdempotencyStore() };
  const { journal, entries } = Journal.open<LedgerEntry | IdempotencyEntry>(dataFile);
  return {
    ledger: new Ledger(journal, entries.filter((entry): entry is LedgerEntry => entry.kind !== 'answered'), legacyAccount),
    store: new IdempotencyStore(journal, entries.filter((entry): entry is IdempotencyEntry => entry.kind === 'answered')),
  };
}

/** A payment provider with Stripe's semantics: one instance is one provider's books, kept in `dataFile` if given. */
export function createPaymentsApp(options: PaymentsAppOptions): Express {
  if (options.apiKeys.length === 0) throw new Error('the payments stand-in needs at least one API key (PAYMENTS_API_KEY)');
  const { ledger, store } = openBooks(options.dataFile, accountOf(options.apiKeys[0]));
  const injector = options.faults ? new FaultInjector(options.faults) : undefined;
  const routeOptions = {
    store,
    lostAnswerDelayMs: options.lostAnswerDelayMs ?? DEFAULT_LOST_ANSWER_DELAY_MS,
    faults: injector,
  };
  const action = prepareAction(ledger);
  /** Runs a change of one authorisation and announces it when it happened (not on a refusal, never on a replay). */
  const announced =
    (type: ProviderEventType, change: (authorization: Authorization) => RefundingOutcome) =>
    ({ id }: { id: string }, _tryNumber: number, req: Request, res: Response): Outcome => {
      const account = accountOfRequest(res);
      const outcome = change(current(ledger, id, account));
      if (outcome.status === 200) options.events?.announce(account, type, outcome.body as Authorization, req.get('Idempotency-Key') ?? null, outcome.refund ?? null);
      return outcome;
    };

  const app = express();
  app.disable('x-powered-by');
  if (options.logger) app.use(requestLog(options.logger));
  app.use(express.json({ limit: '16kb' }));

  app.get('/health', (_req, res) => {
    res.json({ ok: true });
  });
  // Everything else is a merchant's: no key, no answer.
  app.use('/v1', requireApiKey(options.apiKeys));
  if (injector) {
    // The faults' own counts, for the fault run's report; the operator's views (/health, /v1/ledger) stay unfaulted.
    app.get('/v1/faults', (_req, res) => {
      res.json({ faults: injector.faults, injected: injector.counts });
    });
    app.use('/v1/authorizations', injectFaults(injector));
    app.use('/v1/refunds', injectFaults(injector));
  }

  app.post(
    '/v1/authorizations',
    idempotentRoute(routeOptions, prepareAuthorize, (params, tryNumber, _req, res) => authorize(ledger, params, tryNumber, accountOfRequest(res))),
  );
  app.post('/v1/authorizations/:id/capture', idempotentRoute(routeOptions, action, ({ id }, _tryNumber, _req, res) => capture(ledger, current(ledger, id, accountOfRequest(res)))));
  app.post('/v1/authorizations/:id/void', idempotentRoute(routeOptions, action, announced('authorization.voided', (authorization) => voidAuthorization(ledger, authorization))));
  app.post('/v1/authorizations/:id/refund', idempotentRoute(routeOptions, action, announced('authorization.refunded', (authorization) => refund(ledger, authorization))));
  app.post('/v1/authorizations/:id/dispute', idempotentRoute(routeOptions, action, announced('dispute.created', dispute)));

  // Partial refunds, Stripe's POST /v1/refunds: several per capture, each under its own Idempotency-Key.
  app.post(
    '/v1/refunds',
    idempotentRoute(routeOptions, prepareRefund(ledger), (params, _tryNumber, req, res) => {
      const account = accountOfRequest(res);
      const outcome = refundPart(ledger, current(ledger, params.authorizationId, account), params.amountCents, params.merchantReference);
      if (outcome.status === 201) {
        const refunded = current(ledger, (outcome.body as Refund).authorizationId, account);
        options.events?.announce(account, 'authorization.refunded', refunded, req.get('Idempotency-Key') ?? null, outcome.body as Refund);
      }
      return outcome;
    }),
  );
  app.get('/v1/refunds/:id', (req, res) => {
    const found = ledger.getRefund(req.params.id, accountOfRequest(res));
    if (!found) return send(res, apiError(404, 'invalid_request_error', 'resource_missing', `No such refund: '${req.params.id}'`, 'id'));
    res.json(found);
  });
  app.get('/v1/refunds', (req, res) => {
    const query = refundListQuery.safeParse(req.query);
    if (!query.success) return send(res, fromZodError(query.error, 'query'));
    res.json({ data: ledger.refundsOf(query.data.authorizationId, accountOfRequest(res)) });
  });

  app.get('/v1/authorizations/:id', (req, res) => {
    const authorization = ledger.get(req.params.id, accountOfRequest(res));
    if (!authorization) return send(res, notFound(req.params.id));
    res.json(authorization);
  });
  app.get('/v1/authorizations', (req, res) => {
    const query = listQuery.safeParse(req.query);
    if (!query.success) return send(res, fromZodError(query.error, 'query'));
    res.json({ data: ledger.byReference(query.data.reference, accountOfRequest(res)) });
  });
  // The account's whole books: the stand-in's extra, for the checker (a real provider has none, see check/snapshot.ts).
  app.get('/v1/ledger', (_req, res) => {
    res.json({ authorizations: ledger.all(accountOfRequest(res)), refunds: ledger.allRefunds(accountOfRequest(res)) });
  });

  app.use((req, res) => {
    send(res, apiError(404, 'invalid_request_error', 'resource_missing', `Unrecognized request URL (${req.method}: ${req.path}).`));
  });
  app.use(errorHandler(options.logger));
  return app;
}
