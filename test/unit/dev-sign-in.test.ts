/** What `npm start` (and `npm run token`) point sign-in at when no provider is named: the local one, as production would a real one. */
import { applyLocalIdentityProvider } from '../../scripts/dev-sign-in';

test('no provider named: the local provider on IDP_PORT, its JWKS, issuer and audience for the API, and the page sent to it', () => {
  const env: NodeJS.ProcessEnv = { PORT: '3300' };
  expect(applyLocalIdentityProvider(env)).toBe(4100);
  expect(env).toEqual({
    PORT: '3300',
    IDP_PORT: '4100',
    IDP_ISSUER: 'http://localhost:4100',
    IDP_REDIRECT_URIS: 'http://localhost:3300/,http://127.0.0.1:3300/',
    OIDC_ISSUER: 'http://localhost:4100',
    OIDC_CLIENT_ID: 'order-saga-web',
    AUTH_JWKS_URL: 'http://127.0.0.1:4100/jwks',
    AUTH_ISSUER: 'http://localhost:4100',
    AUTH_AUDIENCE: 'order-saga-api',
  });
});

test('values the environment sets win', () => {
  const env: NodeJS.ProcessEnv = { IDP_PORT: '4400', AUTH_AUDIENCE: 'shop-api' };
  expect(applyLocalIdentityProvider(env)).toBe(4400);
  expect(env).toMatchObject({ AUTH_AUDIENCE: 'shop-api', OIDC_ISSUER: 'http://localhost:4400', AUTH_JWKS_URL: 'http://127.0.0.1:4400/jwks' });
});

test.each([
  ['OIDC_ISSUER', { OIDC_ISSUER: 'https://login.shop.example', OIDC_CLIENT_ID: 'web' }],
  ['AUTH_JWKS_URL', { AUTH_JWKS_URL: 'https://login.shop.example/jwks' }],
])('a provider named by %s: no local provider, nothing changed', (_name, given) => {
  const env: NodeJS.ProcessEnv = { ...given };
  expect(applyLocalIdentityProvider(env)).toBeUndefined();
  expect(env).toEqual(given);
});
