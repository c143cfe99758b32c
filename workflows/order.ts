import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { OrderActivities } from '../activities';
import { orderStatusKey } from '../temporal/names';
import {
  cancelOrderUpdate,
  getOrderQuery,
  ORDER_NOT_CANCELLABLE,
  ORDER_NOT_PAYABLE,
  payOrderUpdate,
  placeOrderUpdate,
  type PayOrderRequest,
} from './messages';
import {
  CAPTURE_DECLINED,
  INSUFFICIENT_STOCK,
  PAYMENT_DECLINED,
  PAYMENT_UNAVAILABLE,
  TERMINAL_STATUSES,
  type NotificationKind,
  type OrderInput,
  type OrderStatus,
  type OrderView,
  type PaymentView,
} from './order-types';

/** Redis and MySQL steps: idempotent and bound to succeed once the store is back, so they retry until they do. */
const STORE_STEP: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '10s', nonRetryableErrorTypes: [INSUFFICIENT_STOCK] },
};

/** Provider calls: a few retries for transient failures (same idempotency key), declines are final. */
const PAYMENT_STEP: ActivityOptions = {
  startToCloseTimeout: '15s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 5, nonRetryableErrorTypes: [PAYMENT_DECLINED, CAPTURE_DECLINED] },
};

/** Undoing a payment must happen eventually, whatever the provider's mood: no attempt limit. */
const REVERSAL_STEP: ActivityOptions = {
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
};

/** Notification comes after the pivot: retried for about an hour, never compensated. */
const NOTIFY_STEP: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 15 },
};

const step = (options: ActivityOptions, summary: string) => proxyActivities<OrderActivities>({ ...options, summary });

/**
 * Version marker: from here on the short Redis and MySQL steps run as local activities, in the worker that runs the
 * workflow, without a server round trip each. Orders started before keep their scheduled activities on replay.
 */
export const STORE_STEPS_RUN_LOCALLY = 'store-steps-run-locally';

type HoldOutcome = 'PAID' | 'CANCELLED' | 'EXPIRED';

/** One order, from reservation to a terminal status; compensations run newest first when a step fails. */
export async function orderWorkflow(input: OrderInput): Promise<OrderView> {
  const { orderId, customerId, lines, totalCents } = input;
  const stockLines = lines.map(({ productId, quantity }) => ({ productId, quantity }));
  const units = lines.reduce((sum, line) => sum + line.quantity, 0);
  const storeStepsRunLocally = patched(STORE_STEPS_RUN_LOCALLY);
  const storeStep = (summary: string) =>
    storeStepsRunLocally ? proxyLocalActivities<OrderActivities>({ ...STORE_STEP, summary }) : step(STORE_STEP, summary);

  let status: OrderStatus = 'PENDING';
  let reservedUntil: string | null = null;
  let payment: PaymentView | null = null;
  let failureReason: string | undefined;
  const notifications: NotificationKind[] = [];
  let paymentAttempts = 0;
  let paymentInFlight = false;
  let cancelRequested = false;
  let holdEnded = false;
  /** Undo steps of what has been done so far; run newest first. */
  const compensations: Array<() => Promise<unknown>> = [];

  const isTerminal = () => TERMINAL_STATUSES.includes(status);
  /** Payment and cancellation are open only while the hold runs and nothing else is deciding the order. */
  const isOpenForDecision = () =>
    status === 'RESERVED' && !holdEnded && !paymentInFlight && !cancelRequested && payment?.status !== 'AUTHORIZED';
  const view = (): OrderView => ({
    id: orderId,
    customerId,
    status,
    items: lines,
    totalCents,
    reservedUntil,
    payment,
    notifications: [...notifications],
    requestHash: input.requestHash,
    ...(failureReason ? { failureReason } : {}),
  });

  setHandler(getOrderQuery, view);

  setHandler(placeOrderUpdate, async () => {
    await condition(() => status !== 'PENDING');
    return view();
  });

  setHandler(
    payOrderUpdate,
    async ({ paymentToken }: PayOrderRequest) => {
      await authorize(paymentToken);
      await condition(isTerminal);
      return view();
    },
    {
      validator: (_request: PayOrderRequest) => {
        if (!isOpenForDecision()) {
          throw ApplicationFailure.create({ type: ORDER_NOT_PAYABLE, message: `order ${orderId} is ${status} and cannot be paid now` });
        }
      },
    },
  );

  setHandler(
    cancelOrderUpdate,
    async () => {
      cancelRequested = true;
      await condition(isTerminal);
      return view();
    },
    {
      validator: () => {
        if (!isOpenForDecision()) {
          throw ApplicationFailure.create({ type: ORDER_NOT_CANCELLABLE, message: `order ${orderId} is ${status} and cannot be cancelled` });
        }
      },
    },
  );

  /** The new status is recorded in MySQL before callers see it, so a read right after an answer agrees with it. */
  async function moveTo(next: OrderStatus): Promise<void> {
    await storeStep(`Record order ${next}`).saveOrder({ ...view(), status: next });
    status = next;
    upsertSearchAttributes([{ key: orderStatusKey, value: next }]);
  }

  async function reserveStock(): Promise<boolean> {
    // The order is durable in MySQL before its hold exists in Redis, so availability can always be rebuilt from MySQL.
    await storeStep('Record order PENDING').saveOrder(view());
    const reservation = await storeStep(`Reserve ${units} unit(s) in Redis`).reserveStock({ orderId, lines: stockLines });
    if (!reservation.reserved) {
      failureReason = `product ${reservation.productId} is out of stock`;
      await moveTo('REJECTED');
      return false;
    }
    compensations.push(() => storeStep('Release the Redis reservation').releaseReservation({ orderId, lines: stockLines }));
    reservedUntil = new Date(Date.now() + input.holdMs).toISOString();
    await moveTo('RESERVED');
    return true;
  }

  async function authorize(paymentToken: string): Promise<void> {
    paymentInFlight = true;
    const attempt = ++paymentAttempts;
    if (attempt === 1) {
      // Registered before the first call: an authorisation whose answer was lost is still found (by order) and voided.
      compensations.push(() => step(REVERSAL_STEP, 'Void or refund the payment').reversePayment({ orderId, authorizationId: payment?.authorizationId }));
    }
    try {
      const { authorizationId } = await step(PAYMENT_STEP, `Authorise ${totalCents} cents`).authorizePayment({
        orderId,
        attempt,
        amountCents: totalCents,
        paymentToken,
      });
      payment = { status: 'AUTHORIZED', amountCents: totalCents, authorizationId };
    } catch (error) {
      const declineCode = declineCodeOf(error);
      if (declineCode === undefined) {
        // Retries spent without an answer: the buyer may try again; a charge that did happen is voided at release.
        throw ApplicationFailure.create({ type: PAYMENT_UNAVAILABLE, message: `payment provider unavailable: ${messageOf(error)}` });
      }
      payment = { status: 'DECLINED', amountCents: totalCents, declineCode };
      await storeStep('Record the declined payment').saveOrder(view());
      throw ApplicationFailure.create({ type: PAYMENT_DECLINED, message: `payment declined: ${declineCode}`, details: [declineCode] });
    } finally {
      paymentInFlight = false;
    }
  }

  async function holdUntilPaidOrReleased(): Promise<HoldOutcome> {
    const isDecided = () => payment?.status === 'AUTHORIZED' || cancelRequested;
    const decided = await condition(isDecided, input.holdMs, { summary: `Hold the reservation for ${input.holdMs / 1000}s` });
    holdEnded = true;
    if (!decided) {
      // The hold ended while a payment may be under way: its answer decides.
      await condition(() => !paymentInFlight);
    }
    if (payment?.status === 'AUTHORIZED') return 'PAID';
    return decided ? 'CANCELLED' : 'EXPIRED';
  }

  async function completeSale(): Promise<void> {
    const authorizationId = payment!.authorizationId!;
    await storeStep('Commit the stock decrement in MySQL').commitStock({ orderId, lines: stockLines });
    compensations.push(() => storeStep('Restore the MySQL stock').restoreStock({ orderId }));
    await step(PAYMENT_STEP, `Capture ${totalCents} cents`).capturePayment({ orderId, authorizationId });
    payment = { ...payment!, status: 'CAPTURED' };
    if (paymentAttempts > 1) {
      await step(REVERSAL_STEP, 'Void authorisations of earlier attempts').voidStrayAuthorizations({ orderId, keepAuthorizationId: authorizationId });
    }
    await storeStep('Settle the Redis reservation').settleReservation({ orderId, lines: stockLines });
  }

  /** Runs every compensation newest first; nothing cancels it, since a half-undone order is the one outcome we refuse. */
  async function compensate(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      for (const compensation of compensations.reverse()) {
        const result = await compensation();
        if (result === 'VOIDED' || result === 'REFUNDED') payment = payment ? { ...payment, status: result } : payment;
      }
    });
  }

  async function notify(kind: NotificationKind): Promise<void> {
    try {
      await step(NOTIFY_STEP, `Notify the customer: ${kind}`).notifyCustomer({ orderId, customerId, kind });
      notifications.push(kind);
    } catch (error) {
      // After the pivot a lost notification never undoes the order: it is logged for follow-up.
      log.warn('notification gave up', { orderId, kind, error: String(error) });
    }
  }

  if (await reserveStock()) {
    const outcome = await holdUntilPaidOrReleased();
    if (outcome === 'PAID') {
      try {
        await completeSale();
        await moveTo('CONFIRMED');
        await notify('ORDER_CONFIRMED');
      } catch (error) {
        failureReason = `payment failed after authorisation: ${messageOf(error)}`;
        await compensate();
        await moveTo('FAILED');
        await notify('ORDER_FAILED');
      }
    } else {
      await compensate();
      await moveTo(outcome);
      if (outcome === 'EXPIRED') await notify('ORDER_EXPIRED');
    }
  }
  await condition(allHandlersFinished);
  return view();
}

/** The provider's decline code when the activity failed with a hard decline, else undefined. */
function declineCodeOf(error: unknown): string | undefined {
  const failure = (error as { cause?: unknown }).cause;
  if (!(failure instanceof ApplicationFailure) || failure.type !== PAYMENT_DECLINED) return undefined;
  const [detail] = failure.details ?? [];
  if (typeof detail === 'object' && detail !== null && 'code' in detail) return String((detail as { code: unknown }).code);
  return 'card_declined';
}

function messageOf(error: unknown): string {
  const cause = (error as { cause?: { message?: string } }).cause;
  return cause?.message ?? (error as Error).message ?? String(error);
}
