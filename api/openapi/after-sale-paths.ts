import './zod-extension';
import { z } from 'zod';
import { idempotencyKeySchema, orderIdSchema, receiveSchema, refundIdSchema, refundSchema, returnIdSchema, returnSchema } from '../validation';
import { BODY_CODES, idParam, json, jsonBody, locationHeader, type RegisterRoute } from './route-helpers';

/** Refunds and returns (api/routes/after-sale.ts), for the OpenAPI document. */

const stockLine = z.object({ productId: z.int(), quantity: z.int() });

export const refundResponse = z
  .object({
    id: z.string().meta({ description: "the refund's id, also the provider's idempotency key" }),
    orderId: z.string(),
    status: z.enum(['PENDING', 'SUCCEEDED', 'FAILED']).meta({ description: 'PENDING: the provider has not answered yet (read it again); FAILED: declined, or no answer within an hour: staff must act' }),
    amountCents: z.int(),
    lines: z.array(stockLine).meta({ description: 'the units refunded ([] for an amount)' }),
    reason: z.string(),
    returnId: z.string().nullable().meta({ description: 'the return whose receipt issued it' }),
    failureReason: z.string().optional(),
  })
  .meta({ id: 'Refund' });

export const returnResponse = z
  .object({
    id: z.string(),
    orderId: z.string(),
    customerId: z.string(),
    status: z.enum(['REQUESTED', 'RECEIVED']),
    lines: z.array(stockLine),
    receivedLines: z.array(stockLine.extend({ condition: z.enum(['SELLABLE', 'DAMAGED']) })).nullable(),
    refundId: z.string().nullable(),
  })
  .meta({ id: 'Return' });

/** What GET /orders/{id} adds to an order. */
export const afterSaleFields = {
  refunds: z.array(refundResponse).optional().meta({ description: 'GET /orders/{id}: every refund of the order, oldest first' }),
  refundedCents: z.int().optional().meta({ description: 'GET /orders/{id}: the sum of the SUCCEEDED refunds' }),
  refundStatus: z.enum(['NONE', 'PARTIALLY_REFUNDED', 'REFUNDED']).optional(),
  returns: z.array(returnResponse).optional().meta({ description: 'GET /orders/{id}: every return of the order, oldest first' }),
};

export function registerAfterSalePaths(route: RegisterRoute): void {
  const orderParams = idParam(orderIdSchema);
  route(
    {
      method: 'post',
      path: '/orders/{id}/refunds',
      summary: 'Refund an amount or units of a CONFIRMED order (operator)',
      description:
        'Runs in the order\'s after-sale workflow, one refund at a time. expectedRefundedCents is what the caller believes is refunded or being refunded already: any other figure is 409 REFUND_STATE_CHANGED. A refund never restocks (a return does).',
      tags: ['after the sale'],
      request: { headers: z.object({ 'Idempotency-Key': idempotencyKeySchema }), params: orderParams, ...jsonBody(refundSchema) },
      responses: { 202: { ...json(refundResponse, 'the refund; the same Idempotency-Key answers the same refund'), headers: locationHeader } },
    },
    [...BODY_CODES, 'ORDER_NOT_FOUND', 'ORDER_NOT_REFUNDABLE', 'REFUND_STATE_CHANGED', 'REFUND_EXCEEDS_CAPTURED', 'IDEMPOTENCY_KEY_REUSED'],
  );
  route(
    {
      method: 'get',
      path: '/orders/{id}/refunds/{refundId}',
      summary: 'One refund of an order',
      tags: ['after the sale'],
      request: { params: z.object({ id: orderIdSchema, refundId: refundIdSchema }) },
      responses: { 200: json(refundResponse, 'the refund') },
    },
    ['VALIDATION_FAILED', 'ORDER_NOT_FOUND', 'REFUND_NOT_FOUND'],
  );
  route(
    {
      method: 'post',
      path: '/orders/{id}/returns',
      summary: 'Ask to return units of a CONFIRMED order within RETURN_WINDOW (customer)',
      tags: ['after the sale'],
      request: { headers: z.object({ 'Idempotency-Key': idempotencyKeySchema.optional() }), params: orderParams, ...jsonBody(returnSchema) },
      responses: { 201: { ...json(returnResponse, 'the return, REQUESTED; the same Idempotency-Key answers the same return'), headers: locationHeader } },
    },
    [...BODY_CODES, 'ORDER_NOT_FOUND', 'ORDER_NOT_REFUNDABLE', 'RETURN_WINDOW_CLOSED', 'RETURN_EXCEEDS_SOLD'],
  );
  route(
    {
      method: 'post',
      path: '/returns/{id}/receive',
      summary: "Receive a return's parcel: sellable units back on sale, the units refunded (operator)",
      description: 'Sellable units go back into stock and availability exactly once, however often this is sent; damaged ones stay out. A second receive answers the first.',
      tags: ['after the sale'],
      request: { params: idParam(returnIdSchema), ...jsonBody(receiveSchema) },
      responses: { 200: json(returnResponse, 'the return, RECEIVED, with its refund') },
    },
    [...BODY_CODES, 'RETURN_NOT_FOUND', 'RETURN_EXCEEDS_SOLD'],
  );
}
