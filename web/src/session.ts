/** Who the page acts for: a bearer token from the local sign-in (or pasted from `npm run token`), kept in this tab's storage. */
export type Role = 'customer' | 'admin' | 'operator';

export interface Session {
  token: string;
  sub: string;
  roles: Role[];
}

const KEY = 'flash-sale.session';
const listeners = new Set<() => void>();

export function currentSession(): Session | null {
  const stored = sessionStorage.getItem(KEY);
  if (!stored) return null;
  try {
    return JSON.parse(stored) as Session;
  } catch {
    return null;
  }
}

export function setSession(session: Session | null): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
  for (const listener of listeners) listener();
}

export function onSessionChange(listener: () => void): void {
  listeners.add(listener);
}

export const hasRole = (role: Role): boolean => currentSession()?.roles.includes(role) ?? false;

/** The claims of a pasted token (not verified here: the API verifies every call). */
export function sessionFromToken(token: string): Session {
  const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: string; roles?: Role[] };
  return { token, sub: payload.sub ?? '?', roles: payload.roles ?? [] };
}
