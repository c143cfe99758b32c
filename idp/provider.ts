import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { IdpConfig } from '../config/idp';
import { accountBySub } from './accounts';

/** The API as a resource indicator (RFC 8707 wants an absolute URI); its tokens' `aud` is AUTH_AUDIENCE. */
const API_RESOURCE = 'urn:order-saga:api';

/** How long an access token is good for: a working session's length, as the local sign-in's tokens. */
const ACCESS_TOKEN_TTL_SECONDS = 3_600;

/**
 * The local OpenID provider, on panva's certified oidc-provider: one public client (the web page) using the
 * authorization-code flow with PKCE (S256, required), ID tokens for the page, and access tokens as RS256 JWTs for the
 * API (audience AUTH_AUDIENCE, `sub`, `email`, and the roles under AUTH_ROLES_CLAIM), verified by the API through this
 * provider's JWKS exactly as a production provider's. Its signing key is made at start: tokens do not outlive it.
 */
export async function createProvider(config: IdpConfig): Promise<Provider> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: `idp-${randomBytes(6).toString('hex')}`, use: 'sig', alg: 'RS256' };
  const redirectOrigins = new Set(config.redirectUris.map((uri) => new URL(uri).origin));

  const configuration: Configuration = {
    clients: [
      {
        client_id: config.clientId,
        // A page in a browser keeps no secret: a public client, held to PKCE.
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: config.redirectUris,
        post_logout_redirect_uris: config.redirectUris,
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    scopes: ['openid', 'email', 'profile'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    async findAccount(_ctx, sub) {
      const account = accountBySub(sub);
      if (!account) return undefined;
      return { accountId: account.sub, claims: async () => ({ sub: account.sub, email: account.email, email_verified: true, name: account.name }) };
    },
    async extraTokenClaims(_ctx, token) {
      // Only the access tokens for the API carry roles (and the buyer's e-mail, for the order notifications).
      if (token.kind !== 'AccessToken' || token.accountId === undefined) return undefined;
      const account = accountBySub(token.accountId);
      return account ? { [config.rolesClaim]: account.roles, email: account.email } : undefined;
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        // No question asked: the page's Sign out already is the question.
        logoutSource: async (ctx: KoaContextWithOIDC, form: string) => {
          ctx.type = 'html';
          // logout=yes ends the provider's session (without it the provider only sends the browser back).
          const confirmed = form.replace('</form>', '<input type="hidden" name="logout" value="yes"></form>');
          ctx.body = `<!doctype html><meta charset="utf-8"><title>Signing out</title>${confirmed}<script>document.forms[0].submit()</script><noscript><button form="op.logoutForm">Sign out</button></noscript>`;
        },
      },
      resourceIndicators: {
        enabled: true,
        // Every access token is for the API, whether the page names it (resource=) or not.
        defaultResource: async () => API_RESOURCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => {
          if (resource !== API_RESOURCE) throw new errors.InvalidTarget();
          return { scope: 'openid email profile', audience: config.audience, accessTokenFormat: 'jwt', accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS, jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    // The web page calls the token endpoint from its own origin: only the redirect URIs' origins may.
    clientBasedCORS: (_ctx, origin) => redirectOrigins.has(origin),
    ttl: { AccessToken: ACCESS_TOKEN_TTL_SECONDS, AuthorizationCode: 60, IdToken: ACCESS_TOKEN_TTL_SECONDS, Interaction: 600, Session: 8 * 3_600, Grant: 8 * 3_600 },
    interactions: { url: async (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // The one client is the shop's own page: its sign-in needs no separate consent screen.
    async loadExistingGrant(ctx) {
      const { session, client, provider } = ctx.oidc;
      if (!session?.accountId || !client) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId) {
        const existing = await provider.Grant.find(grantId);
        if (existing) return existing;
      }
      const grant = new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid email profile');
      grant.addResourceScope(API_RESOURCE, 'openid email profile');
      await grant.save();
      return grant;
    },
  };
  const provider = new Provider(config.issuer, configuration);
  // Behind compose's port mapping or a proxy the Host header is the browser's; the issuer URL is fixed anyway.
  provider.proxy = true;
  return provider;
}
