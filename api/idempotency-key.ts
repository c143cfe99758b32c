import type { Request } from 'express';
import { idempotencyKeySchema, parse } from './validation';

/** The request's Idempotency-Key header, checked (400 when malformed); undefined when it was not sent. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const rawKey = req.get('Idempotency-Key');
  return rawKey === undefined ? undefined : parse(idempotencyKeySchema, rawKey, 'header', 'Idempotency-Key');
}
