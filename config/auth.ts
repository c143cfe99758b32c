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
  })
  .refine((env) => env.AUTH_JWT_SECRET !== undefined || env.AUTH_JWKS_URL !== undefined, {
    message: 'set AUTH_JWKS_URL (an OIDC provider) or AUTH_JWT_SECRET (local use); `npm start` makes a local secret',
    path: ['AUTH_JWT_SECRET'],
  })
  .refine((env) => env.AUTH_JWT_SECRET !== undefined || env.ORDER_ID_SECRET !== undefined, {
    message: 'set ORDER_ID_SECRET when keys come from AUTH_JWKS_URL alone',
    path: ['ORDER_ID_SECRET'],
  });

export type AuthConfig = z.infer<typeof schema>;

export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid authentication configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}
