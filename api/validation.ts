import './openapi/zod-extension';
import { z } from 'zod';
import {
  MAX_CLAIMS_PER_BUYER,
  MAX_COUPON_PRODUCTS,
  MAX_COUPON_QUANTITY,
  MAX_LINES_PER_ORDER,
  MAX_ORDER_TOTAL_CENTS,
  MAX_PAYMENT_CENTS,
  MAX_PRICE_CENTS,
  MAX_PRODUCT_ID,
  MAX_STOCK_PER_REQUEST,
  MAX_UNITS_PER_LINE,
  MIN_ORDER_TOTAL_CENTS,
  MIN_PRICE_CENTS,
} from '../config/bounds';
import { ORDER_STATUSES } from '../workflows/order-types';
import { parseDuration } from '../config';
import { ROLES } from './auth/roles';
import { subjectSchema } from './auth/subject';
import { pageQuery } from './pagination';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/events';
import { Problem } from './problem';

/** Every body, parameter and header the API accepts: bounded by config/bounds.ts, and with unknown fields rejected. */

/** A drop's waiting room: admissions a second, and buyers holding an unused admission at once. */
export const queueSettingsSchema = z
  .strictObject({
    admitPerSecond: z.int().min(1).max(10_000),
    maxAdmitted: z.int().min(1).max(1_000_000),
  })
  .meta({ id: 'QueueSettings', description: 'the waiting room: at most admitPerSecond admissions a second, and at most maxAdmitted buyers holding an unused admission (also never more than the units available × QUEUE_ADMISSION_FACTOR)' });

/** When a drop starts: ISO 8601 with a time zone (`2026-12-24T18:00:00Z`). */
export const saleStartsAtSchema = z.iso.datetime({ offset: true }).transform((text) => new Date(text)).meta({ description: 'ISO 8601 date-time with a zone; before it, no order for the product is placed (SALE_NOT_STARTED)' });

export const newProductSchema = z.strictObject({
  sku: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, dots, dashes or underscores'),
  name: z.string().trim().min(1).max(200),
  priceCents: z.int().min(MIN_PRICE_CENTS).max(MAX_PRICE_CENTS),
  stock: z.int().min(0).max(MAX_STOCK_PER_REQUEST),
  saleStartsAt: saleStartsAtSchema.nullable().optional(),
  queue: queueSettingsSchema.nullable().optional(),
});

/** PUT /products/:id/sale: the drop's start and waiting room, both given (null: none). */
export const saleSettingsSchema = z.strictObject({
  saleStartsAt: saleStartsAtSchema.nullable(),
  queue: queueSettingsSchema.nullable(),
});

/** A waiting-room ticket as sent in the Queue-Ticket header (queue/tickets.ts); its signature is checked later. */
export const queueTicketSchema = z.string().min(1).max(2_048).regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'must be a ticket as POST /products/{id}/queue answered it');

export const restockSchema = z.strictObject({
  quantity: z.int().min(1).max(MAX_STOCK_PER_REQUEST),
});

const orderLineSchema = z.strictObject({
  productId: z.int().min(1).max(MAX_PRODUCT_ID),
  quantity: z.int().min(1).max(MAX_UNITS_PER_LINE),
});
type OrderLineInput = z.infer<typeof orderLineSchema>;

/**
 * An order's lines as sent, merged: a product on several lines is one line with the summed quantity, in the place of
 * its first line (a client building an order line by line, as a cart does, need not merge them itself). The sum is
 * held to the same per-line bound, refused naming the first of the product's lines.
 */
export const orderLinesSchema = z
  .array(orderLineSchema)
  .min(1)
  .max(MAX_LINES_PER_ORDER)
  .transform((items, context) => {
    const merged = mergeLines(items);
    merged.forEach((line) => {
      if (line.quantity <= MAX_UNITS_PER_LINE) return;
      const first = items.findIndex((item) => item.productId === line.productId);
      context.issues.push({
        code: 'custom',
        input: line.quantity,
        path: [first, 'quantity'],
        message: `lists product ${line.productId} on several lines totalling ${line.quantity} units; one line holds at most ${MAX_UNITS_PER_LINE}`,
      });
    });
    return merged;
  });

/** One line per product, in the order products first appear, each with its lines' summed quantity. */
export function mergeLines(items: readonly OrderLineInput[]): OrderLineInput[] {
  const byProduct = new Map<number, number>();
  for (const { productId, quantity } of items) byProduct.set(productId, (byProduct.get(productId) ?? 0) + quantity);
  return [...byProduct].map(([productId, quantity]) => ({ productId, quantity }));
}

/** A coupon's code: what buyers type, so capitals, digits, dashes and underscores only (3–32). */
export const couponCodeSchema = z.string().regex(/^[A-Z0-9][A-Z0-9_-]{2,31}$/, 'must be 3–32 capital letters, digits, dashes or underscores');

export const newOrderSchema = z.strictObject({
  /** Optional: the customer is the caller's token `sub`; a customerId that differs is refused (403). */
  customerId: subjectSchema.optional(),
  items: orderLinesSchema,
  /** Where the buyer's notifications go (personal data: stored apart from the order, never logged). */
  // zod's own e-mail rule as a pattern, so the OpenAPI document states it (format: email alone is looser than this).
  email: z.string().regex(z.regexes.email, 'must be an e-mail address').max(254).optional(),
  /** A coupon the buyer has claimed: its discount comes off the total the payment authorises. */
  couponCode: couponCodeSchema.optional(),
});
export type NewOrder = z.infer<typeof newOrderSchema>;

export const paymentSchema = z.strictObject({
  paymentToken: z.string().regex(/^[A-Za-z0-9_]{1,100}$/, 'must be a payment token such as tok_visa'),
});

const units = { productId: z.int().min(1).max(MAX_PRODUCT_ID), quantity: z.int().min(1).max(MAX_UNITS_PER_LINE) };

/** POST /orders/:id/refunds: an amount or the units it is for, never both. */
export const refundSchema = z
  .strictObject({
    amountCents: z.int().min(1).max(MAX_PAYMENT_CENTS).optional(),
    lines: orderLinesSchema.optional(),
    reason: z.string().trim().min(1).max(500),
    /** What the caller believes is refunded or being refunded already (0 for a first refund). */
    expectedRefundedCents: z.int().min(0).max(MAX_PAYMENT_CENTS),
  })
  .refine((body) => (body.amountCents === undefined) !== (body.lines === undefined), { message: 'give either amountCents or lines, not both', path: ['amountCents'] });
export type NewRefund = z.infer<typeof refundSchema>;

/** POST /orders/:id/returns. */
export const returnSchema = z.strictObject({ lines: orderLinesSchema });

/** POST /returns/:id/receive: what arrived, line by line, in which condition (a product may come in both). */
export const receiveSchema = z.strictObject({
  lines: z
    .array(z.strictObject({ ...units, condition: z.enum(['SELLABLE', 'DAMAGED']) }))
    .min(1)
    .max(2 * MAX_LINES_PER_ORDER),
});

export const refundIdSchema = z.string().regex(/^rf_[A-Za-z0-9_-]{1,80}$/, 'is not a refund id');
export const returnIdSchema = z.string().regex(/^ret_[A-Za-z0-9_-]{1,60}$/, 'is not a return id');

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

/** A moment MySQL's DATETIME holds: an ISO 8601 date-time, with Z or an offset, from 1970 to 9999. */
const instantSchema = z.iso
  .datetime({ offset: true })
  .transform((text) => new Date(text))
  .refine((date) => date.getUTCFullYear() >= 1970 && date.getUTCFullYear() <= 9998, 'must be a time from 1970 to 9998');

/**
 * POST /coupons. Exactly one of percentOff and amountOffCents; money in cents within config/bounds.ts (a discount is
 * capped at redemption so an order still costs the smallest payment: coupons/discount.ts).
 */
export const newCouponSchema = z
  .strictObject({
    code: couponCodeSchema,
    name: z.string().trim().min(1).max(200),
    percentOff: z.int().min(1).max(100).optional(),
    amountOffCents: z.int().min(1).max(MAX_PAYMENT_CENTS).optional(),
    quantity: z.int().min(1).max(MAX_COUPON_QUANTITY),
    perBuyer: z.int().min(1).max(MAX_CLAIMS_PER_BUYER).default(1),
    startsAt: instantSchema.optional(),
    endsAt: instantSchema.optional(),
    minTotalCents: z.int().min(MIN_ORDER_TOTAL_CENTS).max(MAX_ORDER_TOTAL_CENTS).optional(),
    productIds: z
      .array(z.int().min(1).max(MAX_PRODUCT_ID))
      .min(1)
      .max(MAX_COUPON_PRODUCTS)
      .refine((ids) => new Set(ids).size === ids.length, 'lists a product twice')
      .optional(),
  })
  .superRefine((coupon, context) => {
    if ((coupon.percentOff === undefined) === (coupon.amountOffCents === undefined)) {
      context.addIssue({ code: 'custom', path: [coupon.percentOff === undefined ? 'percentOff' : 'amountOffCents'], message: 'give exactly one of percentOff and amountOffCents' });
    }
    if (coupon.startsAt && coupon.endsAt && coupon.endsAt <= coupon.startsAt) context.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be after startsAt' });
    if (coupon.perBuyer > coupon.quantity) context.addIssue({ code: 'custom', path: ['perBuyer'], message: 'must not be more than quantity' });
  });
export type NewCouponBody = z.infer<typeof newCouponSchema>;

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
export const cartIdSchema = z.string().regex(/^crt_[a-f0-9]{32}$/, 'is not a cart id');
/** PUT /carts/:id/lines/:productId: the line's quantity; 0 removes it. */
export const cartLineSchema = z.strictObject({ quantity: z.int().min(0).max(MAX_UNITS_PER_LINE) });
/** POST /carts/:id/checkout: optional; `expectedVersion` checks out only the cart as the client last saw it. */
export const checkoutSchema = z.strictObject({
  expectedVersion: z.int().min(1).max(4_294_967_295).optional(),
  /** A coupon the buyer has claimed, applied to the cart's order as POST /orders applies it. */
  couponCode: couponCodeSchema.optional(),
});
export const orderIdSchema = z.string().regex(/^ord_[A-Za-z0-9_-]{1,60}$/, 'is not an order id');
export const idempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,255}$/, 'must be 1–255 visible ASCII characters');

export const orderListQuerySchema = z.strictObject({
  customerId: subjectSchema.optional(),
  status: z.enum(ORDER_STATUSES).optional(),
  ...pageQuery,
});

/** A search's words: up to 8 (a product matches when its name or sku contains each; see db/catalogue.ts). */
export const MAX_SEARCH_WORDS = 8;
export const searchQuerySchema = z
  .string()
  .max(100)
  .regex(/\S/, 'must hold a word')
  .transform((text) => text.trim().split(/\s+/))
  .refine((words) => words.length <= MAX_SEARCH_WORDS, `must hold at most ${MAX_SEARCH_WORDS} words`);

export const productListQuerySchema = z.strictObject({
  /** Words a product's name or sku must each contain, case-insensitively. */
  q: searchQuerySchema.optional(),
  ...pageQuery,
});

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
