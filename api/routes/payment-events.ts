import express, { Router } from 'express';
import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { isOwnRefund, recordPaymentEvent } from '../../db/payment-events';
import { isSagaReversal } from '../../payments/saga-keys';
import type { AfterSaleClient } from '../../temporal/after-sale-client';
import type { ApiMetrics } from '../../telemetry/api-metrics';
import type { WebhookEmitter } from '../../webhooks/emitter';
import { Problem } from '../problem';
import { parse } from '../validation';

export const paymentEventSchema = z
  .object({
    id: z.string().regex(/^evt_[A-Za-z0-9]{1,60}$/, 'is not an event id'),
    type: z.enum(['authorization.voided', 'authorization.refunded', 'dispute.created']),
    createdAt: z.iso.datetime(),
    data: z.object({
      authorization: z.object({
        id: z.string().min(1).max(128),
        reference: z.string().min(1).max(64),
        status: z.enum(['authorized', 'captured', 'voided', 'refunded']),
        capturedAmountCents: z.int().min(0),
        refundedAmountCents: z.int().min(0),
      }),
      idempotencyKey: z.string().max(255).nullable(),
      // Optional: events of a provider that does not name the refund still record its totals on the payment.
      refund: z
        .object({
          id: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'is not a refund id'),
          amountCents: z.int().min(1),
        })
        .nullable()
        .optional()
        .meta({ description: 'the one refund an authorization.refunded event announces (the provider id and its own amount); null otherwise' }),
    }),
  })
  .meta({ id: 'PaymentEvent', description: 'an event of the payment provider, signed per Standard Webhooks' });

/**
 * POST /payments/events: the payment provider's signed events (payments/events.ts). Authenticated by its Standard
 * Webhooks signature with PAYMENTS_WEBHOOK_SECRET, not by a bearer token: 401 PAYMENT_EVENT_UNVERIFIED otherwise.
 * Idempotent by event id. A refund or void someone made at the provider (not the saga's own compensation) becomes the
 * order's payment state, and staff are told: a warning in the log and payment_events_outside_total. A refund made at
 * the provider of a CONFIRMED order is also a refund of the order, as one made through the API is: a SUCCEEDED row
 * (order.refunded to subscribers) that the order's after-sale workflow is told of, so its checks count it.
 */
export function paymentEventsRouter(deps: {
  orm: MikroORM;
  secret: string;
  logger: Logger;
  afterSale: Pick<AfterSaleClient, 'refundedAtProvider'>;
  webhooks?: WebhookEmitter;
  metrics?: ApiMetrics;
}): Router {
  const webhook = new Webhook(deps.secret);
  const router = Router();
  // The signature covers the exact bytes sent, so the body is read as text and parsed only once it is verified.
  router.post('/events', express.text({ type: () => true, limit: '16kb' }), async (req, res) => {
    const body = typeof req.body === 'string' ? req.body : '';
    const headers = { 'webhook-id': req.get('webhook-id') ?? '', 'webhook-timestamp': req.get('webhook-timestamp') ?? '', 'webhook-signature': req.get('webhook-signature') ?? '' };
    try {
      webhook.verify(body, headers);
    } catch {
      throw new Problem('PAYMENT_EVENT_UNVERIFIED', 'the event is not signed with the provider secret this service knows, or is too old', { field: 'header.webhook-signature' });
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new Problem('MALFORMED_JSON', 'the event is not valid JSON');
    }
    const event = parse(paymentEventSchema, json, 'body');
    const { authorization, idempotencyKey, refund } = event.data;
    const own =
      event.type !== 'dispute.created' &&
      (isSagaReversal(idempotencyKey, authorization.reference, authorization.id) || (await isOwnRefund(deps.orm, idempotencyKey, authorization.reference)));
    const outside = !own;
    const { recorded, refund: orderRefund, webhookEvents } = await recordPaymentEvent(
      deps.orm,
      {
        id: event.id,
        type: event.type,
        authorizationId: authorization.id,
        orderId: authorization.reference,
        amountCents: event.type === 'authorization.refunded' ? authorization.refundedAmountCents : event.type === 'dispute.created' ? authorization.capturedAmountCents : 0,
        outside,
        fullyRefunded: authorization.status === 'refunded',
        refund,
      },
      (em, events) => deps.webhooks?.recordEvents(em, events) ?? Promise.resolve([]),
    );
    if (webhookEvents.length > 0) await deps.webhooks?.start(webhookEvents);
    // Also for a repeated event: the workflow ignores a refund it knows, and a failure here (answered 5xx) makes the
    // provider deliver again, so the workflow is told in the end.
    if (orderRefund) await deps.afterSale.refundedAtProvider(orderRefund.orderId, orderRefund);
    if (recorded && outside) {
      deps.metrics?.paymentEventsOutside.inc({ type: event.type });
      deps.logger.warn({ eventId: event.id, type: event.type, orderId: authorization.reference, authorizationId: authorization.id }, 'payment changed at the provider, not by the service: staff should look');
    }
    res.json({ received: true, recorded });
  });
  return router;
}
