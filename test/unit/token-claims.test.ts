/**
 * Finding 5 of the hostile probe: issuer and audience were optional, so a token an identity provider signed for another
 * application passed, and `exp: 1e308` made a token last for ever. With AUTH_JWKS_URL both are now required at
 * start-up, and no token may claim more than a day of life. Real jose checks, HS256.
 */
import { SignJWT } from 'jose';
import { InvalidTokenError, MAX_TOKEN_LIFETIME_SECONDS, createTokenCheck } from '../../api/auth/verify';
import { loadAuthConfig } from '../../config/auth';

const SECRET = 'token-claims-test-secret-0123456789abcdef';
const OIDC = { AUTH_JWKS_URL: 'https://idp.example/.well-known/jwks.json', ORDER_ID_SECRET: 'order-id-secret-0123456789abcdef-xyz' };

describe('with keys from AUTH_JWKS_URL the service does not start', () => {
  test('without AUTH_ISSUER', () => {
    expect(() => loadAuthConfig({ ...OIDC, AUTH_AUDIENCE: 'order-saga-api' })).toThrow(/AUTH_ISSUER: set AUTH_ISSUER/);
  });

  test('without AUTH_AUDIENCE (an empty one is unset)', () => {
    expect(() => loadAuthConfig({ ...OIDC, AUTH_ISSUER: 'https://idp.example', AUTH_AUDIENCE: '' })).toThrow(/AUTH_AUDIENCE: set AUTH_AUDIENCE/);
  });

  test('and starts with both', () => {
    expect(loadAuthConfig({ ...OIDC, AUTH_ISSUER: 'https://idp.example', AUTH_AUDIENCE: 'order-saga-api' })).toMatchObject({ AUTH_ISSUER: 'https://idp.example' });
  });

  test('an HS256 secret alone still starts (local use)', () => {
    expect(loadAuthConfig({ AUTH_JWT_SECRET: SECRET })).toMatchObject({ AUTH_JWT_SECRET: SECRET });
  });
});

describe("a token's lifetime", () => {
  const check = createTokenCheck({ AUTH_JWT_SECRET: SECRET });
  const now = Math.floor(Date.now() / 1000);
  const token = (claims: { iat?: number; exp: number }) => {
    const jwt = new SignJWT({ roles: ['customer'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('cus_lifetime').setExpirationTime(claims.exp);
    if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
    return jwt.sign(new TextEncoder().encode(SECRET));
  };
  const reasonOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'accepted',
      (error: unknown) => (error instanceof InvalidTokenError ? error.message : `unexpected ${String(error)}`),
    );

  test('of exactly a day is accepted', async () => {
    expect(await reasonOf(check(await token({ iat: now, exp: now + MAX_TOKEN_LIFETIME_SECONDS })))).toBe('accepted');
  });

  test.each([
    ['exp: 1e308', { iat: now, exp: 1e308 }, "the token's exp claim is too far ahead"],
    ['a day and a second', { iat: now, exp: now + MAX_TOKEN_LIFETIME_SECONDS + 1 }, "the token's exp claim is too far ahead"],
    ['no iat', { exp: now + 60 }, "the token's iat claim is not accepted"],
    ['issued more than a day ago', { iat: now - MAX_TOKEN_LIFETIME_SECONDS - 120, exp: now + 60 }, 'the token has expired'],
  ])('with %s is refused', async (_what, claims, reason) => {
    expect(await reasonOf(check(await token(claims)))).toBe(reason);
  });
});
