import { Router } from 'express';
import type { Logger } from 'pino';
import { localSignInEnabled, type AuthConfig } from '../../config/auth';
import { signToken } from '../auth/sign-token';
import { Problem } from '../problem';
import { parse, signInSchema } from '../validation';

const SIGN_IN_TTL_SECONDS = 8 * 3_600;

/**
 * POST /auth/local-sign-in {sub, roles}: a bearer token signed with AUTH_JWT_SECRET, for the web page on a developer's
 * machine (the same token `npm run token` prints). Anyone who reaches it may pick any role, so it answers only where
 * AUTH_LOCAL_SIGN_IN=true says so (the browser tests, the benchmarks, a developer's `AUTH_LOCAL_SIGN_IN=true npm start`), and says so in the log at start;
 * everywhere else it answers 404 and buyers and staff sign in at the OpenID provider (docs/SECURITY.md).
 */
export function localSignInRouter(auth: AuthConfig, logger: Logger): Router {
  const enabled = localSignInEnabled(auth);
  if (enabled) logger.warn('local sign-in is on (AUTH_LOCAL_SIGN_IN=true): anyone who reaches POST /auth/local-sign-in may pick any name and any role, admin included');
  const router = Router();
  router.post('/local-sign-in', async (req, res) => {
    if (!enabled || auth.AUTH_JWT_SECRET === undefined) {
      throw new Problem('LOCAL_SIGN_IN_DISABLED', 'local sign-in is off (AUTH_LOCAL_SIGN_IN is not true): sign in at the OpenID provider');
    }
    const { sub, roles } = parse(signInSchema, req.body, 'body');
    const token = await signToken(auth.AUTH_JWT_SECRET, {
      sub,
      roles: [...new Set(roles)],
      ttlSeconds: SIGN_IN_TTL_SECONDS,
      issuer: auth.AUTH_ISSUER,
      audience: auth.AUTH_AUDIENCE,
    });
    res.set('Cache-Control', 'no-store').json({ token, sub, roles: [...new Set(roles)], expiresAt: new Date(Date.now() + SIGN_IN_TTL_SECONDS * 1000).toISOString() });
  });
  return router;
}
