import { LOCAL_IDP_DEFAULTS } from '../config/idp';

/**
 * With no provider named (neither OIDC_ISSUER nor AUTH_JWKS_URL), `npm start` runs the local OpenID provider (idp/)
 * and points everything at it as production points at a real one: the page signs in at OIDC_ISSUER, the API checks
 * tokens through AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE. `npm run token` applies the same, so its tokens carry
 * the issuer and audience the API then expects. Values the environment sets win. Returns the provider's port when
 * it is to be started.
 */
export function applyLocalIdentityProvider(env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (env.OIDC_ISSUER || env.AUTH_JWKS_URL) return undefined;
  const port = Number(env.IDP_PORT || LOCAL_IDP_DEFAULTS.port);
  const apiPort = env.PORT || '3000';
  const issuer = env.IDP_ISSUER || `http://localhost:${port}`;
  const defaults: Record<string, string> = {
    IDP_PORT: String(port),
    IDP_ISSUER: issuer,
    IDP_REDIRECT_URIS: `http://localhost:${apiPort}/,http://127.0.0.1:${apiPort}/`,
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_ID: LOCAL_IDP_DEFAULTS.clientId,
    AUTH_JWKS_URL: `http://127.0.0.1:${port}/jwks`,
    AUTH_ISSUER: issuer,
    AUTH_AUDIENCE: LOCAL_IDP_DEFAULTS.audience,
  };
  for (const [name, value] of Object.entries(defaults)) if (!env[name]) env[name] = value;
  return port;
}
