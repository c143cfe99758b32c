import { ApplicationFailure } from '@temporalio/common';
import type { OrderActivities } from '../../activities';
import {
  CAPTURE_DECLINED,
  INSUFFICIENT_STOCK,
  INVALID_STOCK_REQUEST,
  PAYMENT_DECLINED,
  PAYMENT_REQUEST_REJECTED,
  STORE_DATA_REJECTED,
} from '../../workflows/failures';
import type { OrderStatus } from '../../workflows/order-types';

type Behaviour = 'ok' | 'declined' | 'fails' | 'unreachable';
/** An undo that works, or one that fails for good (a non-retryable failure: the provider or the store refuses it). */
type UndoBehaviour = 'ok' | 'refused';

/**
 * Stand-ins for the saga's activities that record every call, with one switch per step to make it misbehave.
 * The payment fake keeps the provider's state, so a reversal voids or refunds as the real provider would.
 */
export class FakeActivities {
  readonly calls: string[] = [];
  stockAvailable = true;
  authorize: Behaviour[] = [];
  commit: Behaviour = 'ok';
  capture: Behaviour = 'ok';
  notify: Behaviour = 'ok';
  reverse: UndoBehaviour = 'ok';
  restore: UndoBehaviour = 'ok';
  release: UndoBehaviour = 'ok';
  /** MySQL refuses the record of this status for good (a data error). */
  saveRefusedFor: OrderStatus | undefined;
  /** A capture that fails retryably this many times (the provider is down), then goes through. */
  captureUnavailableTimes = 0;
  providerState: 'none' | 'authorized' | 'captured' | 'voided' | 'refunded' = 'none';
  /** While set, an authorisation waits for it before answering (a payment in flight). */
  authorizationGate: Promise<void> | undefined;

  /** A capture whose charge happens at the provider although every answer is lost. */
  captureChargesButAnswerIsLost = false;

  /** The coupon step: the real one (activities/coupons.ts on MariaDB) when a test hands it in; else a claim is always there. */
  coupons: Pick<OrderActivities, 'redeemCoupon' | 'giveCouponBack'> | undefined;
  /** The first redemption takes its claim, but its answer is lost (the worker died): Temporal runs the activity again. */
  redemptionAnswerLostOnce = false;

  /** Typed with `satisfies`: an activity added to the saga without a fake here fails to compile. */
  readonly activities = {
    saveOrder: async (view) => {
      this.record(`saveOrder:${view.status}`);
      if (view.status === this.saveRefusedFor) {
        throw ApplicationFailure.nonRetryable('save order: MySQL refused the data: Out of range value', STORE_DATA_REJECTED);
      }
    },
    reserveStock: async () => {
      this.record('reserveStock');
      return this.stockAvailable ? { reserved: true } : { reserved: false, productId: 1 };
    },
    releaseReservation: async () => {
      this.record('releaseReservation');
      if (this.release === 'refused') throw ApplicationFailure.nonRetryable('quantity must be a positive whole number', INVALID_STOCK_REQUEST);
    },
    settleReservation: async () => this.record('settleReservation'),
    authorizePayment: async ({ attempt }) => {
      this.record(`authorizePayment:${attempt}`);
      await this.authorizationGate;
      const behaviour = this.authorize[attempt - 1] ?? 'ok';
      if (behaviour === 'declined') throw ApplicationFailure.nonRetryable('card declined', PAYMENT_DECLINED, { code: 'card_declined' });
      if (behaviour === 'unreachable') {
        // The charge went through, but no answer ever reached us.
        this.providerState = 'authorized';
        throw new Error('provider unreachable');
      }
      this.providerState = 'authorized';
      return { authorizationId: `auth_${attempt}` };
    },
    commitStock: async () => {
      this.record('commitStock');
      if (this.commit === 'fails') throw ApplicationFailure.nonRetryable('stock ran out in MySQL', INSUFFICIENT_STOCK);
    },
    restoreStock: async () => {
      this.record('restoreStock');
      if (this.restore === 'refused') throw ApplicationFailure.nonRetryable('restore stock: MySQL refused the data', STORE_DATA_REJECTED);
    },
    capturePayment: async () => {
      this.record('capturePayment');
      if (this.captureChargesButAnswerIsLost) {
        this.providerState = 'captured';
        throw new Error('socket hang up');
      }
      if (this.captureUnavailableTimes > 0) {
        this.captureUnavailableTimes -= 1;
        throw new Error('provider answered 503');
      }
      if (this.capture === 'declined') throw ApplicationFailure.nonRetryable('capture declined', CAPTURE_DECLINED);
      this.providerState = 'captured';
    },
    reversePayment: async () => {
      this.record('reversePayment');
      if (this.reverse === 'refused') throw ApplicationFailure.nonRetryable('the provider rejected the refund', PAYMENT_REQUEST_REJECTED);
      if (this.providerState === 'authorized') {
        this.providerState = 'voided';
        return 'VOIDED' as const;
      }
      if (this.providerState === 'captured') {
        this.providerState = 'refunded';
        return 'REFUNDED' as const;
      }
      return 'NOTHING_TO_REVERSE' as const;
    },
    voidStrayAuthorizations: async () => {
      this.record('voidStrayAuthorizations');
      return 0;
    },
    redeemCoupon: async (redemption) => {
      this.record('redeemCoupon');
      const redeemed = this.coupons ? await this.coupons.redeemCoupon(redemption) : { claimId: 'clm_fake' };
      if (this.redemptionAnswerLostOnce) {
        this.redemptionAnswerLostOnce = false;
        throw new Error('the worker died before the answer was recorded');
      }
      return redeemed;
    },
    giveCouponBack: async (redeemed) => {
      this.record('giveCouponBack');
      await this.coupons?.giveCouponBack(redeemed);
    },
    notifyCustomer: async ({ kind }) => {
      this.record(`notifyCustomer:${kind}`);
      if (this.notify === 'fails') throw new Error('mail server down');
    },
  } satisfies OrderActivities;

  /** The calls, without the retries of one step. */
  distinctCalls(): string[] {
    return this.calls.filter((call, index) => call !== this.calls[index - 1]);
  }

  private record(call: string): void {
    this.calls.push(call);
  }
}
