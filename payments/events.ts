import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { Webhook } from 'standardwebhooks';
import { accountOf, type AccountId } from './accounts';
import type { Authorization, Refund } from './types';

/**
 * Signed events to the merchant, as providers announce what happened to a payment (Stripe's `charge.refunded`,
 * `charge.dispute.created`): every void, refund and dispute of the account of PAYMENTS_API_KEY is POSTed to
 * PAYMENTS_EVENTS_URL, signed per Standard Webhooks with PAYMENTS_WEBHOOK_SECRET. Like Stripe's `request` field, an
 * event carries the Idempotency-Key of the request that caused it (null for a dispute, which the cardholder's bank
 * opens): that is how the service tells its own compensations from what was done at the provider by anyone else.
 * Delivery is retried a few times with growing pauses, then given up with an error line (in memory: a restart
 * forgets undelivered events; the checker's I3 still finds what the service has not recorded).
 */
export type ProviderEventType = 'authorization.voided' | 'authorization.refunded' | 'dispute.created';

/** The one refund an `authorization.refunded` event announces (its authorisation's totals cover every refund so far). */
export interface AnnouncedRefund {
  id: string;
  amountCents: number;
}

export interface ProviderEvent {
  id: string;
  type: ProviderEventType;
  createdAt: string;
  /** `refund`: the refund made, for `authorization.refunded`; null for a void or a dispute. */
  data: { authorization: Authorization; idempotencyKey: string | null; refund: AnnouncedRefund | null };
}

export interface ProviderEventsOptions {
  /** Where the merchant receives events (PAYMENTS_EVENTS_URL), e.g. http://127.0.0.1:3000/payments/events. */
  url: string;
  /** The signing secret, whsec_<base64> (PAYMENTS_WEBHOOK_SECRET). */
  secret: string;
  /** The merchant's key (PAYMENTS_API_KEY): only its account's events go to `url`. */
  apiKey: string;
  logger?: Logger;
  /** Pauses before each re-send of an event the merchant did not take (no 2xx). */
  retryDelaysMs?: readonly number[];
}

const DEFAULT_RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

export function providerEvents(options: ProviderEventsOptions) {
  const account = accountOf(options.apiKey);
  const webhook = new Webhook(options.secret);
  const retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;

  async function deliver(event: ProviderEvent): Promise<void> {
    const body = JSON.stringify(event);
    for (let attempt = 0; ; attempt += 1) {
      const sentAt = new Date();
      const status = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': event.id,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': webhook.sign(event.id, sentAt, body),
        },
        body,
        signal: AbortSignal.timeout(5_000),
      }).then(
        (response) => response.status,
        () => 0,
      );
      if (status >= 200 && status < 300) return;
      if (attempt >= retryDelaysMs.length) {
        options.logger?.error({ eventId: event.id, type: event.type, status }, 'payment event not delivered: given up');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, retryDelaysMs[attempt]).unref());
    }
  }

  return {
    /** Announces a change of `owner`'s authorisation (and the refund that made it, if one did), if that is the merchant's account; never waits. */
    announce(owner: AccountId, type: ProviderEventType, authorization: Authorization, idempotencyKey: string | null, refund: Refund | null = null): void {
      if (owner !== account) return;
      const data = { authorization, idempotencyKey, refund: refund && { id: refund.id, amountCents: refund.amountCents } };
      const event: ProviderEvent = { id: `evt_${randomBytes(12).toString('hex')}`, type, createdAt: new Date().toISOString(), data };
      void deliver(event);
    },
  };
}

export type ProviderEvents = ReturnType<typeof providerEvents>;
