/** The tests' token signing secret (AUTH_JWT_SECRET of every app the tests start) and tokens signed with it. */
import { signToken, type TokenClaims } from '../../api/auth/sign-token';
import type { Role } from '../../api/auth/roles';

export const TEST_AUTH_SECRET = 'test-secret-for-jest-only-0123456789abcdef';

export interface As {
  sub: string;
  roles: Role[];
}
export const buyer = (sub: string): As => ({ sub, roles: ['customer'] });
export const ADMIN: As = { sub: 'test-admin', roles: ['admin'] };
export const OPERATOR: As = { sub: 'test-operator', roles: ['operator'] };

const cache = new Map<string, Promise<string>>();

/** A valid token for `who` (cached: one per caller and test file). */
export function tokenFor(who: As): Promise<string> {
  const key = `${who.sub}|${who.roles.join(',')}`;
  let token = cache.get(key);
  if (!token) {
    token = signToken(TEST_AUTH_SECRET, { sub: who.sub, roles: who.roles, ttlSeconds: 3_600 });
    cache.set(key, token);
  }
  return token;
}

/** A token with any claims, signed with any secret: for expired, forged, wrong-issuer and wrong-audience cases. */
export const customToken = (claims: TokenClaims, secret = TEST_AUTH_SECRET) => signToken(secret, claims);
