import type { Request, Response } from 'express';
import { accountOfRequest, type AccountId } from './accounts';
import { z } from 'zod';
import { MAX_PAYMENT_CENTS } from '../config/bounds';
import type { Prepared } from './idempotent-route';
import type { Ledger } from './ledger';
import type { AuthorizeParams, RefundParams } from './operations';
import { fromZodError, notFound } from './responses';
import type { Authorization } from './types';

const authorizeBody = z.strictObject({
  amountCents: z.number().int().positive().max(MAX_PAYMENT_CENTS),
  currency: z.string().regex(/^[A-Z]{3}$/, 'expected an upper-case ISO 4217 code such as EUR').default('EUR'),
  paymentToken: z.string().min(1).max(255),
  reference: z.string().min(1).max(255),
});

const refundBody = z.strictObject({
  authorizationId: z.string().min(1).max(255),
  amountCents: z.number().int().positive().max(MAX_PAYMENT_CENTS),
  merchantReference: z.string().min(1).max(255).optional(),
});

/** A partial refund names a known authorization and a positive amount. */
export function prepareRefund(ledger: Ledger) {
  return (req: Request, res: Response): Prepared<RefundParams> => {
    const parsed = refundBody.safeParse(bodyOf(req));
    if (!parsed.success) return { reject: fromZodError(parsed.error, 'request body') };
    return ledger.get(parsed.data.authorizationId, accountOfRequest(res)) ? { params: parsed.data } : { reject: notFound(parsed.data.authorizationId) };
  };
}

/** Capture, void and refund take no parameters; an empty body or `{}` is fine, anything else is not. */
const emptyBody = z.strictObject({});

/** Express leaves the body undefined when there is none or it is not JSON. */
function bodyOf(req: Request): unknown {
  return req.body === undefined ? {} : req.body;
}

export function prepareAuthorize(req: Request): Prepared<AuthorizeParams> {
  const parsed = authorizeBody.safeParse(bodyOf(req));
  return parsed.success ? { params: parsed.data } : { reject: fromZodError(parsed.error, 'request body') };
}

/** For the actions on one authorization: it must exist in the caller's account, and the body must be empty. */
export function prepareAction(ledger: Ledger) {
  return (req: Request, res: Response): Prepared<{ id: string }> => {
    const parsed = emptyBody.safeParse(bodyOf(req));
    if (!parsed.success) return { reject: fromZodError(parsed.error, 'request body') };
    const id = String(req.params.id);
    return ledger.get(id, accountOfRequest(res)) ? { params: { id } } : { reject: notFound(id) };
  };
}

/** The current state, read when the operation runs, not when the request was validated. */
export function current(ledger: Ledger, id: string, account: AccountId): Authorization {
  const authorization = ledger.get(id, account);
  if (!authorization) throw new Error(`authorization ${id} vanished`);
  return authorization;
}

export const listQuery = z.object({ reference: z.string().min(1).max(255) });
export const refundListQuery = z.object({ authorizationId: z.string().min(1).max(255) });
