import { createHmac, timingSafeEqual } from 'node:crypto';
import type { QueueKey } from '../config/queue';

/**
 * A waiting-room ticket: `kid.payload.mac`, the payload base64url JSON, the mac an HMAC-SHA256 under the key `kid`
 * names of `kid.payload`. It binds the buyer (`sub`), the product, the place in line and an expiry, so a ticket
 * cannot be moved to another buyer, drop or place. Tickets travel in the Queue-Ticket header only, never in a URL.
 *
 * The place is `lottery` for a buyer who joined before the start (the draw orders them, see queue/scripts.ts), else
 * the buyer's score in the line (later arrivals have higher scores).
 */
export interface TicketClaims {
  productId: number;
  sub: string;
  place: string;
  expiresAt: number;
}

export class TicketRefusedError extends Error {
  constructor(readonly reason: 'MALFORMED' | 'UNKNOWN_KEY' | 'BAD_SIGNATURE' | 'OTHER_PRODUCT' | 'OTHER_BUYER' | 'EXPIRED') {
    super(`the queue ticket is not valid (${reason})`);
    this.name = 'TicketRefusedError';
  }
}

const mac = (key: QueueKey, signed: string): Buffer => createHmac('sha256', key.secret).update(signed).digest();

/** Signs with the first key (the current one). */
export function signTicket(keys: readonly QueueKey[], claims: TicketClaims): string {
  const key = keys[0];
  const payload = Buffer.from(JSON.stringify({ p: claims.productId, s: claims.sub, pl: claims.place, x: claims.expiresAt })).toString('base64url');
  const signed = `${key.kid}.${payload}`;
  return `${signed}.${mac(key, signed).toString('base64url')}`;
}

/**
 * The claims of a ticket signed by one of `keys`, for this product and buyer, not expired; else TicketRefusedError.
 * The mac is compared in constant time, and before the payload is read.
 */
export function verifyTicket(keys: readonly QueueKey[], ticket: string, expected: { productId: number; sub: string; now: number }): TicketClaims {
  const parts = ticket.split('.');
  if (parts.length !== 3 || ticket.length > 2_048) throw new TicketRefusedError('MALFORMED');
  const [kid, payload, given] = parts;
  const key = keys.find((candidate) => candidate.kid === kid);
  if (!key) throw new TicketRefusedError('UNKNOWN_KEY');
  const wanted = mac(key, `${kid}.${payload}`);
  const sent = Buffer.from(given, 'base64url');
  if (sent.length !== wanted.length || !timingSafeEqual(sent, wanted)) throw new TicketRefusedError('BAD_SIGNATURE');
  let claims: TicketClaims;
  try {
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { p: number; s: string; pl: string; x: number };
    claims = { productId: decoded.p, sub: decoded.s, place: decoded.pl, expiresAt: decoded.x };
  } catch {
    throw new TicketRefusedError('MALFORMED');
  }
  if (claims.productId !== expected.productId) throw new TicketRefusedError('OTHER_PRODUCT');
  if (claims.sub !== expected.sub) throw new TicketRefusedError('OTHER_BUYER');
  if (!(claims.expiresAt > expected.now)) throw new TicketRefusedError('EXPIRED');
  return claims;
}
