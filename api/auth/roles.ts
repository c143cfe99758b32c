/** What a caller may do; a token's `roles` claim lists any of these (others are ignored). */
export const ROLES = ['customer', 'admin', 'operator'] as const;
export type Role = (typeof ROLES)[number];

/** The authenticated caller: `sub` is the caller's id (a buyer's customer id), `roles` what they may do. */
export interface Caller {
  sub: string;
  roles: Role[];
  /** The token's `email` claim when it holds an address: where a buyer's notifications go (personal data). */
  email?: string;
}

/** Staff who read and cancel any order and see internal detail (decline reasons, failure detail, readiness). */
export const isOperator = (caller: Caller | undefined): boolean => caller?.roles.includes('operator') ?? false;

/** A caller who sees only their own orders: a buyer who is not also an operator. */
export const isBuyerOnly = (caller: Caller): boolean => !isOperator(caller);

/**
 * Who may call a route: callers holding one of the roles; 'any' authenticated caller; or 'public', anyone, a token
 * not needed (one that is sent is still verified: a bad token is 401, never read as anonymous).
 */
export type Access = readonly Role[] | 'any' | 'public';
