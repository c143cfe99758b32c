import { Router } from 'express';
import type { AuthConfig } from '../../config/auth';
import { signToken } from '../auth/sign-token';
import { Problem } from '../problem';
import { parse, signInSchema } from '../validation';

const SIGN_IN_TTL_SECONDS = 8 * 3_600;

/** Local sign-in is for a machine whose only keys are the local secret: with an OIDC provider (JWKS), tokens come from it. */
export const localSignInEnabled = (auth: Pick<AuthConfig, 'AUTH_JWT_SECRET' | 'AUTH_JWKS_URL'>): boolean =>
  auth.AUTH_JWT_SECRET !== undefined && auth.AUTH_JWKS_URL === undefined;

/**
 * POST /auth/local-sign-in {sub, roles}: a bearer token signed with AUTH_JWT_SECRET, for the web page on a local or
 * demo machine (the same token `npm run token` prints). Anyone who reaches it may pick any role, so it exists only
 * where the local secret is the one key source: with AUTH_JWKS_URL set it answers 404, and buyers and staff sign in
 * at the OIDC provider (see README "Web page").
 */
export function localSignInRouter(auth: AuthConfig): Router {
  const router = Router();
  router.post('/local-sign-in', async (req, res) => {
    if (!localSignInEnabled(auth) || auth.AUTH_JWT_SECRET === undefined) {
      throw new Problem('LOCAL_SIGN_IN_DISABLED', 'local sign-in works only with the local secret (AUTH_JWT_SECRET) and no AUTH_JWKS_URL');
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
