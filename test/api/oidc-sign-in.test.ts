/**
 * Buyers and staff signed in at the local OpenID provider (idp/, its own process, its login form, the code flow with
 * PKCE) are verified by the API through the provider's JWKS, exactly as in production: a buyer places and cancels
 * their own order, an operator reads and cancels anyone's, and neither may do the other's work. A token of another
 * issuer, or for another audience, is 401. Roles come from the claim AUTH_ROLES_CLAIM names.
 */
import { generateKeyPair, SignJWT } from 'jose';
import type { AuthConfig } from '../../config/auth';
import { loadWebSignInConfig, type WebSignInConfig } from '../../config/web-sign-in';
import { DEMO_PASSWORD } from '../../idp/accounts';
import { serveAppOn, type ServedApp } from '../support/app-on-service';
import { signInAtIdp, startIdp, type RunningIdp } from '../support/idp';
import { startService, type Service } from '../support/service';
import { apiClient, call, expectProblem, unique, type Answer } from './http';

let service: Service;
let idp: RunningIdp;
let productId: number;
const apps: ServedApp[] = [];

// Own set-up: the service and the OpenID provider start together (see below); the fixture starts the service alone.
beforeAll(async () => {
  // Both started before either failure is thrown, so afterAll stops whichever did start.
  const started = await Promise.allSettled([startService({ holdMs: 60_000 }).then((s) => (service = s)), startIdp().then((i) => (idp = i))]);
  for (const outcome of started) if (outcome.status === 'rejected') throw outcome.reason;
  const product = await apiClient(service.baseUrl).post('/products', { sku: unique('oidc-sku'), name: 'OIDC test product', priceCents: 700, stock: 100 });
  productId = product.body.id;
}, 120_000);

afterAll(async () => {
  for (const app of apps) await app.close();
  await idp?.stop();
  await service?.stop();
}, 60_000);

/** The production shape: keys from the provider's JWKS, its issuer and the API's audience required, no local secret. */
const productionAuth = (overrides: Partial<AuthConfig> = {}): AuthConfig => ({
  AUTH_JWKS_URL: `${idp.issuer}/jwks`,
  AUTH_ISSUER: idp.issuer,
  AUTH_AUDIENCE: idp.audience,
  ORDER_ID_SECRET: 'order-id-secret-for-the-oidc-tests-0123456789',
  ...overrides,
});

async function apiWith(auth: AuthConfig, webSignIn: WebSignInConfig = null): Promise<string> {
  const app = await serveAppOn(service, { auth, webSignIn });
  apps.push(app);
  return app.url;
}

const bearer = (token: string) => ({ as: 'anonymous' as const, headers: { authorization: `Bearer ${token}` } });
const accessTokenOf = async (username: string) => (await signInAtIdp(idp, username, DEMO_PASSWORD)).access_token;

test('a buyer signed in at the provider places, reads and cancels their own order; staff routes stay closed to them', async () => {
  const url = await apiWith(productionAuth());
  const alice = bearer(await accessTokenOf('alice'));
  const placed = await call(url, 'POST', '/orders', { ...alice, json: { items: [{ productId, quantity: 1 }] }, idempotencyKey: unique('oidc') });
  expect(placed.status).toBe(201);
  expect(placed.body.customerId).toBe('cus-alice');
  expect((await call(url, 'GET', `/orders/${placed.body.id}`, alice)).status).toBe(200);
  expect((await call(url, 'POST', `/orders/${placed.body.id}/cancel`, alice)).body.status).toBe('CANCELLED');
  expectProblem(await call(url, 'POST', '/products', { ...alice, json: { sku: unique('x'), name: 'x', priceCents: 1, stock: 1 } }), 403, 'FORBIDDEN');
  expectProblem(await call(url, 'POST', '/auth/local-sign-in', { json: { sub: 'mallory', roles: ['admin'] }, as: 'anonymous' }), 404, 'LOCAL_SIGN_IN_DISABLED');
});

test("an operator signed in at the provider reads and cancels a buyer's order, and may not buy", async () => {
  const url = await apiWith(productionAuth());
  const bob = bearer(await accessTokenOf('bob'));
  const placed = await call(url, 'POST', '/orders', { ...bob, json: { items: [{ productId, quantity: 1 }] }, idempotencyKey: unique('oidc') });
  expect(placed.status).toBe(201);
  const olivia = bearer(await accessTokenOf('olivia'));
  expect((await call(url, 'GET', `/orders/${placed.body.id}`, olivia)).body.customerId).toBe('cus-bob');
  expect((await call(url, 'POST', `/orders/${placed.body.id}/cancel`, olivia)).body.status).toBe('CANCELLED');
  expectProblem(await call(url, 'POST', '/orders', { ...olivia, json: { items: [{ productId, quantity: 1 }] } }), 403, 'FORBIDDEN');
});

test("the page learns where to sign in from GET /auth/config, and who signed in from GET /auth/me", async () => {
  const webSignIn = loadWebSignInConfig({ OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: idp.clientId });
  const url = await apiWith(productionAuth(), webSignIn);
  const options = await call(url, 'GET', '/auth/config', { as: 'anonymous' });
  expect(options.body).toEqual({ localSignIn: false, oidc: { issuer: idp.issuer, clientId: idp.clientId, redirectUri: null, scope: 'openid email' } });
  // The page may call the provider (discovery, token endpoint), and no other origin.
  expect(options.headers.get('content-security-policy')).toContain(`connect-src 'self' ${idp.issuer}`);
  expect((await call(url, 'GET', '/auth/me', bearer(await accessTokenOf('sam')))).body).toEqual({ sub: 'staff-sam', roles: ['admin', 'operator'] });
  expectProblem(await call(url, 'GET', '/auth/me', { as: 'anonymous' }), 401, 'UNAUTHENTICATED');
  expect(() => loadWebSignInConfig({ OIDC_ISSUER: idp.issuer })).toThrow(/OIDC_CLIENT_ID: OIDC_ISSUER needs OIDC_CLIENT_ID/);
});

test('a wrong password is refused at the login form; a login page of no sign-in under way answers 400, no detail', async () => {
  await expect(signInAtIdp(idp, 'olivia', 'not-the-password')).rejects.toThrow(/signing in as olivia answered 401/);
  const stale = await fetch(`${idp.issuer}/interaction/not-an-interaction`);
  expect([stale.status, await stale.text()]).toEqual([400, 'This sign-in has expired or is not valid: start again from the shop.\n']);
});

describe('tokens the API refuses (401)', () => {
  const listOrders = (url: string, token: string): Promise<Answer> => call(url, 'GET', '/orders', bearer(token));

  test("the provider's token where the API expects another issuer", async () => {
    const answer = await listOrders(await apiWith(productionAuth({ AUTH_ISSUER: 'https://login.other-shop.example' })), await accessTokenOf('olivia'));
    expectProblem(answer, 401, 'UNAUTHENTICATED');
    expect(answer.body.detail).toBe("the token's iss claim is not accepted");
  });

  test("the provider's token where the API is another audience", async () => {
    const answer = await listOrders(await apiWith(productionAuth({ AUTH_AUDIENCE: 'another-api' })), await accessTokenOf('olivia'));
    expectProblem(answer, 401, 'UNAUTHENTICATED');
    expect(answer.body.detail).toBe("the token's aud claim is not accepted");
  });

  test("a token with the right claims signed by another issuer's key", async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ roles: ['operator'] }).setProtectedHeader({ alg: 'RS256', kid: 'not-the-providers' }).setSubject('staff-olivia').setIssuer(idp.issuer).setAudience(idp.audience).setIssuedAt().setExpirationTime('5m').sign(privateKey);
    const answer = await listOrders(await apiWith(productionAuth()), forged);
    expectProblem(answer, 401, 'UNAUTHENTICATED');
    expect(answer.body.detail).toBe('the token was signed with an unknown key');
  });
});

test('roles are read from the claim AUTH_ROLES_CLAIM names (here a namespaced claim, as Auth0 issues them)', async () => {
  const namespaced = await startIdp({ rolesClaim: 'https://shop.example/roles' });
  try {
    const token = (await signInAtIdp(namespaced, 'olivia', DEMO_PASSWORD)).access_token;
    const auth = { ...productionAuth(), AUTH_JWKS_URL: `${namespaced.issuer}/jwks`, AUTH_ISSUER: namespaced.issuer };
    expect((await call(await apiWith({ ...auth, AUTH_ROLES_CLAIM: 'https://shop.example/roles' }), 'GET', '/console/summary', bearer(token))).status).toBe(200);
    // Read from the default claim instead, the same token holds no role of ours.
    expectProblem(await call(await apiWith(auth), 'GET', '/console/summary', bearer(token)), 403, 'FORBIDDEN');
  } finally {
    await namespaced.stop();
  }
});
