import { BoundedMap } from '../bounded-map';
import type { Caller } from './roles';
import type { VerifyToken } from './verify';

/** What verifying a token proved: who the caller is, and until when the token says so (its `exp`). */
export interface VerifiedToken {
  caller: Caller;
  expiresAtMs: number;
}

export interface VerifiedTokenCacheOptions {
  /** Tokens remembered at most; the oldest is forgotten first. */
  maxEntries?: number;
  /** How long a verification is trusted at most, whatever the token's `exp` (a key taken out of a JWKS). */
  maxAgeMs?: number;
  now?: () => number;
}

/**
 * Remembers tokens already verified, so that the same token sent again (a buyer retrying during a drop, a page
 * polling an order) is answered from memory instead of a second signature check: the check is most of what a cheap
 * request costs. An entry is the exact token string, so only the very token that passed is ever accepted from
 * memory, and only until the earlier of its own `exp` (without the clock tolerance verification allows) and
 * `maxAgeMs` after it was verified; then it is verified again. A token that failed is not remembered: it is checked
 * each time, as before. Bounded in size, so a flood of distinct tokens costs memory for at most `maxEntries`.
 */
export function withVerifiedTokenCache(verify: (token: string) => Promise<VerifiedToken>, options: VerifiedTokenCacheOptions = {}): VerifyToken {
  const { maxEntries = 10_000, maxAgeMs = 60_000, now = Date.now } = options;
  const verified = new BoundedMap<string, { caller: Caller; untilMs: number }>(maxEntries);
  return async (token) => {
    const remembered = verified.get(token);
    if (remembered !== undefined) {
      if (now() < remembered.untilMs) return remembered.caller;
      verified.delete(token);
    }
    const { caller, expiresAtMs } = await verify(token);
    // Shared by every request that sends this token: frozen, so none can change what the next one sees.
    const shared: Caller = Object.freeze({ ...caller, roles: Object.freeze([...caller.roles]) as Caller['roles'] });
    const untilMs = Math.min(expiresAtMs, now() + maxAgeMs);
    if (untilMs > now()) verified.set(token, { caller: shared, untilMs });
    return shared;
  };
}
