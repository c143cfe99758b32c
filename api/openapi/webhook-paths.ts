import './zod-extension';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { WEBHOOK_EVENT_TYPES } from '../../webhooks/events';
import { deliveryListQuerySchema, newWebhookSchema, webhookIdSchema } from '../validation';
import { BODY_CODES, idParam, json, jsonBody, locationHeader, NO_BODY_CODES, type RegisterRoute } from './route-helpers';
import {
  newWebhookEndpointResponse,
  orderEventData,
  soldOutEventData,
  refundEventData,
  returnEventData,
  rotatedSecretResponse,
  webhookDeliveryHeaders,
  webhookDeliveryPage,
  webhookEndpointListResponse,
  webhookEndpointResponse,
  webhookEventBody,
} from './webhook-schemas';

/** What a client (and schemathesis's stateful phase) can do next with the id a registration answers. */
const linksToTheEndpoint = Object.fromEntries(
  ['getWebhook', 'listWebhookDeliveries', 'rotateWebhookSecret', 'deleteWebhook'].map((operationId) => [operationId, { operationId, parameters: { id: '$response.body#/id' } }]),
);

/** The webhook routes (api/routes/webhooks.ts, admin only) and, under `webhooks`, the events sent to endpoints. */
const EVENT_SUMMARIES: Partial<Record<(typeof WEBHOOK_EVENT_TYPES)[number], string>> = {
  'product.sold_out': 'A reservation took the last available unit of a product',
  'order.refunded': 'A refund of an order succeeded at the provider',
  'refund.failed': 'A refund of an order failed (declined, or no answer within an hour): staff must act',
  'return.received': "Staff received a return: its sellable units are back on sale, its refund is issued",
};

export function registerWebhookPaths(registry: OpenAPIRegistry, route: RegisterRoute): void {
  const tags = ['webhooks'];
  const id = idParam(webhookIdSchema);
  route(
    {
      operationId: 'createWebhook',
      method: 'post',
      path: '/webhooks',
      summary: 'Register an endpoint for signed order events (admin)',
      description: "The URL's host must resolve only to global unicast addresses (no private, loopback, link-local, IPv4-mapped, NAT64 or 6to4 ones) unless WEBHOOK_ALLOWED_HOSTS names it (400 on body.url); the delivering worker checks again, with its own list, before every connection.",
      tags,
      request: jsonBody(newWebhookSchema),
      responses: {
        201: { ...json(newWebhookEndpointResponse, 'the endpoint, with its signing secret (shown only here)'), headers: locationHeader, links: linksToTheEndpoint },
      },
    },
    BODY_CODES,
  );
  route({ operationId: 'listWebhooks', method: 'get', path: '/webhooks', summary: 'Every registered endpoint, without secrets (admin)', tags, responses: { 200: json(webhookEndpointListResponse, 'the endpoints, oldest first') } }, []);
  route(
    { operationId: 'getWebhook', method: 'get', path: '/webhooks/{id}', summary: 'One endpoint, without its secret (admin)', tags, request: { params: id }, responses: { 200: json(webhookEndpointResponse, 'the endpoint') } },
    ['VALIDATION_FAILED', 'WEBHOOK_NOT_FOUND'],
  );
  route(
    {
      operationId: 'deleteWebhook',
      method: 'delete',
      path: '/webhooks/{id}',
      summary: 'Delete an endpoint: its pending deliveries stop at their next attempt (admin)',
      tags,
      request: { params: id },
      responses: { 204: { description: 'deleted' } },
    },
    ['VALIDATION_FAILED', 'WEBHOOK_NOT_FOUND'],
  );
  route(
    {
      operationId: 'rotateWebhookSecret',
      method: 'post',
      path: '/webhooks/{id}/rotate-secret',
      summary: 'A new signing secret; the old one also signs for 24 h (admin)',
      tags,
      request: { params: id },
      responses: { 200: json(rotatedSecretResponse, 'the new secret') },
    },
    ['VALIDATION_FAILED', 'WEBHOOK_NOT_FOUND', ...NO_BODY_CODES],
  );
  route(
    {
      operationId: 'listWebhookDeliveries',
      method: 'get',
      path: '/webhooks/{id}/deliveries',
      summary: "The endpoint's delivery log, newest first, a page at a time, with every attempt (admin)",
      tags,
      request: { params: id, query: deliveryListQuerySchema },
      responses: { 200: json(webhookDeliveryPage, 'a page of deliveries') },
    },
    ['VALIDATION_FAILED', 'WEBHOOK_NOT_FOUND'],
  );

  // Schemas only the webhooks section uses are not collected into the components on their own: registered here.
  registry.register('OrderEventData', orderEventData);
  registry.register('SoldOutEventData', soldOutEventData);
  registry.register('RefundEventData', refundEventData);
  registry.register('ReturnEventData', returnEventData);
  for (const type of WEBHOOK_EVENT_TYPES) {
    registry.registerWebhook({
      method: 'post',
      path: type,
      summary: EVENT_SUMMARIES[type] ?? `An order reached ${type.slice('order.'.length).toUpperCase()}`,
      tags: ['webhook events'],
      request: { headers: webhookDeliveryHeaders, body: { required: true, content: { 'application/json': { schema: webhookEventBody(type) } } } },
      responses: { 200: { description: 'any 2xx answer acknowledges the event; anything else (or no answer within 30 s) is retried' } },
    });
  }
}
