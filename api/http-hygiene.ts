import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import cors from 'cors';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

const requestContext = new AsyncLocalStorage<{ requestId: string }>();

/** A caller's own X-Request-Id is kept when it is a plain token (so a storefront can correlate); else a new one. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Every request gets an id: answered in X-Request-Id and carried by every log line written while serving it (the
 * API's logger mixes it in through requestIdMixin), so a buyer's complaint quoting it leads to the lines.
 */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const offered = req.get('x-request-id');
    const id = offered !== undefined && ACCEPTABLE_ID.test(offered) ? offered : randomUUID();
    res.locals.requestId = id;
    res.set('X-Request-Id', id);
    requestContext.run({ requestId: id }, next);
  };
}

/** For pino's `mixin`: the id of the request being served, if any. */
export function requestIdMixin(): { requestId?: string } {
  const store = requestContext.getStore();
  return store ? { requestId: store.requestId } : {};
}

/** Security headers (helmet's defaults: CSP, HSTS, nosniff, frame-ancestors, referrer policy, …). */
export const securityHeaders = (connectOrigins: readonly string[] = []): RequestHandler =>
  // The page may call its own API and, to sign in, the OpenID provider (discovery and token endpoints): nothing else.
  helmet(connectOrigins.length === 0 ? {} : { contentSecurityPolicy: { directives: { connectSrc: ["'self'", ...connectOrigins] } } });

/** CORS for the listed origins only; what a browser client needs to send and to read. */
export function corsFor(origins: string[]): RequestHandler {
  return cors({
    origin: origins.length === 0 ? false : origins,
    methods: ['GET', 'POST'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'queue-ticket', 'x-request-id'],
    exposedHeaders: ['location', 'idempotent-replayed', 'queue-ticket', 'retry-after', 'x-request-id', 'www-authenticate'],
    maxAge: 600,
  });
}
