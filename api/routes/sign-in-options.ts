import { Router } from 'express';
import { localSignInEnabled, type AuthConfig } from '../../config/auth';
import type { WebSignInConfig } from '../../config/web-sign-in';
import { allow, callerOf } from '../auth/middleware';

/**
 * What the web page needs to sign people in, and to learn who signed in:
 * - GET /auth/config (open): the OpenID provider to send people to (issuer, client id, redirect URI, scope), or null,
 *   and whether the local form is on. Nothing secret: a public client has no secret.
 * - GET /auth/me (any authenticated caller): the caller as the API sees the token (sub, and the roles read from
 *   AUTH_ROLES_CLAIM), so the page shows what the API will allow whatever the provider's claim layout.
 */
export const SIGN_IN_OPTIONS_ROUTES = [
  { method: 'GET', path: '/auth/config' },
  { method: 'GET', path: '/auth/me' },
] as const;

export function signInOptionsRouter(auth: AuthConfig, webSignIn: WebSignInConfig): Router {
  const router = Router();
  const options = { localSignIn: localSignInEnabled(auth), oidc: webSignIn };
  router.get('/config', (_req, res) => {
    res.set('Cache-Control', 'no-cache').json(options);
  });
  router.get('/me', allow('any'), (_req, res) => {
    const { sub, roles } = callerOf(res);
    res.set('Cache-Control', 'no-store').json({ sub, roles });
  });
  return router;
}
