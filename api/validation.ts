import './openapi/zod-extension';
import { z } from 'zod';
import { MAX_LINES_PER_ORDER, MAX_PRICE_CENTS, MAX_PRODUCT_ID, MAX_STOCK_PER_REQUEST, MAX_UNITS_PER_LINE, MIN_PRICE_CENTS } from '../config/bounds';
import { ORDER_STATUSES } from '../workflows/order-types';
import { parseDuration } from '../config';
import { ROLES } from './auth/roles';
import { subjectSchema } from './auth/subject';
import { pageQuery } from './pagination';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/events';
import { Problem } from './problem';

/** Every body, parameter and header the API accepts: bounded by config/bounds.ts, and with unknown fields rejected. */

export const newProductSchema = z.strictObject({
  sku: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, dots, dashes or underscores'),
  name: z.string().trim().min(1).max(200),
  priceCents: z.int().min(MIN_PRICE_CENTS).max(MAX_PRICE_CENTS),
  stock: z.int().min(0).max(MAX_STOCK_PER_REQUEST),
});

export const restockSchema = z.strictObject({
  quantity: z.int().min(1).max(MAX_STOCK_PER_REQUEST),
});

export const newOrderSchema = z.strictObject({
  /** Optional: the customer is the caller's token `sub`; a customerId that differs is refused (403). */
  customerId: subjectSchema.optional(),
  items: z
    .array(
      z.strictObject({
        productId: z.int().min(1).max(MAX_PRODUCT_ID),
        quantity: z.int().min(1).max(MAX_UNITS_PER_LINE),
      }),
    )
    .min(1)
    .max(MAX_LINES_PER_ORDER)
    .refine((items) => new Set(items.map((item) => item.productId)).size === items.length, 'lists a product twice; use quantity'),
  /** Where the buyer's notifications go (personal data: stored apart from the order, never logged). */
  email: z.email('must be an e-mail address').max(254).optional(),
});
export type NewOrder = z.infer<typeof newOrderSchema>;

export const paymentSchema = z.strictObject({
  paymentToken: z.string().regex(/^[A-Za-z0-9_]{1,100}$/, 'must be a payment token such as tok_visa'),
});

export const newWebhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2048),
  events: z
    .array(z.enum(WEBHOOK_EVENT_TYPES))
    .min(1)
    .max(WEBHOOK_EVENT_TYPES.length)
    .refine((events) => new Set(events).size === events.length, 'lists an event twice'),
});
export type NewWebhook = z.infer<typeof newWebhookSchema>;
export const webhookIdSchema = z.string().regex(/^whk_[a-f0-9]{24}$/, 'is not a webhook endpoint id');
export const deliveryListQuerySchema = z.strictObject({ ...pageQuery });

/**
 * The operator console's windows, "15m", "1h", "7d": a duration from one minute to seven days, in seconds. The pattern
 * itself holds the bounds (60–604800s, 1–10080m, 1–168h, 1–7d, no leading zeros), so the OpenAPI document states them.
 */
const durationSeconds = (fallback: string) =>
  z
    .string()
    .regex(
      /^(([6-9][0-9]|[1-9][0-9]{2,4}|[1-5][0-9]{5}|60[0-3][0-9]{3}|604[0-7][0-9]{2}|604800)s|([1-9][0-9]{0,3}|100[0-7][0-9]|10080)m|([1-9][0-9]?|1[0-5][0-9]|16[0-8])h|[1-7]d)$/,
      'must be a duration from 1m to 7d, such as 15m, 1h or 7d',
    )
    .default(fallback)
    .transform((text) => (text.endsWith('d') ? Number(text.slice(0, -1)) * 86_400 : parseDuration(text) / 1000));

export const summaryQuerySchema = z.strictObject({ window: durationSeconds('15m') });
export const invariantCheckBodySchema = z.strictObject({ ordersSince: durationSeconds('1h') });

/** POST /auth/local-sign-in. */
export const signInSchema = z.strictObject({
  /** The caller's id: a buyer's customer id, or a staff member's name. */
  sub: subjectSchema,
  roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
});

/**
 * Decimal digits only, no sign, no leading zero: `0x1`, `1e0`, `+1` and `01` are not product 1. A well-formed id
 * beyond any product's (above the id column's range) names no product: 404, like any id that does not exist.
 */
export const productIdSchema = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, 'must be a positive integer in decimal digits, without sign or leading zeros')
  .transform(Number);
export const orderIdSchema = z.string().regex(/^ord_[A-Za-z0-9_-]{1,60}$/, 'is not an order id');
export const idempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,255}$/, 'must be 1–255 visible ASCII characters');

export const orderListQuerySchema = z.strictObject({
  customerId: subjectSchema.optional(),
  status: z.enum(ORDER_STATUSES).optional(),
  ...pageQuery,
});

export const productListQuerySchema = z.strictObject({ ...pageQuery });

/** What a page cursor of each list holds (see api/pagination.ts). */
export const productCursorSchema = z.strictObject({ id: z.int().min(0).max(MAX_PRODUCT_ID) });
/** Lists newest first (orders, an endpoint's deliveries): the last item's creation time, then its id among equals. */
export const newestFirstCursorSchema = z.strictObject({
  createdAt: z.iso.datetime().transform((text) => new Date(text)),
  id: z.string().max(64),
});

/** Parses `value`, or throws a 400 problem naming the first offending field, as `where.name.path` (and listing them all). */
export function parse<T>(schema: z.ZodType<T>, value: unknown, where: 'body' | 'path' | 'query' | 'header', name?: string): T {
  // reportInput keeps each issue's input, so a wrong type is told apart from a missing field.
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    field: [where, ...(name ? [name] : []), ...issue.path.map(String)].join('.'),
    reason: reasonOf(issue),
  }));
  throw new Problem('VALIDATION_FAILED', `${errors[0].field} ${errors[0].reason}`, { field: errors[0].field, errors });
}

function reasonOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `has unknown field(s): ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  return issue.message.startsWith('Invalid input: ') ? issue.message.slice('Invalid input: '.length) : issue.message;
}
