import { z } from 'zod';

/**
 * How the web page signs people in at an OpenID provider (authorization code with PKCE): the provider's issuer (its
 * /.well-known/openid-configuration), the page's client id there, where the provider sends the browser back (default:
 * the page's own address, as the page knows it), and the scopes asked. No OIDC_ISSUER: the page offers no such sign-in.
 */
const blankIsUnset = <T extends z.ZodType>(inner: T) => z.preprocess((value) => (value === '' ? undefined : value), inner.optional());

const schema = z
  .object({
    OIDC_ISSUER: blankIsUnset(z.url()),
    OIDC_CLIENT_ID: blankIsUnset(z.string().min(1)),
    OIDC_REDIRECT_URI: blankIsUnset(z.url()),
    OIDC_SCOPE: blankIsUnset(z.string().regex(/^openid( [\x21\x23-\x5B\x5D-\x7E]+)*$/, 'must start with openid, scopes separated by one space')),
  })
  .refine((env) => env.OIDC_ISSUER === undefined || env.OIDC_CLIENT_ID !== undefined, { message: 'OIDC_ISSUER needs OIDC_CLIENT_ID (the web page\'s client id at the provider)', path: ['OIDC_CLIENT_ID'] })
  .transform((env) =>
    env.OIDC_ISSUER === undefined
      ? null
      : { issuer: env.OIDC_ISSUER, clientId: env.OIDC_CLIENT_ID!, redirectUri: env.OIDC_REDIRECT_URI ?? null, scope: env.OIDC_SCOPE ?? 'openid email' },
  );

export type WebSignInConfig = z.infer<typeof schema>;

export function loadWebSignInConfig(env: NodeJS.ProcessEnv = process.env): WebSignInConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid sign-in configuration: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return parsed.data;
}
