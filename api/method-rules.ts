import { Router, type RequestHandler } from 'express';
import { Problem } from './problem';

/**
 * A known path asked with a method it does not take: 405 with `Allow` listing those it takes (RFC 9110 §15.5.6).
 * OPTIONS answers 204 with the same `Allow`.
 */
export function methodNotAllowed(allowed: readonly string[]): RequestHandler {
  const allow = [...new Set([...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])])].join(', ');
  return (req, res, next) => {
    if (req.method === 'OPTIONS') {
      res.set('Allow', allow).status(204).end();
      return;
    }
    next(new Problem('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.path}; use ${allow}`, {}, { Allow: allow }));
  };
}

/**
 * The API reads JSON only: a request with a body of another media type is 415, not a "body is required" 400
 * (the JSON parser leaves such a body unread). A charset or encoding the parser refuses is told apart by it.
 */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (hasBody(req) && !req.is('application/json')) {
    next(new Problem('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json', { field: 'header.Content-Type' }));
    return;
  }
  next();
};

/** A body is sent when it is chunked or has a length above 0 (a bodiless POST, e.g. a cancel, sends length 0 or none). */
function hasBody(req: Parameters<RequestHandler>[0]): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * For every path the API serves, a 405 for the methods it does not take. Mounted after the routers: a request that
 * reaches it on a known path was not taken by any of them, so its method is the wrong one.
 */
export function wrongMethodRouter(routes: ReadonlyArray<{ method: string; path: string }>): Router {
  const router = Router();
  const methodsByPath = new Map<string, string[]>();
  for (const { method, path } of routes) methodsByPath.set(path, [...(methodsByPath.get(path) ?? []), method]);
  for (const [path, methods] of methodsByPath) router.all(path, methodNotAllowed(methods));
  return router;
}
