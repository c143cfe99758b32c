import type { Request } from 'express';
import { parse, queueTicketSchema } from './validation';

/** The request's Queue-Ticket header (400 when malformed); undefined when it was not sent. Never read from the URL. */
export function queueTicketOf(req: Request): string | undefined {
  const raw = req.get('Queue-Ticket');
  return raw === undefined ? undefined : parse(queueTicketSchema, raw, 'header', 'Queue-Ticket');
}
