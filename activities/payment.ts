import { activityInfo, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { PaymentsError, type PaymentsClient } from '../payments/client';
import { CAPTURE_DECLINED, PAYMENT_DECLINED, PAYMENT_REQUEST_REJECTED } from '../workflows/failures';
import { sagaReversalKeys } from '../payments/saga-keys';

export interface AuthorizePaymentInput {
  orderId: string;
  /** Bumped by the workflow for each new payment method, so a new attempt gets a new idempotency key. */
  attempt: number;
  amountCents: number;
  paymentToken: string;
}

export interface CapturePaymentInput {
  orderId: string;
  authorizationId: string;
}

export interface VoidStrayAuthorizationsInput {
  orderId: string;
  /** The authorization the order was paid with; every other one of the order is a stray. */
  keepAuthorizationId: string;
}

export interface ReversePaymentInput {
  orderId: string;
  /** May be unknown (the answer was lost); the provider is asked by order id in any case. */
  authorizationId?: string;
}

/** The state the order's money is left in; the same on a second run as on the first. */
export type ReversePaymentResult = 'VOIDED' | 'REFUNDED' | 'NOTHING_TO_REVERSE';

/**
 * Declines and refused requests become non-retryable failures; everything else (timeouts, network
 * errors, 5xx, a key still in flight) is thrown as is, so Temporal retries it under the same key.
 */
function toFailure(error: unknown, declinedType: string): unknown {
  if (!(error instanceof PaymentsError) || error.kind === 'retryable') return error;
  const details = { code: error.code, status: error.status };
  if (error.kind === 'declined') return ApplicationFailure.nonRetryable(error.message, declinedType, details);
  return ApplicationFailure.nonRetryable(error.message, PAYMENT_REQUEST_REJECTED, details);
}

const STRENGTH: Record<ReversePaymentResult, number> = { NOTHING_TO_REVERSE: 0, VOIDED: 1, REFUNDED: 2 };
/** Re-reads allowed when the state moves between our read and our write (a straggling capture). */
const REVERSE_ROUNDS = 3;

export function createPaymentActivities(payments: PaymentsClient) {
  async function reverseOne(orderId: string, authorizationId: string): Promise<ReversePaymentResult> {
    for (let round = 0; round < REVERSE_ROUNDS; round += 1) {
      const authorization = await payments.get(authorizationId);
      try {
        switch (authorization?.status) {
          case undefined:
            return 'NOTHING_TO_REVERSE';
          case 'authorized':
            await payments.void(authorizationId, sagaReversalKeys(orderId, authorizationId).void);
            return 'VOIDED';
          case 'captured':
            await payments.refund(authorizationId, sagaReversalKeys(orderId, authorizationId).refund);
            return 'REFUNDED';
          case 'voided':
            return 'VOIDED';
          case 'refunded':
            return 'REFUNDED';
        }
      } catch (error) {
        if (!(error instanceof PaymentsError && error.kind === 'invalid_state')) throw error;
      }
    }
    throw new Error(`authorization ${authorizationId} kept changing state while being reversed`);
  }

  return {
    async authorizePayment(input: AuthorizePaymentInput): Promise<{ authorizationId: string }> {
      const { orderId, attempt, amountCents, paymentToken } = input;
      try {
        const authorization = await payments.authorize(
          { amountCents, currency: 'EUR', paymentToken, reference: orderId },
          `${orderId}:authorize:${attempt}`,
        );
        log.info('payment authorized', { orderId, attempt, authorizationId: authorization.id });
        return { authorizationId: authorization.id };
      } catch (error) {
        log.warn('payment authorization failed', { orderId, attempt, error: (error as Error).message });
        throw toFailure(error, PAYMENT_DECLINED);
      }
    },

    async capturePayment({ orderId, authorizationId }: CapturePaymentInput): Promise<void> {
      try {
        // A retry first asks whether an earlier attempt's capture went through with its answer lost: the provider
        // holds that key busy (409) for a while, and the sale must not be refunded just because the answer was.
        if (activityInfo().attempt > 1 && (await payments.get(authorizationId))?.status === 'captured') {
          log.info('payment capture found done by an earlier attempt', { orderId, authorizationId });
          return;
        }
        await payments.capture(authorizationId, `${orderId}:capture`);
        log.info('payment captured', { orderId, authorizationId });
      } catch (error) {
        log.warn('payment capture failed', { orderId, authorizationId, error: (error as Error).message });
        throw toFailure(error, CAPTURE_DECLINED);
      }
    },

    /**
     * The compensation: every authorization made for the order is voided or refunded, the known one
     * and any whose answer was lost (found by order id). It reads the provider's state first, because
     * an earlier run may already have moved it.
     */
    async reversePayment({ orderId, authorizationId }: ReversePaymentInput): Promise<ReversePaymentResult> {
      try {
        const found = (await payments.listByReference(orderId)).map((authorization) => authorization.id);
        const ids = [...new Set(authorizationId ? [authorizationId, ...found] : found)];
        let result: ReversePaymentResult = 'NOTHING_TO_REVERSE';
        for (const id of ids) {
          const one = await reverseOne(orderId, id);
          if (STRENGTH[one] > STRENGTH[result]) result = one;
        }
        log.info('payment reversed', { orderId, authorizationIds: ids, result });
        return result;
      } catch (error) {
        log.warn('payment reversal failed', { orderId, authorizationId, error: (error as Error).message });
        throw toFailure(error, PAYMENT_REQUEST_REJECTED);
      }
    },

    /**
     * After a successful capture: an earlier attempt whose answer was lost may have authorised too. Such strays
     * are released (voided, or refunded if somehow captured), so every hold on the buyer's card ends.
     */
    async voidStrayAuthorizations({ orderId, keepAuthorizationId }: VoidStrayAuthorizationsInput): Promise<number> {
      const strays = (await payments.listByReference(orderId)).filter(
        (authorization) => authorization.id !== keepAuthorizationId && (authorization.status === 'authorized' || authorization.status === 'captured'),
      );
      for (const stray of strays) await reverseOne(orderId, stray.id);
      if (strays.length > 0) log.warn('stray authorizations released', { orderId, authorizationIds: strays.map((stray) => stray.id) });
      return strays.length;
    },
  };
}

export type PaymentActivities = ReturnType<typeof createPaymentActivities>;
