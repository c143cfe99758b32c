import './zod-extension';
import { z } from 'zod';
import type { ProblemCode } from '../problem-codes';
import { productIdSchema, queueTicketSchema, saleSettingsSchema } from '../validation';
import { productResponse } from './response-schemas';
import { BODY_CODES, idParam, json, jsonBody, NO_BODY_CODES, type RegisterRoute } from './route-helpers';

/** How a drop refuses an order (POST /orders, a cart's checkout) before any stock is held (api/drop-gate.ts). */
export const DROP_CODES: ProblemCode[] = ['SALE_NOT_STARTED', 'QUEUE_ADMISSION_REQUIRED', 'QUEUE_TICKET_INVALID'];

/** The Queue-Ticket header of an order for a queued drop. */
export const orderQueueTicketHeader = {
  'Queue-Ticket': queueTicketSchema.optional().meta({ description: 'for a product with a waiting room: the ticket of your live admission; used once' }),
};

const estimatedWait = z
  .object({
    minSeconds: z.int().min(0),
    maxSeconds: z.int().min(0).nullable().meta({ description: 'null: no admission in the last minute (units are held by buyers paying), so no bound can be given' }),
  })
  .meta({ id: 'EstimatedWait', description: 'from the admission rate measured over the last minute; for one buyer it never grows from one poll to the next unless that rate dropped (then `reason` is ADMISSION_RATE_DROPPED)' });

const ticket = z.string().meta({ description: 'send it back in the Queue-Ticket header (never in a URL); also in the Queue-Ticket response header' });

export const queueAnswer = z
  .discriminatedUnion('state', [
    z.object({
      ticket,
      state: z.literal('WAITING'),
      position: z.int().min(1).nullable().meta({ description: 'buyers ahead + 1; it only goes down. null before the start: everyone who joins before it is drawn by lot at the start' }),
      estimatedWait,
      pollAfterSeconds: z.int().min(1).meta({ description: 'ask again (GET) after this long' }),
      reason: z.enum(['DRAW_AT_START', 'ADMISSION_RATE_DROPPED']).optional().meta({ description: 'why the estimate may be longer than the last one' }),
    }),
    z.object({ ticket, state: z.literal('ADMITTED'), admittedUntil: z.string().meta({ description: 'ISO 8601: place the order (POST /orders or a checkout, with the Queue-Ticket header) before it' }) }),
    z.object({ ticket, state: z.literal('SOLD_OUT') }),
    z.object({ ticket, state: z.literal('EXPIRED'), reason: z.enum(['ADMISSION_USED', 'ADMISSION_LAPSED', 'LEFT']) }),
  ])
  .meta({ id: 'QueuePlace' });

const ticketHeaders = z.object({ 'Queue-Ticket': queueTicketSchema });

/** A drop's start and waiting room (api/routes/queue.ts, PUT /products/:id/sale). */
export function registerQueuePaths(route: RegisterRoute): void {
  const tags = ['queue'];
  const params = idParam(productIdSchema);
  route(
    {
      method: 'put',
      path: '/products/{id}/sale',
      summary: "Set a product's drop: when it goes on sale and its waiting room (admin)",
      description: 'saleStartsAt null: on sale now; queue null: no waiting room. The lottery seed of a waiting room is drawn the first time one is set and kept.',
      tags: ['products'],
      request: { params, ...jsonBody(saleSettingsSchema) },
      responses: { 200: json(productResponse, 'the product with its drop settings') },
    },
    [...BODY_CODES, 'PRODUCT_NOT_FOUND'],
  );
  route(
    {
      method: 'post',
      path: '/products/{id}/queue',
      summary: "Join a drop's waiting room (customer)",
      description: 'One ticket per buyer per drop: joining again answers the same place. Before saleStartsAt every buyer who joins is drawn by lot at the start; after it, first come, first served.',
      tags,
      request: { params },
      responses: { 201: json(queueAnswer, 'the place in line, with its ticket') },
    },
    ['VALIDATION_FAILED', 'PRODUCT_NOT_FOUND', 'QUEUE_NOT_FOUND', ...NO_BODY_CODES],
  );
  route(
    {
      method: 'get',
      path: '/products/{id}/queue',
      summary: 'Where the ticket stands: WAITING, ADMITTED, SOLD_OUT or EXPIRED (customer)',
      description: 'SOLD_OUT is answered to every waiting buyer as soon as no unit is left and no order holds any that could come back.',
      tags,
      request: { params, headers: ticketHeaders },
      responses: { 200: json(queueAnswer, 'the place in line') },
    },
    ['VALIDATION_FAILED', 'PRODUCT_NOT_FOUND', 'QUEUE_NOT_FOUND', 'QUEUE_TICKET_INVALID'],
  );
  route(
    {
      method: 'delete',
      path: '/products/{id}/queue',
      summary: 'Leave the waiting room: the place (or an unused admission) goes to the next buyer (customer)',
      tags,
      request: { params, headers: ticketHeaders },
      responses: { 204: { description: 'left' } },
    },
    ['VALIDATION_FAILED', 'PRODUCT_NOT_FOUND', 'QUEUE_NOT_FOUND', 'QUEUE_TICKET_INVALID'],
  );
}
