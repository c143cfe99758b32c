/**
 * One attempt at a webhook delivery: POST the stored event, signed per Standard Webhooks (webhook-id,
 * webhook-timestamp, webhook-signature: HMAC-SHA256 with the endpoint's whsec_ secret, and with the previous one
 * too while a rotation's grace lasts). A 2xx answer marks the delivery DELIVERED; anything else is recorded and
 * thrown, so Temporal retries with backoff. Redirects are not followed. Before every connection the SSRF guard
 * checks the addresses of the URL's host (IP literals included) against this process's WEBHOOK_ALLOWED_HOSTS, and
 * the connection goes to those addresses only.
 *
 * The delivery log is read by admins, who should learn whether an endpoint answers, not which ports of which hosts
 * are open: a connection that is refused, times out or fails in any other way is recorded as "endpoint unreachable".
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { MikroORM } from '@mikro-orm/core';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Webhook } from 'standardwebhooks';
import type { DeliveryOutcome } from '../webhooks/delivery-types';
import { closeDelivery, loadDeliveryTarget, recordAttempt } from '../webhooks/store';
import { deliverableAddresses, deliveryLookup, ForbiddenWebhookTarget } from '../webhooks/url-guard';

export interface WebhookActivityOptions {
  /** Hosts the SSRF guard lets through by name (WEBHOOK_ALLOWED_HOSTS of the delivering process). */
  allowedHosts: ReadonlySet<string>;
  /** Per request; below the attempt's start-to-close timeout. */
  requestTimeoutMs?: number;
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;

export function createWebhookActivities(orm: MikroORM, options: WebhookActivityOptions) {
  const { allowedHosts } = options;
  return {
    async deliverWebhook({ eventId, endpointId }: { eventId: string; endpointId: string }): Promise<DeliveryOutcome> {
      const target = await loadDeliveryTarget(orm, eventId, endpointId);
      if (!target) return 'CANCELLED';
      if (target.status !== 'PENDING') return target.status === 'DELIVERED' ? 'DELIVERED' : 'CANCELLED';
      if (!target.endpointActive) {
        await closeDelivery(orm, eventId, endpointId, 'CANCELLED');
        return 'CANCELLED';
      }
      const sentAt = new Date();
      const signature = target.secrets.map((secret) => new Webhook(secret).sign(eventId, sentAt, target.payload)).join(' ');
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'order-saga-webhooks/1',
        'webhook-id': eventId,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': signature,
      };
      const attempt = Context.current().info.attempt;
      const started = Date.now();
      let statusCode: number | null = null;
      let error: string | null = null;
      try {
        statusCode = await post(new URL(target.url), headers, target.payload, { allowedHosts, timeoutMs: options.requestTimeoutMs ?? 10_000 });
      } catch (failure) {
        error = failure instanceof ForbiddenWebhookTarget ? ENDPOINT_NOT_ALLOWED : ENDPOINT_UNREACHABLE;
      }
      const delivered = statusCode !== null && statusCode >= 200 && statusCode < 300;
      await recordAttempt(orm, { eventId, endpointId, attempt, statusCode, error, durationMs: Date.now() - started }, delivered);
      if (delivered) return 'DELIVERED';
      throw ApplicationFailure.retryable(error ?? `the endpoint answered ${statusCode}`, 'WebhookNotAccepted');
    },

    async closeWebhookDelivery({ eventId, endpointId, status }: { eventId: string; endpointId: string; status: 'FAILED' | 'CANCELLED' }): Promise<void> {
      await closeDelivery(orm, eventId, endpointId, status);
    },
  };
}

/** What the delivery log says of an attempt that got no answer, whatever the socket's error was. */
export const ENDPOINT_UNREACHABLE = 'endpoint unreachable';
/** What it says of an attempt the SSRF guard stopped before connecting. */
export const ENDPOINT_NOT_ALLOWED = 'endpoint address not allowed';

/** POSTs, once the guard has passed the addresses, and resolves with the status code once the answer (bounded) is read; no redirect is followed. */
async function post(
  target: URL,
  headers: Record<string, string>,
  body: string,
  { allowedHosts, timeoutMs }: { allowedHosts: ReadonlySet<string>; timeoutMs: number },
): Promise<number> {
  const lookup = deliveryLookup(await deliverableAddresses(target, allowedHosts));
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      target,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup: lookup as never, timeout: timeoutMs, agent: false },
      (response) => {
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > 64 * 1024) response.destroy();
        });
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('close', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
