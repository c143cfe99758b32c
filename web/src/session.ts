/**
 * Who the page acts for: a bearer token from the OpenID provider, the local sign-in or pasted from `npm run token`.
 * Kept in this page's memory only, never in localStorage or sessionStorage: a script that gets into the page later,
 * or another tab, finds no token to take, and a reload signs in again (at the provider, whose own session makes
 * that quick).
 */
export type Role = 'customer' | 'admin' | 'operator';

export interface Session {
  token: string;
  sub: string;
  roles: Role[];
  /** The provider's ID token, for its sign-out (id_token_hint); absent for local sign-in. */
  idToken?: string;
}

let session: Session | null = null;
const listeners = new Set<() => void>();

export const currentSession = (): Session | null => session;

export function setSession(next: Session | null): void {
  session = next;
  for (const listener of listeners) listener();
}

export function onSessionChange(listener: () => void): void {
  listeners.add(listener);
}

export const hasRole = (role: Role): boolean => session?.roles.includes(role) ?? false;

/** The claims of a pasted token (not verified here: the API verifies every call). */
export function sessionFromToken(token: string): Session {
  const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: string; roles?: Role[] };
  return { token, sub: payload.sub ?? '?', roles: payload.roles ?? [] };
}
