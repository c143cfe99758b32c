import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { AuthConfig } from './auth';
import { parseDuration } from './index';

/**
 * The waiting room (queue/). QUEUE_TICKET_KEYS signs its tickets: `kid:secret` pairs, comma-separated; the first
 * signs, every one verifies (rotation: put the new key first, drop the old one once the tickets it signed have
 * expired). Unset: one key derived from AUTH_JWT_SECRET (kid `auth`), or, with keys from AUTH_JWKS_URL alone, from
 * ORDER_ID_SECRET (kid `order-ids`), which such a deployment must set anyway (config/auth.ts): a service secret
 * either way, never the JWT secret itself.
 */
const schema = z.object({
  QUEUE_TICKET_KEYS: z.string().optional(),
  /** How long an admission lasts unused before it lapses and its place goes to the next buyer. */
  ADMISSION_TTL: z.string().default('2m'),
  /**
   * Buyers holding an unused admission may number this many times the units still available (`available` in Redis,
   * which already excludes units held by orders). 1: never more admitted buyers than units; above 1 makes up for
   * admitted buyers who never order, at the cost of some admitted buyers finding the units gone.
   */
  QUEUE_ADMISSION_FACTOR: z.coerce.number().min(1).max(10).default(1),
  /** The longest a waiting buyer is told to wait before asking again (pollAfterSeconds). */
  QUEUE_POLL_MAX: z.string().default('5s'),
  /** How long a ticket stays valid after its buyer joined (or after the start, for a ticket taken before it). */
  QUEUE_TICKET_TTL: z.string().default('24h'),
});

export interface QueueKey {
  kid: string;
  secret: Buffer;
}

export interface QueueConfig {
  keys: QueueKey[];
  admissionTtlMs: number;
  admissionFactor: number;
  pollMaxSeconds: number;
  ticketTtlMs: number;
}

export function loadQueueConfig(auth: Pick<AuthConfig, 'AUTH_JWT_SECRET' | 'ORDER_ID_SECRET'>, env: NodeJS.ProcessEnv = process.env): QueueConfig {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (!parsed.success) throw new Error(`invalid queue configuration: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  const values = parsed.data;
  return {
    keys: ticketKeysOf(values.QUEUE_TICKET_KEYS, auth),
    admissionTtlMs: parseDuration(values.ADMISSION_TTL),
    admissionFactor: values.QUEUE_ADMISSION_FACTOR,
    pollMaxSeconds: Math.max(1, Math.round(parseDuration(values.QUEUE_POLL_MAX) / 1000)),
    ticketTtlMs: parseDuration(values.QUEUE_TICKET_TTL),
  };
}

const derivedKey = (kid: string, secret: string): QueueKey => ({ kid, secret: createHmac('sha256', secret).update('queue-ticket-key').digest() });

function ticketKeysOf(text: string | undefined, auth: Pick<AuthConfig, 'AUTH_JWT_SECRET' | 'ORDER_ID_SECRET'>): QueueKey[] {
  if (text === undefined) {
    if (auth.AUTH_JWT_SECRET !== undefined) return [derivedKey('auth', auth.AUTH_JWT_SECRET)];
    if (auth.ORDER_ID_SECRET !== undefined) return [derivedKey('order-ids', auth.ORDER_ID_SECRET)];
    throw new Error('invalid queue configuration: set QUEUE_TICKET_KEYS (or ORDER_ID_SECRET) when keys come from AUTH_JWKS_URL alone');
  }
  return text.split(',').map((pair) => {
    const match = /^([A-Za-z0-9_-]{1,32}):(.{32,})$/.exec(pair.trim());
    if (!match) throw new Error('invalid queue configuration: QUEUE_TICKET_KEYS must be kid:secret pairs (kid of letters, digits, - or _; secret of 32 characters or more)');
    return { kid: match[1], secret: Buffer.from(match[2]) };
  });
}

/** QUEUE_ADMISSION_FACTOR alone: what the invariant checker (check/, I9) needs, without the ticket keys. */
export function admissionFactorOf(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.QUEUE_ADMISSION_FACTOR;
  return schema.shape.QUEUE_ADMISSION_FACTOR.parse(value === '' ? undefined : value);
}
