import { SignJWT } from 'jose';
import type { Role } from './roles';

export interface TokenClaims {
  sub: string;
  roles: Role[];
  /** Seconds until it expires (default one hour). */
  ttlSeconds?: number;
  issuer?: string;
  audience?: string;
  /** The buyer's e-mail address (the `email` claim of OIDC providers). */
  email?: string;
}

/**
 * An HS256 bearer token signed with AUTH_JWT_SECRET: what `npm run token`, the tests, the benchmarks and the fault
 * run send. Production tokens come from the OIDC provider instead.
 */
export function signToken(secret: string, claims: TokenClaims): Promise<string> {
  const jwt = new SignJWT({ roles: claims.roles, ...(claims.email !== undefined ? { email: claims.email } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (claims.ttlSeconds ?? 3_600));
  if (claims.issuer !== undefined) jwt.setIssuer(claims.issuer);
  if (claims.audience !== undefined) jwt.setAudience(claims.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
