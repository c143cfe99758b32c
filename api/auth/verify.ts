import { createSecretKey } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { DEFAULT_ROLES_CLAIM, type AuthConfig } from '../../config/auth';
import { ROLES, type Caller, type Role } from './roles';
import { SUBJECT_PATTERN } from './subject';
import { withVerifiedTokenCache, type VerifiedToken } from './verified-tokens';

/** Tokens minted a little in the future or expired a moment ago still pass: clocks of issuer and API drift. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * The longest life a token may claim (`exp` beyond `iat`), and the oldest `iat` accepted: a token that claims to last
 * for ever (`exp: 1e308`) is refused rather than trusted until a key rotation.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 3_600;

/** A token that does not prove who the caller is; `reason` is safe to tell the caller (RFC 6750 error_description). */
export class InvalidTokenError extends Error {}

export type VerifyToken = (token: string) => Promise<Caller>;

/**
 * Verifies a bearer JWT: signature (HS256 with AUTH_JWT_SECRET, or any asymmetric key of AUTH_JWKS_URL), expiry and
 * not-before with a small clock tolerance, a lifetime of at most a day, issuer and audience when configured (always
 * with AUTH_JWKS_URL, see config/auth.ts). A token that passed is remembered until its expiry or for a minute,
 * whichever is sooner (verified-tokens.ts).
 */
export function createTokenVerifier(config: TokenConfig): VerifyToken {
  return withVerifiedTokenCache(createTokenCheck(config));
}

type TokenConfig = Pick<AuthConfig, 'AUTH_JWT_SECRET' | 'AUTH_JWKS_URL' | 'AUTH_ISSUER' | 'AUTH_AUDIENCE' | 'AUTH_ROLES_CLAIM'>;

/** One full verification of a token, every time (createTokenVerifier remembers the tokens that passed). */
export function createTokenCheck(config: TokenConfig): (token: string) => Promise<VerifiedToken> {
  // A KeyObject made once: given the secret's bytes, jose would make one for every token it checks.
  const secret = config.AUTH_JWT_SECRET === undefined ? undefined : createSecretKey(Buffer.from(config.AUTH_JWT_SECRET, 'utf8'));
  const jwks: JWTVerifyGetKey | undefined = config.AUTH_JWKS_URL === undefined ? undefined : createRemoteJWKSet(new URL(config.AUTH_JWKS_URL));
  const options = {
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    requiredClaims: ['sub', 'exp', 'iat'],
    maxTokenAge: MAX_TOKEN_LIFETIME_SECONDS,
  };
  const rolesClaim = config.AUTH_ROLES_CLAIM ?? DEFAULT_ROLES_CLAIM;

  return async (token) => {
    let payload: JWTPayload;
    try {
      const { alg } = decodeProtectedHeader(token);
      if (alg === 'HS256' && secret) {
        ({ payload } = await jwtVerify(token, secret, { ...options, algorithms: ['HS256'] }));
      } else if (jwks && alg !== undefined && !alg.startsWith('HS') && alg !== 'none') {
        ({ payload } = await jwtVerify(token, jwks, options));
      } else {
        throw new InvalidTokenError(`tokens signed with ${alg ?? 'no algorithm'} are not accepted`);
      }
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      throw new InvalidTokenError(describe(error));
    }
    if (typeof payload.sub !== 'string' || !SUBJECT_PATTERN.test(payload.sub)) throw new InvalidTokenError('the sub claim is not an opaque id');
    // exp and iat are required claims, so jwtVerify has checked both are numbers.
    if ((payload.exp as number) - (payload.iat as number) > MAX_TOKEN_LIFETIME_SECONDS) throw new InvalidTokenError("the token's exp claim is too far ahead");
    const email = emailOf(payload.email);
    return { caller: { sub: payload.sub, roles: rolesOf(claimAt(payload, rolesClaim)), ...(email ? { email } : {}) }, expiresAtMs: (payload.exp as number) * 1000 };
  };
}

/** An `email` claim that is not a plausible address is ignored (the token stays valid; no mail is sent to it). */
function emailOf(claim: unknown): string | undefined {
  return typeof claim === 'string' && claim.length <= 254 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(claim) ? claim : undefined;
}

/**
 * The claim AUTH_ROLES_CLAIM names: a claim of that exact name (Auth0's namespaced `https://shop.example/roles`), else
 * the dotted path into nested claims (Keycloak's `realm_access.roles`).
 */
export function claimAt(payload: JWTPayload, name: string): unknown {
  if (Object.hasOwn(payload, name)) return payload[name];
  let value: unknown = payload;
  for (const step of name.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, step)) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

function rolesOf(claim: unknown): Role[] {
  if (!Array.isArray(claim)) return [];
  return ROLES.filter((role) => claim.includes(role));
}

/** jose's codes, in words a client can act on; nothing about keys or internals. */
function describe(error: unknown): string {
  const code = (error as { code?: string }).code;
  const claim = (error as { claim?: string }).claim;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'the token has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `the token's ${claim ?? 'claims'} claim is not accepted`;
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'the token signature is not valid';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'the token was signed with an unknown key';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return "the token's algorithm is not accepted";
    default:
      return 'the token is malformed or cannot be verified';
  }
}
