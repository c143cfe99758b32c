import express, { Router, type Response } from 'express';
import type Provider from 'oidc-provider';
import { authenticate, DEMO_ACCOUNTS } from './accounts';

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

/** The provider's own login page: a form, no script, and the demo people listed (it is a demo provider). */
function renderLogin(res: Response, uid: string, { username = '', error = '' } = {}): void {
  const people = DEMO_ACCOUNTS.map((account) => `<li><code>${escapeHtml(account.username)}</code>: ${escapeHtml(account.name)} (${escapeHtml(account.roles.join(', '))})</li>`).join('');
  res
    .status(error ? 401 : 200)
    .set({ 'Cache-Control': 'no-store', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'" })
    .type('html')
    .send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Local identity provider</title>
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem}label{display:block;margin-top:.8rem}input{width:100%;padding:.4rem;box-sizing:border-box}button{margin-top:1rem;padding:.5rem 1.2rem}.error{color:#b00020}</style></head>
<body><h1>Local identity provider</h1>
<form method="post" action="/interaction/${escapeHtml(uid)}/login" aria-label="Sign in at the identity provider">
<label for="username">Username</label><input id="username" name="username" autocomplete="username" required autofocus value="${escapeHtml(username)}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
${error ? `<p role="alert" class="error">${escapeHtml(error)}</p>` : ''}
<button type="submit">Sign in</button></form>
<h2>Demo people</h2><p>For a developer's machine only; every password is <code>demo-password</code>.</p><ul>${people}</ul>
</body></html>`);
}

/**
 * The interaction routes of the provider: where it sends a browser that must sign in (GET /interaction/:uid), and
 * the form's answer (POST /interaction/:uid/login). Consent needs no page: the one client is the shop's own
 * (provider.ts loadExistingGrant).
 */
export function loginRouter(provider: Provider): Router {
  const router = Router();
  router.get('/interaction/:uid', async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    renderLogin(res, details.uid);
  });
  router.post('/interaction/:uid/login', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    const username = typeof req.body?.username === 'string' ? req.body.username : '';
    const password = typeof req.body?.password === 'string' ? req.body.password : '';
    const account = authenticate(username, password);
    if (!account) return renderLogin(res, details.uid, { username, error: 'Unknown username or wrong password.' });
    await provider.interactionFinished(req, res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
  });
  return router;
}
