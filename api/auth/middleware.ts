import type { RequestHandler, Response } from 'express';
import { Problem } from '../problem';
import type { Access, Caller, Role } from './roles';
import { InvalidTokenError, type VerifyToken } from './verify';

const REALM = 'order-saga';
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Reads `Authorization: Bearer <JWT>` when one is sent and remembers who the caller is (or why the token failed);
 * whether the route needs a caller at all is for `allow` to decide, so open routes (/healthz) ignore a bad token.
 */
export function authenticate(verify: VerifyToken): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization');
    if (header === undefined) return next();
    const match = BEARER.exec(header.trim());
    if (!match) {
      res.locals.authError = new InvalidTokenError('the Authorization header must be "Bearer <token>"');
      return next();
    }
    try {
      res.locals.caller = await verify(match[1]);
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) return next(error);
      res.locals.authError = error;
    }
    next();
  };
}

/** Lets the request through when its caller may call the route (see Access): else 401 or 403. */
export function allow(roles: Access): RequestHandler {
  return (_req, res, next) => {
    const caller = res.locals.caller as Caller | undefined;
    if (!caller) {
      const failure = res.locals.authError as InvalidTokenError | undefined;
      if (roles === 'public' && !failure) return next();
      // RFC 6750 §3: a missing token gets the bare challenge; a bad one says invalid_token and why.
      res.set('WWW-Authenticate', failure ? `Bearer realm="${REALM}", error="invalid_token", error_description="${failure.message}"` : `Bearer realm="${REALM}"`);
      throw new Problem('UNAUTHENTICATED', failure ? failure.message : 'send Authorization: Bearer <token>', { field: 'header.Authorization' });
    }
    if (!permits(caller, roles)) {
      throw new Problem('FORBIDDEN', `this needs the role ${(roles as readonly Role[]).join(' or ')}`, { field: 'header.Authorization' });
    }
    next();
  };
}

/** Whether an authenticated caller may call a route open to `roles` ('any' and 'public': every caller may). */
export const permits = (caller: Caller, roles: Access): boolean => roles === 'any' || roles === 'public' || roles.some((role) => caller.roles.includes(role));

/** The caller of a request that passed `allow`. */
export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw new Error('callerOf used on a route without allow()');
  return caller;
}

/** The caller when one authenticated, on routes open to anyone. */
export const optionalCallerOf = (res: Response): Caller | undefined => res.locals.caller as Caller | undefined;
