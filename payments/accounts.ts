import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { apiError, send } from './responses';

/**
 * Merchant accounts, as a real provider keeps them: every call carries a secret key (`Authorization: Bearer <key>`,
 * 401 without a known one) and every object belongs to the account whose key made it, so another account's object is
 * answered like one that does not exist (404). The stand-in knows the keys it is given (PAYMENTS_API_KEYS and
 * PAYMENTS_API_KEY); an account is named by a digest of its key, so the books on disk never hold a key.
 */
export type AccountId = string;

export const accountOf = (apiKey: string): AccountId => `acct_${createHash('sha256').update(apiKey).digest('hex').slice(0, 24)}`;

/** The account the request's key opened (set by requireApiKey). */
export const accountOfRequest = (res: Response): AccountId => res.locals.account as AccountId;

export function requireApiKey(apiKeys: readonly string[]): RequestHandler {
  const accounts = new Map(apiKeys.map((key) => [key, accountOf(key)]));
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const key = /^Bearer (\S+)$/.exec(header)?.[1];
    const account = key === undefined ? undefined : accounts.get(key);
    if (account === undefined) {
      res.set('WWW-Authenticate', 'Bearer realm="payments"');
      const message = key === undefined ? 'You did not provide an API key: send Authorization: Bearer <key>.' : 'Invalid API key provided.';
      return send(res, apiError(401, 'invalid_request_error', key === undefined ? 'api_key_missing' : 'api_key_invalid', message));
    }
    res.locals.account = account;
    next();
  };
}
