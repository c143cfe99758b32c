import './zod-extension';
import { z } from 'zod';
import { afterSaleFields } from './after-sale-paths';
import { STAFF_ACTION_CODES } from '../../workflows/failures';
import { ORDER_STATUSES } from '../../workflows/order-types';
import { ROLES } from '../auth/roles';
import { PROBLEM_CODES, type ProblemCode } from '../problem-codes';

/**
 * The shapes the API answers with, for the OpenAPI document (and, through it, the contract the end-to-end tests check
 * every answer against). Objects allow more members than listed: a client must ignore what it does not know.
 */

export const productResponse = z
  .object({
    id: z.int().min(1),
    sku: z.string(),
    name: z.string(),
    priceCents: z.int(),
    stock: z.int().min(0).meta({ description: "MySQL's durable count of units on hand" }),
    available: z.int().nullable().meta({ description: 'units Redis can still reserve now; null while not loaded' }),
    saleStartsAt: z.string().nullable().meta({ description: 'ISO 8601: before it, no order for the product is placed (SALE_NOT_STARTED); null: on sale' }),
    queue: z
      .object({ admitPerSecond: z.int(), maxAdmitted: z.int() })
      .nullable()
      .meta({ description: 'the waiting room (POST /products/{id}/queue): orders need the Queue-Ticket of an admission; null: none' }),
  })
  .meta({ id: 'Product' });

/** A product as the API answers it: the one type of it, for the routes, the console, the web page and the tests. */
export type ProductResponse = z.infer<typeof productResponse>;

export const orderResponse = z
  .object({
    id: z.string(),
    customerId: z.string(),
    status: z.enum(ORDER_STATUSES),
    items: z.array(z.object({ productId: z.int(), sku: z.string(), quantity: z.int(), unitPriceCents: z.int() })),
    totalCents: z.int(),
    reservedUntil: z.string().nullable(),
    payment: z.object({ status: z.string(), amountCents: z.int(), authorizationId: z.string().optional(), refundedCents: z.int().optional() }).nullable(),
    notifications: z.array(z.string()),
    failureReason: z.string().optional(),
    couponCode: z.string().optional().meta({ description: 'the coupon applied; totalCents is after its discount' }),
    discountCents: z.int().min(0).optional().meta({ description: 'what the coupon took off (capped so the order still costs 1 cent)' }),
    failureCode: z
      .enum(STAFF_ACTION_CODES)
      .optional()
      .meta({ description: 'staff only: on a FAILED order, what is left for a person to do (an undo that failed for good, or a workflow closed before the order ended)' }),
    paymentAttempts: z
      .array(z.object({ outcome: z.string(), reason: z.string().nullable(), at: z.string() }))
      .optional()
      .meta({ description: "staff only (GET /orders/{id}): every payment attempt, with the provider's decline reason" }),
    ...afterSaleFields,
  })
  .meta({ id: 'Order' });

export const pendingOrderResponse = z
  .object({ id: z.string(), customerId: z.string().optional(), status: z.literal('PENDING') })
  .meta({ id: 'PendingOrder', description: 'An order that exists and is still deciding: ask its Location again after Retry-After' });

export const pageOf = <T extends z.ZodType>(item: T, id: string) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable().meta({ description: 'pass as `cursor` for the next page; null on the last' }) }).meta({ id });

export const signInResponse = z
  .object({ token: z.string(), sub: z.string(), roles: z.array(z.enum(ROLES)), expiresAt: z.string() })
  .meta({ id: 'LocalSignIn', description: 'a bearer token signed with the local secret (AUTH_JWT_SECRET), for 8 hours' });

export const signInOptionsResponse = z
  .object({
    localSignIn: z.boolean(),
    oidc: z.object({ issuer: z.string(), clientId: z.string(), redirectUri: z.string().nullable(), scope: z.string() }).nullable(),
  })
  .meta({ id: 'SignInOptions', description: 'the OpenID provider the page signs people in at (null: none), and whether the local form is on' });
export const callerResponse = z
  .object({ sub: z.string(), roles: z.array(z.enum(ROLES)) })
  .meta({ id: 'Caller', description: "the caller as the API reads the token: its sub, and the roles of ours in the claim AUTH_ROLES_CLAIM names" });
export const healthResponse = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
export const readinessResponse = z
  .object({ status: z.enum(['ready', 'not ready']), checks: z.record(z.string(), z.string()).optional() })
  .meta({ id: 'Readiness', description: '`checks` (mysql, redis, temporal, worker) only for an operator token' });

/** An RFC 9457 problem document, with `code` narrowed to the codes the answer may carry. */
export function problemResponse(codes: readonly ProblemCode[]) {
  return z.object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    code: z.enum(codes as [ProblemCode, ...ProblemCode[]]),
    detail: z.string(),
    instance: z.string().optional(),
    field: z.string().optional().meta({ description: 'the offending part of the request: body.…, path.…, query.… or header.…' }),
    errors: z.array(z.object({ field: z.string(), reason: z.string() })).optional(),
  });
}

/** Codes grouped by their status, each status described by its codes' meanings. */
export function problemAnswers(codes: readonly ProblemCode[]) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of new Set(codes)) byStatus.set(PROBLEM_CODES[code].status, [...(byStatus.get(PROBLEM_CODES[code].status) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, group]) => [
      status,
      {
        description: group.map((code) => `\`${code}\`: ${PROBLEM_CODES[code].meaning}`).join('; '),
        content: { 'application/problem+json': { schema: problemResponse(group) } },
      },
    ]),
  );
}
