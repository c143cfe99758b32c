import { z } from 'zod';

/**
 * How callers are authenticated. The API is an OAuth2 resource server: it verifies bearer JWTs and never issues them
 * (except `npm run token`, for local use). Keys come from an OIDC provider's JWKS (production) or an HS256 secret
 * (local use and tests); at least one must be set.
 */
/** An empty variable is an unset one (compose files pass `${AUTH_ISSUER:-}`). */
const optional = <T extends z.ZodType>(inner: T) => z.preprocess((value) => (value === '' ? undefined : value), inner.optional());

const schema = z
  .object({
    AUTH_JWT_SECRET: optional(z.string().min(32, 'must be at least 32 characters')),
    AUTH_JWKS_URL: optional(z.url()),
    AUTH_ISSUER: optional(z.string()),
    AUTH_AUDIENCE: optional(z.string()),
    /** Keys order ids derived from Idempotency-Keys; defaults to one derived from AUTH_JWT_SECRET. */
    ORDER_ID_SECRET: optional(z.string().min(32, 'must be at least 32 characters')),
    /**
     * POST /auth/local-sign-in: a token for any name and any role, to whoever asks. Only an explicit `true` turns it
     * on (`npm start`, the browser tests and the benchmarks set it; compose and k8s never do).
     */
    AUTH_LOCAL_SIGN_IN: optional(z.enum(['true', 'false'], { error: 'must be true or false' })),
    /**
     * The claim holding a token's roles: a claim name (`roles`, Auth0's `https://shop.example/roles`), or a dotted
     * path into nested claims when no claim has that exact name (Keycloak's `realm_access.roles`).
     */
    AUTH_ROLES_CLAIM: optional(z.string().min(1)),
  })
  .refine((env) => env.AUTH_JWT_SECRET !== undefined || env.AUTH_JWKS_URL !== undefined, {
    message: 'set AUTH_JWKS_URL (an OIDC provider) or AUTH_JWT_SECRET (local use); `npm start` makes a local secret',
    path: ['AUTH_JWT_SECRET'],
  })
  .refine((env) => env.AUTH_LOCAL_SIGN_IN !== 'true' || env.AUTH_JWT_SECRET !== undefined, {
    message: 'local sign-in signs its tokens with AUTH_JWT_SECRET: set it, or leave AUTH_LOCAL_SIGN_IN unset',
    path: ['AUTH_LOCAL_SIGN_IN'],
  })
  .refine((env) => env.AUTH_JWT_SECRET !== undefined || env.ORDER_ID_SECRET !== undefined, {
    message: 'set ORDER_ID_SECRET when keys come from AUTH_JWKS_URL alone',
    path: ['ORDER_ID_SECRET'],
  })
  // An identity provider signs tokens for many applications with the same keys: without an expected issuer and
  // audience, a token it issued for any of them would be accepted here.
  .refine((env) => env.AUTH_JWKS_URL === undefined || env.AUTH_ISSUER !== undefined, {
    message: 'set AUTH_ISSUER (the provider\'s `iss`) when keys come from AUTH_JWKS_URL',
    path: ['AUTH_ISSUER'],
  })
  .refine((env) => env.AUTH_JWKS_URL === undefined || env.AUTH_AUDIENCE !== undefined, {
    message: 'set AUTH_AUDIENCE (this API\'s `aud`) when keys come from AUTH_JWKS_URL',
    path: ['AUTH_AUDIENCE'],
  });

export type AuthConfig = z.infer<typeof schema>;

/**
 * The issuer and audience compose.yaml and deploy/k8s set for HS256 tokens (AUTH_ISSUER, AUTH_AUDIENCE), which
 * `npm run token` and the container tests sign with unless told otherwise. An API that checks neither (`npm start`)
 * accepts them too.
 */
export const LOCAL_TOKEN_CLAIMS = { issuer: 'order-saga-local', audience: 'order-saga-api' } as const;

/** The roles claim when AUTH_ROLES_CLAIM is not set. */
export const DEFAULT_ROLES_CLAIM = 'roles';

/** Whether POST /auth/local-sign-in hands out tokens: only when switched on, and with a secret to sign them. */
export const localSignInEnabled = (auth: Pick<AuthConfig, 'AUTH_LOCAL_SIGN_IN' | 'AUTH_JWT_SECRET'>): boolean =>
  auth.AUTH_LOCAL_SIGN_IN === 'true' && auth.AUTH_JWT_SECRET !== undefined;

export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid authentication configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}
