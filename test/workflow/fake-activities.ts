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
import { activityFailed, expectTemporalWarnings } from '../support/temporal-warnings';

type Behaviour = 'ok' | 'declined' | 'fails' | 'unreachable';
/** An undo that works, or one that fails for good (a non-retryable failure: the provider or the store refuses it). */
type UndoBehaviour = 'ok' | 'refused';

/**
 * Stand-ins for the saga's activities that record every call, with one switch per step to make it misbehave.
 * The payment fake keeps the provider's state, so a reversal voids or refunds as the real provider would.
 * A failure a switch asks for is declared expected as it is thrown (`onPurpose`), so the SDK's warning for it is not
 * printed; any other failure still is.
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
        throw onPurpose('saveOrder', ApplicationFailure.nonRetryable('save order: MySQL refused the data: Out of range value', STORE_DATA_REJECTED), ORDER_ENDED_UNRECORDED);
      }
    },
    reserveStock: async () => {
      this.record('reserveStock');
      return this.stockAvailable ? { reserved: true } : { reserved: false, productId: 1 };
    },
    releaseReservation: async () => {
      this.record('releaseReservation');
      if (this.release === 'refused') throw onPurpose('releaseReservation', ApplicationFailure.nonRetryable('quantity must be a positive whole number', INVALID_STOCK_REQUEST), UNDO_FAILED);
    },
    settleReservation: async () => this.record('settleReservation'),
    authorizePayment: async ({ attempt }) => {
      this.record(`authorizePayment:${attempt}`);
      await this.authorizationGate;
      const behaviour = this.authorize[attempt - 1] ?? 'ok';
      if (behaviour === 'declined') throw onPurpose('authorizePayment', ApplicationFailure.nonRetryable('card declined', PAYMENT_DECLINED, { code: 'card_declined' }));
      if (behaviour === 'unreachable') {
        // The charge went through, but no answer ever reached us.
        this.providerState = 'authorized';
        throw onPurpose('authorizePayment', new Error('provider unreachable'));
      }
      this.providerState = 'authorized';
      return { authorizationId: `auth_${attempt}` };
    },
    commitStock: async () => {
      this.record('commitStock');
      if (this.commit === 'fails') throw onPurpose('commitStock', ApplicationFailure.nonRetryable('stock ran out in MySQL', INSUFFICIENT_STOCK));
    },
    restoreStock: async () => {
      this.record('restoreStock');
      if (this.restore === 'refused') throw onPurpose('restoreStock', ApplicationFailure.nonRetryable('restore stock: MySQL refused the data', STORE_DATA_REJECTED), UNDO_FAILED);
    },
    capturePayment: async () => {
      this.record('capturePayment');
      if (this.captureChargesButAnswerIsLost) {
        this.providerState = 'captured';
        throw onPurpose('capturePayment', new Error('socket hang up'), LONG_LOCAL_RETRIES);
      }
      if (this.captureUnavailableTimes > 0) {
        this.captureUnavailableTimes -= 1;
        throw onPurpose('capturePayment', new Error('provider answered 503'), LONG_LOCAL_RETRIES);
      }
      if (this.capture === 'declined') throw onPurpose('capturePayment', ApplicationFailure.nonRetryable('capture declined', CAPTURE_DECLINED));
      this.providerState = 'captured';
    },
    reversePayment: async () => {
      this.record('reversePayment');
      if (this.reverse === 'refused') throw onPurpose('reversePayment', ApplicationFailure.nonRetryable('the provider rejected the refund', PAYMENT_REQUEST_REJECTED), UNDO_FAILED);
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
        throw onPurpose('redeemCoupon', new Error('the worker died before the answer was recorded'));
      }
      return redeemed;
    },
    giveCouponBack: async (redeemed) => {
      this.record('giveCouponBack');
      await this.coupons?.giveCouponBack(redeemed);
    },
    notifyCustomer: async ({ kind }) => {
      this.record(`notifyCustomer:${kind}`);
      if (this.notify === 'fails') throw onPurpose('notifyCustomer', new Error('mail server down'), NOTIFICATION_GAVE_UP);
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

/** What the workflow itself logs when a failure it meets is one a test caused on purpose. */
const UNDO_FAILED = /^\[temporal ERROR\] an undo failed for good: staff must act /;
const ORDER_ENDED_UNRECORDED = /^\[temporal ERROR\] order ended FAILED without a MySQL record /;
const NOTIFICATION_GAVE_UP = /^\[temporal WARN\] notification gave up /;
/** A capture retried in the worker (its quick local tries) keeps the workflow task open past the SDK's 5 s notice. */
const LONG_LOCAL_RETRIES = /^\[temporal WARN\] \[TMPRL1104\] \S+ Workflow task duration exceeded 5 seconds\. \(orderWorkflow\)$/;

/** A failure a switch asked for: the SDK's warning for it, and what the workflow logs about it, are expected. */
function onPurpose(activityType: string, error: Error, ...workflowLogs: RegExp[]): Error {
  expectTemporalWarnings(activityFailed(activityType, error.message), ...workflowLogs);
  return error;
}
