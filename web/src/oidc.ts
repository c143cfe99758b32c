/**
 * Sign-in at an OpenID provider: the authorization-code flow with PKCE (S256), for a page that keeps no secret.
 * The provider is found from its issuer's /.well-known/openid-configuration. What must survive the trip to the
 * provider and back (state, nonce, the PKCE verifier, where the page was) waits in sessionStorage for that one trip
 * and is removed on return; the tokens themselves stay in memory (session.ts).
 */
export interface OidcOptions {
  issuer: string;
  clientId: string;
  /** Where the provider sends the browser back; null: this page's own address. */
  redirectUri: string | null;
  scope: string;
}

interface ProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
}

interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
  /** The page's hash when sign-in began (#/console), restored on return. */
  hash: string;
}

export interface ProviderTokens {
  accessToken: string;
  idToken: string;
}

const PENDING_KEY = 'flash-sale.oidc-pending';

const redirectUriOf = (options: OidcOptions): string => options.redirectUri ?? `${location.origin}/`;

const base64url = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const randomText = (): string => base64url(crypto.getRandomValues(new Uint8Array(32)));

async function discover(issuer: string): Promise<ProviderMetadata> {
  const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`the identity provider's configuration answered ${response.status}`);
  const metadata = (await response.json()) as ProviderMetadata;
  // OpenID Connect Discovery §4.3: the document must name the very issuer it was fetched for.
  if (metadata.issuer !== issuer) throw new Error(`the identity provider says it is ${metadata.issuer}, not ${issuer}`);
  return metadata;
}

/** Sends the browser to the provider's sign-in page. */
export async function beginSignIn(options: OidcOptions): Promise<void> {
  const metadata = await discover(options.issuer);
  const pending: PendingSignIn = { state: randomText(), nonce: randomText(), verifier: randomText(), hash: location.hash };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(pending.verifier))));
  const url = new URL(metadata.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: options.clientId,
    redirect_uri: redirectUriOf(options),
    scope: options.scope,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.href);
}

/** The claims of a JWT, unverified (see completeSignIn for why that is enough for the ID token here). */
function claimsOf(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1] ?? '';
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part.replace(/-/g, '+').replace(/_/g, '/')), (char) => char.charCodeAt(0)))) as Record<string, unknown>;
}

/**
 * When the provider has just sent the browser back (?code=…&state=… or ?error=…): checks the state, exchanges the
 * code with the PKCE verifier, checks the ID token's nonce, issuer and audience, and cleans the address bar. Returns
 * null when this load is not such a return. The ID token comes straight from the token endpoint over the page's own
 * connection, so its signature need not be checked here (OpenID Connect Core §3.1.3.7); the API verifies the access
 * token's signature on every call.
 */
export async function completeSignIn(options: OidcOptions): Promise<ProviderTokens | null> {
  const query = new URLSearchParams(location.search);
  if (!query.has('state') || !(query.has('code') || query.has('error'))) return null;
  const saved = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  const pending = saved ? (JSON.parse(saved) as PendingSignIn) : null;
  history.replaceState(null, '', `${location.pathname}${pending?.hash ?? ''}`);
  if (!pending || query.get('state') !== pending.state) throw new Error('this sign-in answer was not asked for by this page (state does not match): sign in again');
  if (query.has('error')) throw new Error(`the identity provider refused: ${query.get('error_description') ?? query.get('error')}`);

  const metadata = await discover(options.issuer);
  const response = await fetch(metadata.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: query.get('code')!, redirect_uri: redirectUriOf(options), client_id: options.clientId, code_verifier: pending.verifier }),
  });
  const tokens = (await response.json()) as { access_token?: string; id_token?: string; error?: string; error_description?: string };
  if (!response.ok || !tokens.access_token || !tokens.id_token) throw new Error(`the identity provider gave no tokens: ${tokens.error_description ?? tokens.error ?? response.status}`);
  const claims = claimsOf(tokens.id_token);
  if (claims.nonce !== pending.nonce) throw new Error('the ID token was not issued for this sign-in (nonce does not match)');
  if (claims.iss !== metadata.issuer) throw new Error('the ID token comes from another issuer');
  const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audience.includes(options.clientId)) throw new Error('the ID token is for another client');
  return { accessToken: tokens.access_token, idToken: tokens.id_token };
}

/**
 * Sends the browser to the provider's end-session endpoint, which ends its own session and sends it back to this
 * page (the tokens in memory go with the page). False: the provider has no such endpoint, nothing was done.
 */
export async function signOutAtProvider(options: OidcOptions, idToken: string | undefined): Promise<boolean> {
  const metadata = await discover(options.issuer);
  if (!metadata.end_session_endpoint) return false;
  const url = new URL(metadata.end_session_endpoint);
  url.search = new URLSearchParams({ client_id: options.clientId, post_logout_redirect_uri: redirectUriOf(options), ...(idToken ? { id_token_hint: idToken } : {}) }).toString();
  location.assign(url.href);
  return true;
}
