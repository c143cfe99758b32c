import './zod-extension';
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  idempotencyKeySchema,
  newOrderSchema,
  newProductSchema,
  orderIdSchema,
  orderListQuerySchema,
  paymentSchema,
  productIdSchema,
  productListQuerySchema,
  restockSchema,
  signInSchema,
} from '../validation';
import { registerCartPaths } from './cart-paths';
import { registerAfterSalePaths } from './after-sale-paths';
import { registerConsolePaths } from './console-paths';
import { BODY_CODES, CALLER_CODES, cachingHeaders, type RegisterRoute, idParam, json, jsonBody, locationHeader, NO_BODY_CODES, SERVICE_CODES } from './route-helpers';
import { registerWebhookPaths } from './webhook-paths';
import { COUPON_AT_CHECKOUT_CODES, registerCouponPaths } from './coupon-paths';
import { DROP_CODES, orderQueueTicketHeader, registerQueuePaths } from './queue-paths';
import { healthResponse, orderResponse, pageOf, pendingOrderResponse, problemAnswers, productResponse, readinessResponse, signInResponse, signInOptionsResponse, callerResponse } from './response-schemas';
import { paymentEventSchema } from '../routes/payment-events';

/**
 * The OpenAPI 3.1 document, generated from the zod schemas the routes validate requests with (api/validation.ts) and
 * the problem codes' one definition (api/problem-codes.ts): no hand-written copy to drift. Served at /openapi.json.
 */

export function buildOpenApiDocument() {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Authorization: Bearer <JWT>; `roles` claim: customer, admin, operator',
  });
  const secured = { security: [{ [bearer.name]: [] }] };
  const route: RegisterRoute = (config, codes) =>
    registry.registerPath({ ...secured, ...config, responses: { ...config.responses, ...problemAnswers([...codes, ...CALLER_CODES, ...SERVICE_CODES]) } });

  /**
   * A catalogue read: anyone may call it (a token, when sent, is verified), answered with caching headers and, to a
   * matching If-None-Match, 304 without a body.
   */
  const publicRead: RegisterRoute = (config, codes) =>
    registry.registerPath({
      ...config,
      security: [{}, { [bearer.name]: [] }],
      responses: {
        ...Object.fromEntries(Object.entries(config.responses).map(([status, response]) => [status, { ...response, headers: cachingHeaders }])),
        304: { description: 'If-None-Match named the current ETag: the copy the client holds is current', headers: cachingHeaders },
        ...problemAnswers([...codes, 'UNAUTHENTICATED', ...SERVICE_CODES]),
      },
    });
  publicRead(
    { method: 'get', path: '/products', summary: 'The catalogue, a page at a time in id order (public); `q` finds products whose name or sku contains each of its words, case-insensitively', tags: ['products'], request: { query: productListQuerySchema }, responses: { 200: json(pageOf(productResponse, 'ProductPage'), 'a page of products') } },
    ['VALIDATION_FAILED'],
  );
  route(
    {
      method: 'post',
      path: '/products',
      summary: 'Create a product with its stock (admin)',
      tags: ['products'],
      request: jsonBody(newProductSchema),
      responses: { 201: { ...json(productResponse, 'the product, all its stock available'), headers: locationHeader } },
    },
    [...BODY_CODES, 'SKU_TAKEN'],
  );
  publicRead(
    { method: 'get', path: '/products/{id}', summary: 'One product: stock (MySQL) and availability (Redis) (public)', description: 'stock and available come from a MySQL and a Redis read that began at most STOCK_READ_MAX_AGE (100 ms by default) before the answer, shared by every request for the product meanwhile; a restock through the same API process is read back at once.', tags: ['products'], request: { params: idParam(productIdSchema) }, responses: { 200: json(productResponse, 'the product') } },
    ['VALIDATION_FAILED', 'PRODUCT_NOT_FOUND'],
  );
  route(
    {
      method: 'post',
      path: '/products/{id}/restock',
      summary: 'Add units to a product (admin)',
      tags: ['products'],
      request: { headers: z.object({ 'Idempotency-Key': idempotencyKeySchema.optional() }), params: idParam(productIdSchema), ...jsonBody(restockSchema) },
      responses: { 200: json(productResponse, 'the product with stock and availability raised; a replay of the same Idempotency-Key and quantity answers it again') },
    },
    [...BODY_CODES, 'PRODUCT_NOT_FOUND', 'STOCK_LIMIT_EXCEEDED', 'IDEMPOTENCY_KEY_REUSED'],
  );
  route(
    {
      method: 'post',
      path: '/orders',
      summary: 'Place an order: reserve its units for the hold (customer)',
      tags: ['orders'],
      request: { headers: z.object({ 'Idempotency-Key': idempotencyKeySchema.optional(), ...orderQueueTicketHeader }), ...jsonBody(newOrderSchema) },
      responses: {
        201: { ...json(orderResponse, 'the order, RESERVED; a replay of the same Idempotency-Key and body answers it again (Idempotent-Replayed: true)'), headers: locationHeader },
        202: { ...json(pendingOrderResponse, 'the order exists and is still deciding (Temporal did not answer within TEMPORAL_CALL_TIMEOUT)'), headers: locationHeader },
      },
    },
    [
      ...BODY_CODES,
      'CUSTOMER_MISMATCH',
      'PRODUCT_NOT_FOUND',
      'ORDER_TOTAL_OUT_OF_RANGE',
      'OUT_OF_STOCK',
      'IDEMPOTENCY_KEY_REUSED',
      'UNIT_LIMIT_REACHED',
      'UNPAID_ORDERS_LIMIT_REACHED',
      'RATE_LIMITED',
      ...COUPON_AT_CHECKOUT_CODES,
      ...DROP_CODES,
    ],
  );
  route(
    { method: 'get', path: '/orders', summary: "Orders newest first, a page at a time (a buyer's own; staff filter by customer)", tags: ['orders'], request: { query: orderListQuerySchema }, responses: { 200: json(pageOf(orderResponse, 'OrderPage'), 'a page of orders') } },
    ['VALIDATION_FAILED'],
  );
  route(
    {
      method: 'get',
      path: '/orders/{id}',
      summary: 'One order as last recorded',
      tags: ['orders'],
      request: { params: idParam(orderIdSchema) },
      responses: { 200: json(orderResponse, 'the order'), 202: json(pendingOrderResponse, 'placed, not yet recorded: still deciding') },
    },
    ['VALIDATION_FAILED', 'ORDER_NOT_FOUND'],
  );
  route(
    { method: 'post', path: '/orders/{id}/payment', summary: 'Pay a RESERVED order (customer)', tags: ['orders'], request: { headers: z.object({ 'Idempotency-Key': idempotencyKeySchema.optional() }), params: idParam(orderIdSchema), ...jsonBody(paymentSchema) }, responses: { 200: json(orderResponse, 'the order, CONFIRMED; a retry with the same Idempotency-Key and paymentToken joins the payment it repeats instead of starting another') } },
    [...BODY_CODES, 'ORDER_NOT_FOUND', 'PAYMENT_DECLINED', 'PAYMENT_FAILED', 'ORDER_NOT_PAYABLE', 'PAYMENT_PROVIDER_UNAVAILABLE', 'RATE_LIMITED'],
  );
  route(
    { method: 'post', path: '/orders/{id}/cancel', summary: 'Cancel an order and release its units', tags: ['orders'], request: { params: idParam(orderIdSchema) }, responses: { 200: json(orderResponse, 'the order, CANCELLED') } },
    ['VALIDATION_FAILED', 'ORDER_NOT_FOUND', 'ORDER_NOT_CANCELLABLE', ...NO_BODY_CODES],
  );
  registry.registerPath({
    method: 'post',
    path: '/auth/local-sign-in',
    summary: 'A token for a developer machine, any roles (only where AUTH_LOCAL_SIGN_IN=true)',
    description: 'Open (no token needed): the web page signs in here on a developer machine. Unless AUTH_LOCAL_SIGN_IN=true it answers 404, and tokens come from the OpenID provider.',
    tags: ['auth'],
    security: [],
    request: jsonBody(signInSchema),
    responses: { 200: json(signInResponse, 'the token'), ...problemAnswers([...BODY_CODES, 'LOCAL_SIGN_IN_DISABLED', 'UNAUTHENTICATED', ...SERVICE_CODES]) },
  });
  registry.registerPath({
    method: 'post',
    path: '/payments/events',
    summary: "The payment provider's signed events: refunds, voids and disputes (PAYMENTS_WEBHOOK_SECRET)",
    description:
      'No bearer token: the Standard Webhooks signature (webhook-id, webhook-timestamp, webhook-signature) with PAYMENTS_WEBHOOK_SECRET authenticates the sender. Idempotent by event id. A refund or void made at the provider by anyone but the service shows on the order (payment refundedCents, REFUNDED once nothing is left; or VOIDED) and is counted in payment_events_outside_total. A refund made at the provider of a CONFIRMED order is also a refund of the order, as if staff had made it through the API (SUCCEEDED, reason "refunded at the payment provider", order.refunded to subscribers): GET /orders/{id} (refunds, refundedCents, refundStatus) and GET /orders/{id}/refunds/{refundId} show it, and later refunds are checked against it. Absent (404) when PAYMENTS_WEBHOOK_SECRET is unset.',
    tags: ['payments'],
    security: [],
    request: {
      headers: z.object({ 'webhook-id': z.string(), 'webhook-timestamp': z.string(), 'webhook-signature': z.string() }),
      body: { content: { 'application/json': { schema: paymentEventSchema } } },
    },
    responses: {
      200: json(z.object({ received: z.literal(true), recorded: z.boolean().meta({ description: 'false: this event id was recorded before' }) }), 'the event is recorded'),
      ...problemAnswers(['PAYMENT_EVENT_UNVERIFIED', 'MALFORMED_JSON', 'VALIDATION_FAILED', 'ROUTE_NOT_FOUND', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', ...SERVICE_CODES]),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/auth/config',
    summary: 'How the web page signs people in: the OpenID provider (issuer, client id, redirect URI, scope) and whether the local form is on',
    description: 'Open (no token needed); nothing secret: the page is a public client.',
    tags: ['auth'],
    security: [],
    responses: { 200: json(signInOptionsResponse, 'the sign-in options') },
  });
  route(
    { method: 'get', path: '/auth/me', summary: 'The caller as the API reads the token (sub and roles)', tags: ['auth'], responses: { 200: json(callerResponse, 'the caller') } },
    [],
  );
  registerCartPaths(route);
  registerAfterSalePaths(route);
  registerConsolePaths(route);
  registerWebhookPaths(registry, route);
  registerCouponPaths(route);
  registerQueuePaths(route);
  registry.registerPath({ method: 'get', path: '/healthz', summary: 'The process answers', tags: ['health'], responses: { 200: json(healthResponse, 'up') } });
  registry.registerPath({
    method: 'get',
    path: '/readyz',
    summary: 'Every dependency an order needs answers, and a worker polls the order task queue',
    tags: ['health'],
    responses: { 200: json(readinessResponse, 'ready'), 503: json(readinessResponse, 'not ready') },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Order saga service',
      version: '1.0.0',
      description: 'Flash-sale orders: one durable Temporal workflow per order. Errors are application/problem+json with a stable `code`.',
    },
    servers: [{ url: '/' }],
  });
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;

