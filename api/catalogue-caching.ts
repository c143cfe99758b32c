import type { RequestHandler } from 'express';
import { optionalCallerOf } from './auth/middleware';

/**
 * How long a visitor's catalogue answer may be reused, by the browser (max-age) and by a CDN in front of the API
 * (s-maxage). Short, because availability moves by the second during a drop: a CDN then answers the product page,
 * the most requested URL, at most once per this many seconds per product from the API, and shows availability at most
 * this old. Availability is a hint either way: the reservation at checkout decides.
 */
export const CATALOGUE_MAX_AGE_SECONDS = 2;

/**
 * Catalogue reads are public. A visitor's answer (no Authorization header) is shared: `public` with the short
 * lifetime above; one made for a signed-in caller is theirs alone (`private, no-cache`). Either varies by
 * Authorization, so a cache never hands a visitor's copy to a caller or the reverse. Express adds the ETag to every
 * JSON answer and answers `If-None-Match` with 304 when it still matches.
 */
export const catalogueCaching: RequestHandler = (_req, res, next) => {
  res.vary('Authorization');
  res.set('Cache-Control', optionalCallerOf(res) ? 'private, no-cache' : `public, max-age=${CATALOGUE_MAX_AGE_SECONDS}, s-maxage=${CATALOGUE_MAX_AGE_SECONDS}`);
  next();
};
