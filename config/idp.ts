import { z } from 'zod';
import { DEFAULT_ROLES_CLAIM } from './auth';

/**
 * The local OpenID provider (idp/, `npm start` without OIDC_ISSUER, compose profile `idp`): where it listens, the
 * issuer URL browsers and the API know it by, the one client (the web page) and its redirect URIs, and what its
 * access tokens say (the API's audience, the roles claim's name).
 */
/** What the local provider and `npm start` agree on when the environment does not say. */
export const LOCAL_IDP_DEFAULTS = { port: 4100, clientId: 'order-saga-web', audience: 'order-saga-api' } as const;

const schema = z
  .object({
    IDP_PORT: z.coerce.number().int().min(0).max(65535).default(LOCAL_IDP_DEFAULTS.port),
    /** Loopback by default; 0.0.0.0 in a container. */
    IDP_HOST: z.string().default('127.0.0.1'),
    /** The issuer as browsers reach it (and as tokens' `iss` says); default http://localhost:IDP_PORT. */
    IDP_ISSUER: z.url().optional(),
    OIDC_CLIENT_ID: z.string().min(1).default(LOCAL_IDP_DEFAULTS.clientId),
    /** The web page's addresses it may send a signed-in browser back to (comma-separated). */
    IDP_REDIRECT_URIS: z.string().default('http://localhost:3000/,http://127.0.0.1:3000/'),
    AUTH_AUDIENCE: z.string().min(1).default(LOCAL_IDP_DEFAULTS.audience),
    AUTH_ROLES_CLAIM: z.string().min(1).default(DEFAULT_ROLES_CLAIM),
  })
  .transform((env) => ({
    port: env.IDP_PORT,
    host: env.IDP_HOST,
    issuer: env.IDP_ISSUER ?? `http://localhost:${env.IDP_PORT}`,
    clientId: env.OIDC_CLIENT_ID,
    redirectUris: env.IDP_REDIRECT_URIS.split(',').map((uri) => uri.trim()).filter(Boolean),
    audience: env.AUTH_AUDIENCE,
    rolesClaim: env.AUTH_ROLES_CLAIM,
  }));

export type IdpConfig = z.infer<typeof schema>;

export function loadIdpConfig(env: NodeJS.ProcessEnv = process.env): IdpConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid identity provider configuration: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return parsed.data;
}
