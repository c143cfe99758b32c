/**
 * The order saga: one durable workflow per order, from reservation to a terminal status. The process reads top-down
 * in `orderWorkflow`; below it, `Order` holds the state and the named steps, each beside its undo; then the messages
 * the order answers (query, place, pay, cancel); then helpers. What differs by the generation of the code an order
 * started on is one row of workflows/order-behaviour.ts, read by the steps. Deterministic code only.
 */
import { ApplicationFailure, allHandlersFinished, condition, log, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { orderFailureCodeKey, orderStatusKey } from '../temporal/names';
import {
  applicationFailureOf,
  CAPTURE_DECLINED,
  COUPON_RETURN_FAILED,
  isFailureOfType,
  ORDER_NOT_CANCELLABLE,
  ORDER_NOT_PAYABLE,
  PAYMENT_DECLINED,
  PAYMENT_PROVIDER_UNAVAILABLE,
  REFUND_FAILED,
  RELEASE_FAILED,
  STOCK_RESTORE_FAILED,
  type StaffActionCode,
} from './failures';
import { cancelOrderUpdate, getOrderQuery, payOrderUpdate, placeOrderUpdate, type PayOrderRequest } from './messages';
import { behaviourOf, generationOfThisOrder, type OrderBehaviour } from './order-behaviour';
import { COUPON_NOT_REDEEMED, DEFAULT_CAPTURE_RETRY_WINDOW_MS, TERMINAL_STATUSES, type NotificationKind, type OrderInput, type OrderStatus, type OrderView, type PaymentView, type StockLine } from './order-types';
import { messageOf, reasonOf, step, UndoStack, withoutStepName, type FailedUndo, type UndoableStep, type UndoOf } from './saga';
import { captureStep, local, NOTIFY_STEP, PAYMENT_STEP, REVERSAL_STEP, scheduled, STORE_STEP } from './step-options';

/** One order: reserve, hold until paid, cancelled or expired, then sell or release; undo newest first on failure. */
export async function orderWorkflow(input: OrderInput): Promise<OrderView> {
  const order = new Order(input, behaviourOf(generationOfThisOrder()));
  order.answerMessages({ onPayOrder: (paymentToken) => order.authorise(paymentToken) });

  try {
    await order.recordPending(); // durable in MySQL before its hold exists in Redis
    if ((await order.undos.runThenPush(order.reserveStock)) && (await order.redeemsItsCoupon())) {
      await order.moveTo('RESERVED');
      order.undos.push(order.reversePayment, order.authorisations); // voids or refunds what the payOrder updates authorised
      const outcome = await order.holdUntilPaidOrReleased();
      if (outcome === 'PAID') {
        await order.undos.runThenPush(order.commitStock);
        await order.capturePayment(); // the pivot: nothing after it is undone
        await order.voidStrayAuthorizations();
        await order.settleReservation();
        await order.moveTo('CONFIRMED');
        await order.notify('ORDER_CONFIRMED');
      } else {
        await order.release(outcome); // undo newest first, then CANCELLED or EXPIRED, and tell the buyer
      }
    } else {
      await order.reject(); // undo what the reservation did (when the coupon was refused), then REJECTED
    }
  } catch (error) {
    await order.fail(error); // name the failed step, undo newest first, then FAILED, and tell the buyer
  }
  await condition(allHandlersFinished);
  return order.view();
}

type HoldOutcome = 'PAID' | 'CANCELLED' | 'EXPIRED';

/**
 * Where the order stands, as one value: each step and message moves it, and the messages read it to decide whether
 * the order is open to them. Whether it is paid is the payment's own status (AUTHORIZED).
 */
type Stage =
  /** MySQL has no record of the order yet: the buyer is never told about an order that does not exist. */
  | 'unrecorded'
  /** Recorded PENDING: its stock is being reserved. */
  | 'reserving'
  /** The stock is held: once RESERVED is recorded, a payment or a cancel may decide the order until the hold ends. */
  | 'held'
  /** A payment is under way: nothing else may start until its answer. */
  | 'authorising'
  /** A payment is under way and a cancel waits for its answer (cancelWaitsForPayment). */
  | 'cancel waits for payment'
  /** The payment answered; the waiting cancel decides next. */
  | 'cancel resumes'
  /** A cancel decided the hold. */
  | 'cancelled'
  /** The hold ran out while a payment was under way: its answer decides. */
  | 'hold ended, payment under way'
  /** The hold is over: nothing may pay or cancel any more. */
  | 'hold ended'
  /** The stock commit began: the sale (from here on, every generation undoes a failure). */
  | 'selling';

/** The stages a payment is under way in, and where each goes when the payment answers. */
const AFTER_THE_PAYMENT_ANSWERS: Partial<Readonly<Record<Stage, Stage>>> = {
  authorising: 'held',
  'cancel waits for payment': 'cancel resumes',
  'hold ended, payment under way': 'hold ended',
};

/** What the payOrder updates produced, as the payment's undo receives it: how many were tried, and which was given. */
interface Authorisations {
  attempts: number;
  authorizationId?: string;
}

/** The units an order holds in Redis, as reserve produced them and release and settle take them. */
interface StockHold {
  orderId: string;
  lines: StockLine[];
}

class Order {
  private status: OrderStatus = 'PENDING';
  private stage: Stage = 'unrecorded';
  private reservedUntil: string | null = null;
  private payment: PaymentView | null = null;
  private failureReason: string | undefined;
  private failureCode: StaffActionCode | undefined;
  private readonly notifications: NotificationKind[] = [];
  /** When the authorisation the order is paid with was given: a capture is retried until it is no longer valid. */
  private authorisedAt = 0;
  readonly authorisations: Authorisations = { attempts: 0 };
  readonly undos: UndoStack;
  private readonly hold: StockHold;
  private readonly units: number;

  constructor(
    private readonly input: OrderInput,
    private readonly behaviour: OrderBehaviour,
  ) {
    this.hold = { orderId: input.orderId, lines: input.lines.map(({ productId, quantity }) => ({ productId, quantity })) };
    this.units = input.lines.reduce((sum, line) => sum + line.quantity, 0);
    const undoRules = { continueAfterAFailure: behaviour.undosContinueAfterAFailure, waitForADurableDecision: behaviour.undoWaitsForADurableDecision };
    this.undos = new UndoStack(input.orderId, undoRules, (failed) => this.undoFailed(failed));
  }

  // ── Steps, each beside its undo ───────────────────────────────────────────────────────────────────────────────

  async recordPending(): Promise<void> {
    await step('record PENDING', () => this.store('Record order PENDING').saveOrder(this.view()));
    this.stage = 'reserving';
  }

  /** Holds the units in Redis (one atomic script); produces nothing when a product is short. */
  readonly reserveStock: UndoableStep<StockHold> = {
    name: 'reserve stock',
    run: async () => {
      const reservation = await this.store(`Reserve ${this.units} unit(s) in Redis`).reserveStock(this.hold);
      if (!reservation.reserved) {
        this.failureReason = `product ${reservation.productId} is out of stock`;
        return undefined;
      }
      this.stage = 'held';
      this.reservedUntil = new Date(Date.now() + this.input.holdMs).toISOString();
      return this.hold;
    },
    undo: { name: 'release reservation', codeIfItFails: RELEASE_FAILED, run: (hold) => this.store('Release the Redis reservation').releaseReservation(hold) },
  };

  /**
   * Redeems one of the buyer's claims of the order's coupon, right after the reservation (generation 6), and pushes
   * its undo beside the stock's. True when there is nothing to redeem; false when the buyer holds no unused claim.
   */
  async redeemsItsCoupon(): Promise<boolean> {
    const coupon = this.input.coupon;
    if (!coupon || !this.behaviour.redeemsCoupons) return true;
    if (await this.undos.runThenPush(this.redeemCoupon)) return true;
    this.failureReason = `${COUPON_NOT_REDEEMED}: the buyer holds no unused claim of coupon ${coupon.code}`;
    return false;
  }

  /** Takes one of the buyer's claims in MySQL (idempotent: a repeat finds the claim this order holds). */
  readonly redeemCoupon: UndoableStep<{ orderId: string }> = {
    name: 'redeem coupon',
    run: async () => {
      const { orderId, customerId, coupon } = this.input;
      const redeemed = await this.store(`Redeem a claim of coupon ${coupon!.code}`).redeemCoupon({ orderId, customerId, code: coupon!.code });
      return redeemed === null ? undefined : { orderId };
    },
    undo: { name: 'give the coupon back', codeIfItFails: COUPON_RETURN_FAILED, run: (redeemed) => this.store('Give the coupon claim back').giveCouponBack(redeemed) },
  };

  /** No stock (or no coupon claim) for the order: undo what was done (nothing, when the stock was short), then REJECTED. */
  async reject(): Promise<void> {
    await this.undos.undoAll();
    await this.moveTo(this.failureCode ? 'FAILED' : 'REJECTED');
  }

  /**
   * Authorises a payment (each payOrder update runs it). Its undo, `reversePayment`, is on the stack from the start of
   * the hold, so an authorisation whose answer was lost is still found (the provider is asked by order) and voided.
   */
  async authorise(paymentToken: string): Promise<void> {
    const { orderId, totalCents } = this.input;
    this.stage = 'authorising';
    const attempt = ++this.authorisations.attempts;
    try {
      const { authorizationId } = await this.provider(`Authorise ${totalCents} cents`).authorizePayment({ orderId, attempt, amountCents: totalCents, paymentToken });
      this.authorisations.authorizationId = authorizationId;
      this.payment = { status: 'AUTHORIZED', amountCents: totalCents, authorizationId };
      this.authorisedAt = Date.now();
    } catch (error) {
      const declineCode = declineCodeOf(error);
      if (declineCode === undefined) {
        // Retries spent without an answer: the buyer may try again; a charge that did happen is voided at release.
        throw ApplicationFailure.create({ type: PAYMENT_PROVIDER_UNAVAILABLE, message: `payment provider unavailable: ${messageOf(error)}` });
      }
      this.payment = { status: 'DECLINED', amountCents: totalCents, declineCode };
      await this.store('Record the declined payment').saveOrder(this.view());
      throw ApplicationFailure.create({ type: PAYMENT_DECLINED, message: `payment declined: ${declineCode}`, details: [declineCode] });
    } finally {
      this.stage = AFTER_THE_PAYMENT_ANSWERS[this.stage] ?? this.stage;
    }
  }

  /** Undo of authorise (and of capture): every authorisation of the order is voided or refunded; records which. */
  readonly reversePayment: UndoOf<Authorisations> = {
    name: 'reverse payment',
    codeIfItFails: REFUND_FAILED,
    run: async ({ attempts, authorizationId }) => {
      if (attempts === 0) return; // no payment was tried: nothing to ask the provider
      const result = await scheduled(REVERSAL_STEP, 'Void or refund the payment').reversePayment({ orderId: this.input.orderId, authorizationId });
      if (result !== 'NOTHING_TO_REVERSE' && this.payment) this.payment = { ...this.payment, status: result };
    },
  };

  /** Waits for a payment's authorisation or a cancel, at most the hold; a payment under way when it ends decides. */
  async holdUntilPaidOrReleased(): Promise<HoldOutcome> {
    const isDecided = () => this.payment?.status === 'AUTHORIZED' || this.stage === 'cancelled';
    const decided = await condition(isDecided, this.input.holdMs, { summary: `Hold the reservation for ${this.input.holdMs / 1000}s` });
    this.stage = this.paymentUnderWay() ? 'hold ended, payment under way' : 'hold ended';
    if (!decided) await condition(() => !this.paymentUnderWay());
    if (this.payment?.status === 'AUTHORIZED') return 'PAID';
    return decided ? 'CANCELLED' : 'EXPIRED';
  }

  /** The durable decrement in MySQL, once per order; produces what its undo restores: the order's sale. */
  readonly commitStock: UndoableStep<{ orderId: string }> = {
    name: 'commit stock',
    run: async () => {
      const { orderId } = this.input;
      this.stage = 'selling';
      await this.store('Commit the stock decrement in MySQL').commitStock({ orderId, lines: this.hold.lines });
      return { orderId };
    },
    undo: { name: 'restore stock', codeIfItFails: STOCK_RESTORE_FAILED, run: (sale) => this.store('Restore the MySQL stock').restoreStock(sale) },
  };

  /** Takes the money. No undo of its own: the payment's undo refunds a capture. */
  async capturePayment(): Promise<void> {
    const { orderId, totalCents } = this.input;
    const capture = { orderId, authorizationId: this.payment!.authorizationId! };
    const summary = `Capture ${totalCents} cents`;
    const window = this.input.captureRetryWindowMs ?? DEFAULT_CAPTURE_RETRY_WINDOW_MS;
    await step('capture payment', async () => {
      switch (this.behaviour.captureRetries) {
        case 'payment-step':
          return scheduled(PAYMENT_STEP, summary).capturePayment(capture);
        case 'retry-window':
          return scheduled(captureStep(window), summary).capturePayment(capture);
        case 'local-then-retry-window': {
          // A few quick tries in this worker first; a provider that stays down is then retried for the rest of the
          // window by a scheduled activity, which the server keeps track of for days (a decline is final either way).
          const windowEnds = this.authorisedAt + window;
          try {
            return await local(PAYMENT_STEP, summary).capturePayment(capture);
          } catch (error) {
            if (isFailureOfType(error, CAPTURE_DECLINED) || Date.now() >= windowEnds) throw error;
          }
          return scheduled(captureStep(windowEnds - Date.now()), summary).capturePayment(capture);
        }
      }
    });
    this.payment = { ...this.payment!, status: 'CAPTURED' };
  }

  /** After a decline and a second attempt, an earlier attempt whose answer was lost may hold the card too. */
  async voidStrayAuthorizations(): Promise<void> {
    if (this.authorisations.attempts <= 1) return;
    const { orderId } = this.input;
    const keepAuthorizationId = this.payment!.authorizationId!;
    await step('void stray authorisations', () =>
      scheduled(REVERSAL_STEP, 'Void authorisations of earlier attempts').voidStrayAuthorizations({ orderId, keepAuthorizationId }),
    );
  }

  /** The hold becomes a sale in Redis: the units stay out of availability for good. */
  async settleReservation(): Promise<void> {
    await step('settle reservation', () => this.store('Settle the Redis reservation').settleReservation(this.hold));
  }

  /** The hold ended unpaid (cancelled or expired): undo, record the outcome (FAILED when an undo failed), tell the buyer. */
  async release(outcome: 'CANCELLED' | 'EXPIRED'): Promise<void> {
    await this.undos.undoAll();
    const status = this.failureCode ? 'FAILED' : outcome;
    await this.moveTo(status);
    if (status === 'EXPIRED') await this.notify('ORDER_EXPIRED');
    else if (this.behaviour.buyerToldOfCancel) await this.notify(status === 'CANCELLED' ? 'ORDER_CANCELLED' : 'ORDER_FAILED');
  }

  /** A step failed: name it, undo newest first, record FAILED and tell the buyer (when MySQL has the order). */
  async fail(error: unknown): Promise<void> {
    if (!this.behaviour.everyFailureEndsFailed && this.stage !== 'selling') throw withoutStepName(error);
    this.failureReason = reasonOf(error);
    await this.undos.undoAll();
    if (await this.recordFailed()) await this.notify('ORDER_FAILED');
  }

  /** Records FAILED; false when MySQL does not have the order (its first record or this one refused for good). */
  private async recordFailed(): Promise<boolean> {
    const recorded = this.stage !== 'unrecorded';
    try {
      await this.moveTo('FAILED');
      return recorded;
    } catch (recordError) {
      if (!this.behaviour.everyFailureEndsFailed) throw withoutStepName(recordError);
      log.error('order ended FAILED without a MySQL record', { orderId: this.input.orderId, error: messageOf(recordError) });
      this.becomes('FAILED');
      return false;
    }
  }

  /** An undo failed for good: the order ends FAILED with the first such code, and the reason says which. */
  private undoFailed({ code, reason }: FailedUndo): void {
    this.failureCode ??= code;
    this.failureReason = [this.failureReason, reason].filter(Boolean).join('; then ');
  }

  /** The new status is recorded in MySQL before callers see it, so a read right after an answer agrees with it. */
  async moveTo(next: OrderStatus): Promise<void> {
    await step(`record ${next}`, () => this.store(`Record order ${next}`).saveOrder({ ...this.view(), status: next }));
    this.becomes(next);
  }

  private becomes(next: OrderStatus): void {
    this.status = next;
    // The failure code is set only where a reader needs it: on an order staff must act on.
    const staffMustAct = next === 'FAILED' && this.failureCode ? [{ key: orderFailureCodeKey, value: this.failureCode }] : [];
    upsertSearchAttributes([{ key: orderStatusKey, value: next }, ...staffMustAct]);
  }

  /** After the pivot a notification is retried for about an hour and never undoes the order; a lost one is logged. */
  async notify(kind: NotificationKind): Promise<void> {
    const { orderId, customerId } = this.input;
    try {
      await scheduled(NOTIFY_STEP, `Notify the customer: ${kind}`).notifyCustomer({ orderId, customerId, kind });
      this.notifications.push(kind);
    } catch (error) {
      log.warn('notification gave up', { orderId, kind, error: String(error) });
    }
  }

  // ── Messages the order answers ────────────────────────────────────────────────────────────────────────────────

  /** `onPayOrder` is what a payOrder update does once the order is open to it (the main line passes `authorise`). */
  answerMessages({ onPayOrder }: { onPayOrder: (paymentToken: string) => Promise<void> }): void {
    setHandler(getOrderQuery, () => this.view());

    setHandler(placeOrderUpdate, async () => {
      await condition(() => this.status !== 'PENDING');
      return this.view();
    });

    setHandler(
      payOrderUpdate,
      async ({ paymentToken }: PayOrderRequest) => {
        await onPayOrder(paymentToken);
        await condition(() => this.isTerminal());
        return this.view();
      },
      { validator: (_request: PayOrderRequest) => this.refuseUnlessOpen(ORDER_NOT_PAYABLE, 'paid now') },
    );

    setHandler(
      cancelOrderUpdate,
      async () => {
        if (this.behaviour.cancelWaitsForPayment && this.stage === 'authorising') {
          // A payment under way decides first: declined, the order is still open and is cancelled; authorised, it is sold.
          this.stage = 'cancel waits for payment';
          await condition(() => !this.paymentUnderWay());
          this.resumeCancel();
          this.refuseUnlessOpen(ORDER_NOT_CANCELLABLE, 'cancelled');
        }
        this.stage = 'cancelled';
        await condition(() => this.isTerminal());
        return this.view();
      },
      { validator: () => this.refuseUnlessOpen(ORDER_NOT_CANCELLABLE, 'cancelled', { waitForPayment: this.behaviour.cancelWaitsForPayment }) },
    );
  }

  /** The payment a cancel waited for has answered: the order is held again, unless the hold ended meanwhile. */
  private resumeCancel(): void {
    if (this.stage === 'cancel resumes') this.stage = 'held';
  }

  /** Payment and cancellation are open only while the hold runs and nothing else is deciding the order. */
  private refuseUnlessOpen(type: typeof ORDER_NOT_PAYABLE | typeof ORDER_NOT_CANCELLABLE, what: string, { waitForPayment = false } = {}): void {
    const openStage = this.stage === 'held' || (waitForPayment && this.stage === 'authorising');
    const open = this.status === 'RESERVED' && openStage && this.payment?.status !== 'AUTHORIZED';
    if (!open) throw ApplicationFailure.create({ type, message: `order ${this.input.orderId} is ${this.status} and cannot be ${what}` });
  }

  // ── Helpers ───────────────────────────────────────────────────────────────────────────────────────────────────

  view(): OrderView {
    const { orderId, customerId, lines, totalCents, requestHash } = this.input;
    return {
      id: orderId,
      customerId,
      status: this.status,
      items: lines,
      totalCents,
      reservedUntil: this.reservedUntil,
      payment: this.payment,
      notifications: [...this.notifications],
      requestHash,
      ...(this.failureReason ? { failureReason: this.failureReason } : {}),
      ...(this.failureCode ? { failureCode: this.failureCode } : {}),
      ...(this.input.coupon ? { couponCode: this.input.coupon.code, discountCents: this.input.coupon.discountCents } : {}),
    };
  }

  private isTerminal(): boolean {
    return TERMINAL_STATUSES.includes(this.status);
  }

  private paymentUnderWay(): boolean {
    return this.stage in AFTER_THE_PAYMENT_ANSWERS;
  }

  /** A Redis or MySQL step. */
  private store(summary: string) {
    return this.behaviour.storeStepsRunLocally ? local(STORE_STEP, summary) : scheduled(STORE_STEP, summary);
  }

  /** The authorisation (see PAYMENT_UPDATE_DURABLE_FIRST). */
  private provider(summary: string) {
    return this.behaviour.authorisationRunsLocally ? local(PAYMENT_STEP, summary) : scheduled(PAYMENT_STEP, summary);
  }
}

/** The provider's decline code when the activity failed with a hard decline, else undefined. */
function declineCodeOf(error: unknown): string | undefined {
  const failure = applicationFailureOf(error);
  if (failure?.type !== PAYMENT_DECLINED) return undefined;
  const [detail] = failure.details ?? [];
  if (typeof detail === 'object' && detail !== null && 'code' in detail) return String((detail as { code: unknown }).code);
  return 'card_declined';
}
