import { z } from 'zod';
import { ORDER_STATUSES } from '../workflows/order-types';
import { Problem } from './problem';

/** Every body, parameter and header the API accepts: bounded, and with unknown fields rejected. */

const MAX_UNITS_PER_LINE = 100;
const MAX_LINES_PER_ORDER = 50;

export const newProductSchema = z.strictObject({
  sku: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, dots, dashes or underscores'),
  name: z.string().trim().min(1).max(200),
  priceCents: z.int().min(0).max(100_000_000),
  stock: z.int().min(0).max(10_000_000),
});

export const restockSchema = z.strictObject({
  quantity: z.int().min(1).max(10_000_000),
});

export const newOrderSchema = z.strictObject({
  /** Optional: the customer is the caller's token `sub`; a customerId that differs is refused (403). */
  customerId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/, 'must be 1–64 letters, digits or ._:@-').optional(),
  items: z
    .array(
      z.strictObject({
        productId: z.int().min(1).max(2 ** 31 - 1),
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

export const productIdSchema = z.coerce.number().int().min(1).max(2 ** 31 - 1);
export const orderIdSchema = z.string().regex(/^ord_[A-Za-z0-9_-]{1,60}$/, 'is not an order id');
export const idempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,255}$/, 'must be 1–255 visible ASCII characters');

export const orderListQuerySchema = z.strictObject({
  customerId: z.string().max(64).optional(),
  status: z.enum(ORDER_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
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
  throw new Problem(400, 'VALIDATION_FAILED', `${errors[0].field} ${errors[0].reason}`, { field: errors[0].field, errors });
}

function reasonOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `has unknown field(s): ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  return issue.message.startsWith('Invalid input: ') ? issue.message.slice('Invalid input: '.length) : issue.message;
}
