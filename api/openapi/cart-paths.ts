import './zod-extension';
import { COUPON_AT_CHECKOUT_CODES } from './coupon-paths';
import { z } from 'zod';
import { CART_STATUSES } from '../../db/entities/cart';
import { cartIdSchema, cartLineSchema, checkoutSchema, idempotencyKeySchema, productIdSchema } from '../validation';
import { orderResponse, pendingOrderResponse } from './response-schemas';
import { DROP_CODES, orderQueueTicketHeader } from './queue-paths';
import { BODY_CODES, json, jsonBody, locationHeader, NO_BODY_CODES, type RegisterRoute } from './route-helpers';

export const cartResponse = z
  .object({
    id: z.string(),
    customerId: z.string(),
    status: z.enum(CART_STATUSES),
    version: z.int().min(1).meta({ description: 'rises with every change; a checkout at one version makes one order' }),
    orderId: z.string().nullable().meta({ description: 'the order its checkout placed, while CHECKED_OUT' }),
    lines: z.array(
      z.object({
        productId: z.int(),
        sku: z.string(),
        name: z.string(),
        quantity: z.int().min(1),
        priceCents: z.int().meta({ description: "the catalogue's price now" }),
        available: z.int().nullable().meta({ description: 'units available now (nothing is reserved until checkout); null while not loaded' }),
      }),
    ),
    estimatedTotalCents: z.int().meta({ description: 'the lines at catalogue prices now; the checkout prices the order again' }),
    updatedAt: z.string(),
  })
  .meta({ id: 'Cart' });

const cartParams = z.object({ id: cartIdSchema });
const lineParams = z.object({ id: cartIdSchema, productId: productIdSchema });
const cartAnswer = (description: string) => ({ ...json(cartResponse, description), headers: locationHeader });

/** Carts (api/routes/carts.ts): a buyer's own; staff may read any. */
export function registerCartPaths(route: RegisterRoute): void {
  const tags = ['carts'];
  route(
    {
      method: 'post',
      path: '/carts',
      summary: "The buyer's open cart: made (201) when they have none, else the open one (200) (customer)",
      tags,
      responses: { 201: cartAnswer('a new, empty cart'), 200: cartAnswer('the open cart the buyer has') },
    },
    NO_BODY_CODES,
  );
  route({ method: 'get', path: '/carts/mine', summary: "The buyer's most recently changed cart (customer)", tags, responses: { 200: json(cartResponse, 'the cart') } }, ['CART_NOT_FOUND']);
  route(
    { method: 'get', path: '/carts/{id}', summary: 'One cart, lines at current prices and availability (its buyer; operator, admin)', tags, request: { params: cartParams }, responses: { 200: json(cartResponse, 'the cart') } },
    ['VALIDATION_FAILED', 'CART_NOT_FOUND'],
  );
  route(
    {
      method: 'put',
      path: '/carts/{id}/lines/{productId}',
      summary: 'Set a line: the product and how many units; 0 removes it. Reserves nothing; bumps the version (customer)',
      tags,
      request: { params: lineParams, ...jsonBody(cartLineSchema) },
      responses: { 200: cartAnswer('the cart as changed') },
    },
    [...BODY_CODES, 'CART_NOT_FOUND', 'PRODUCT_NOT_FOUND', 'ORDER_TOTAL_OUT_OF_RANGE', 'CART_CHECKED_OUT'],
  );
  route(
    {
      method: 'delete',
      path: '/carts/{id}/lines/{productId}',
      summary: 'Remove a line; bumps the version (customer)',
      tags,
      request: { params: lineParams },
      responses: { 200: cartAnswer('the cart as changed') },
    },
    ['VALIDATION_FAILED', 'CART_NOT_FOUND', 'CART_CHECKED_OUT'],
  );
  route(
    {
      method: 'post',
      path: '/carts/{id}/checkout',
      summary: "Place the cart's lines as one order, as POST /orders does (customer)",
      description:
        'The order id is derived from the cart id and version: a double click, a retry or a racing client get the same order (Idempotent-Replayed: true), never a second one. The cart becomes CHECKED_OUT; when its order ends without a sale (REJECTED, CANCELLED, EXPIRED, FAILED) it opens again at the next version.',
      tags,
      request: { headers: z.object({ 'Idempotency-Key': idempotencyKeySchema.optional(), ...orderQueueTicketHeader }), params: cartParams, ...jsonBody(checkoutSchema, false) },
      responses: {
        201: { ...json(orderResponse, 'the order, RESERVED; the same order again on a repeat (Idempotent-Replayed: true)'), headers: locationHeader },
        202: { ...json(pendingOrderResponse, 'the order exists and is still deciding (Temporal did not answer within TEMPORAL_CALL_TIMEOUT)'), headers: locationHeader },
      },
    },
    [...BODY_CODES, 'CART_NOT_FOUND', 'CART_CHANGED', 'CART_EMPTY', 'PRODUCT_NOT_FOUND', 'ORDER_TOTAL_OUT_OF_RANGE', 'OUT_OF_STOCK', 'IDEMPOTENCY_KEY_REUSED', 'UNIT_LIMIT_REACHED', 'UNPAID_ORDERS_LIMIT_REACHED', 'RATE_LIMITED', ...COUPON_AT_CHECKOUT_CODES, ...DROP_CODES],
  );
}
