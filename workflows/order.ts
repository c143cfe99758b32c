/**
 * The order saga: one durable workflow per order, from reservation to a terminal status. The process reads top-down
 * in `orderWorkflow`; below it, `Order` holds the state and the named steps, each beside its undo; then the messages
 * the order answers (query, place, pay, cancel); then helpers. Deterministic code only.
 */
import { ApplicationFailure, CancellationScope, allHandlersFinished, condition, log, patched, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import { orderFailureCodeKey, orderStatusKey } from '../temporal/names';
import {
  applicationFailureOf,
  CAPTURE_DECLINED,
  isFailureOfType,
  ORDER_NOT_CANCELLABLE,
  ORDER_NOT_PAYABLE,
  PAYMENT_DECLINED,
  PAYMENT_UNAVAILABLE,
  REFUND_FAILED,
  RELEASE_FAILED,
  STOCK_RESTORE_FAILED,
  type StaffActionCode,
} from './failures';
import { cancelOrderUpdate, getOrderQuery, payOrderUpdate, placeOrderUpdate, type PayOrderRequest } from './messages';
import { DEFAULT_CAPTURE_RETRY_WINDOW_MS, TERMINAL_STATUSES, type NotificationKind, type OrderInput, type OrderStatus, type OrderView, type PaymentView, type StockLine } from './order-types';
import { captureStep, local, NOTIFY_STEP, PAYMENT_STEP, REVERSAL_STEP, scheduled, STORE_STEP } from './step-options';

/** One order: reserve, hold until paid, cancelled or expired, then sell or release; undo newest first on failure. */
export async function orderWorkflow(input: OrderInput): Promise<OrderView> {
  const order = new Order(input, generationOfThisOrder());
  order.answerMessages(); // the payOrder update authorises the payment; cancelOrder asks for a release

  try {
    await order.recordPending(); // durable in MySQL before its hold exists in Redis
    if (await order.reserveStock()) {
      await order.moveTo('RESERVED');
      const outcome = await order.holdUntilPaidOrReleased();
      if (outcome === 'PAID') {
        await order.commitStock();
        await order.capturePayment();
        await order.voidStrayAuthorizations();
        await order.settleReservation();
        await order.moveTo('CONFIRMED');
        await order.notify('ORDER_CONFIRMED');
      } else {
        await order.release(outcome); // undo newest first, then CANCELLED or EXPIRED, and tell the buyer
      }
    } else {
      await order.moveTo('REJECTED');
    }
  } catch (error) {
    await order.fail(error); // name the failed step, undo newest first, then FAILED, and tell the buyer
  }
  await condition(allHandlersFinished);
  return order.view();
}

/** The generation of the workflow code an order runs on; each is chosen once, at the start, by a patch marker. */
type Generation = 1 | 2 | 3 | 4 | 5;

/**
 * Generation 2: the short Redis and MySQL steps run as local activities, in the worker that runs the workflow,
 * without a server round trip each. Orders started before keep their scheduled activities on replay.
 */
export const STORE_STEPS_RUN_LOCALLY = 'store-steps-run-locally';

/**
 * Generation 3: every undo runs even when one fails for good (the order then ends FAILED with a code that says staff
 * must act); a failure MySQL refuses for good ends the order FAILED cleanly at any step; a capture is retried for as
 * long as the authorisation is valid; a cancel waits for a payment under way; a cancelled buyer is told.
 */
export const FAILURES_END_CLEANLY = 'failures-end-cleanly';

/**
 * Generation 4: authorise, and the first tries of capture, run as local activities, so paying an order takes one
 * workflow task instead of three. A capture still failing after its quick tries goes on as a scheduled activity for the
 * rest of CAPTURE_RETRY_WINDOW (days of retries are the server's to track, not a worker's). Reversals stay scheduled:
 * rare, and retried without limit. A worker that dies mid-call leaves no result in the history; the next worker calls
 * again under the same idempotency key, which the provider replays.
 */
export const PAYMENT_STEPS_RUN_LOCALLY = 'payment-steps-run-locally';

/**
 * Generation 5: the authorisation is a scheduled activity again (capture keeps its quick local tries). A payOrder
 * update is durable only once a workflow task that accepts it completes; authorising as a local activity charged the
 * card inside that task, so a Temporal restart before the task completed lost the update after the money moved, and
 * the order expired with its stock committed and its payment captured (seen in the fault run). Scheduling the
 * authorisation completes the accepting task first. Generation 4 stays for the orders it recorded.
 */
export const PAYMENT_UPDATE_DURABLE_FIRST = 'payment-update-durable-first';

/** Newest first: an order that found a marker in its history keeps the behaviour it started with. */
function generationOfThisOrder(): Generation {
  if (patched(PAYMENT_UPDATE_DURABLE_FIRST)) return 5;
  if (patched(PAYMENT_STEPS_RUN_LOCALLY)) return 4;
  if (patched(FAILURES_END_CLEANLY)) return 3;
  return patched(STORE_STEPS_RUN_LOCALLY) ? 2 : 1;
}

type HoldOutcome = 'PAID' | 'CANCELLED' | 'EXPIRED';

/** The name a step fails under: `failureReason` reads "<step> failed: <why>". */
type StepName = 'reserve stock' | 'commit stock' | 'capture payment' | 'void stray authorisations' | 'settle reservation' | `record ${OrderStatus}`;

/** An undo of what a step did, closing over what the step produced; it records its own outcome. */
type Undo = () => Promise<void>;

class Order {
  private status: OrderStatus = 'PENDING';
  private reservedUntil: string | null = null;
  private payment: PaymentView | null = null;
  private failureReason: string | undefined;
  private readonly notifications: NotificationKind[] = [];
  private paymentAttempts = 0;
  private paymentInFlight = false;
  private cancelRequested = false;
  /** A cancel waits for the payment under way (generation 3); no other payment starts meanwhile. */
  private cancelWaiting = false;
  private holdEnded = false;
  /** The sale has begun (stock commit on): in generations 1 and 2 only a failure from here on was compensated. */
  private selling = false;
  /** Whether MySQL has a record of the order: a buyer is told only about an order that exists. */
  private recorded = false;
  private failureCode: StaffActionCode | undefined;
  /** When the authorisation the order is paid with was given: a capture is retried until it is no longer valid. */
  private authorisedAt = 0;
  private readonly undos: Undo[] = [];
  private readonly stockLines: StockLine[];
  private readonly units: number;

  constructor(
    private readonly input: OrderInput,
    private readonly generation: Generation,
  ) {
    this.stockLines = input.lines.map(({ productId, quantity }) => ({ productId, quantity }));
    this.units = input.lines.reduce((sum, line) => sum + line.quantity, 0);
  }

  // ── Steps, each beside its undo ───────────────────────────────────────────────────────────────────────────────

  async recordPending(): Promise<void> {
    await this.step('record PENDING', () => this.store('Record order PENDING').saveOrder(this.view()));
    this.recorded = true;
  }

  /** Holds the units in Redis (one atomic script); false when a product is short. Undo: release exactly that hold. */
  async reserveStock(): Promise<boolean> {
    const hold = { orderId: this.input.orderId, lines: this.stockLines };
    const reservation = await this.step('reserve stock', () => this.store(`Reserve ${this.units} unit(s) in Redis`).reserveStock(hold));
    if (!reservation.reserved) {
      this.failureReason = `product ${reservation.productId} is out of stock`;
      return false;
    }
    this.undos.push(this.undo('release reservation', RELEASE_FAILED, () => this.store('Release the Redis reservation').releaseReservation(hold)));
    this.reservedUntil = new Date(Date.now() + this.input.holdMs).toISOString();
    return true;
  }

  /**
   * Authorises the payment (run by the payOrder update). Undo: void or refund. The undo is registered before the
   * first call, so an authorisation whose answer was lost is still found (the provider is asked by order) and voided.
   */
  async authorise(paymentToken: string): Promise<void> {
    const { orderId, totalCents } = this.input;
    this.paymentInFlight = true;
    const attempt = ++this.paymentAttempts;
    if (attempt === 1) this.undos.push(this.undo('reverse payment', REFUND_FAILED, () => this.reversePayment()));
    try {
      const { authorizationId } = await this.provider(PAYMENT_STEP, `Authorise ${totalCents} cents`).authorizePayment({
        orderId,
        attempt,
        amountCents: totalCents,
        paymentToken,
      });
      this.payment = { status: 'AUTHORIZED', amountCents: totalCents, authorizationId };
      this.authorisedAt = Date.now();
    } catch (error) {
      const declineCode = declineCodeOf(error);
      if (declineCode === undefined) {
        // Retries spent without an answer: the buyer may try again; a charge that did happen is voided at release.
        throw ApplicationFailure.create({ type: PAYMENT_UNAVAILABLE, message: `payment provider unavailable: ${messageOf(error)}` });
      }
      this.payment = { status: 'DECLINED', amountCents: totalCents, declineCode };
      await this.store('Record the declined payment').saveOrder(this.view());
      throw ApplicationFailure.create({ type: PAYMENT_DECLINED, message: `payment declined: ${declineCode}`, details: [declineCode] });
    } finally {
      this.paymentInFlight = false;
    }
  }

  /** Undo of authorise (and of capture): every authorisation of the order is voided or refunded; records which. */
  private async reversePayment(): Promise<void> {
    const result = await scheduled(REVERSAL_STEP, 'Void or refund the payment').reversePayment({
      orderId: this.input.orderId,
      authorizationId: this.payment?.authorizationId,
    });
    if (result !== 'NOTHING_TO_REVERSE' && this.payment) this.payment = { ...this.payment, status: result };
  }

  /** Waits for a payment's authorisation or a cancel, at most the hold; a payment under way when it ends decides. */
  async holdUntilPaidOrReleased(): Promise<HoldOutcome> {
    const isDecided = () => this.payment?.status === 'AUTHORIZED' || this.cancelRequested;
    const decided = await condition(isDecided, this.input.holdMs, { summary: `Hold the reservation for ${this.input.holdMs / 1000}s` });
    this.holdEnded = true;
    if (!decided) await condition(() => !this.paymentInFlight);
    if (this.payment?.status === 'AUTHORIZED') return 'PAID';
    return decided ? 'CANCELLED' : 'EXPIRED';
  }

  /** The durable decrement in MySQL, once per order. Undo: restore the units that commit took. */
  async commitStock(): Promise<void> {
    const { orderId } = this.input;
    this.selling = true;
    await this.step('commit stock', () => this.store('Commit the stock decrement in MySQL').commitStock({ orderId, lines: this.stockLines }));
    this.undos.push(this.undo('restore stock', STOCK_RESTORE_FAILED, () => this.store('Restore the MySQL stock').restoreStock({ orderId })));
  }

  /** Takes the money. No undo of its own: the payment's undo refunds a capture. */
  async capturePayment(): Promise<void> {
    const { orderId, totalCents } = this.input;
    const capture = { orderId, authorizationId: this.payment!.authorizationId! };
    const summary = `Capture ${totalCents} cents`;
    await this.step('capture payment', async () => {
      if (this.generation < 3) return scheduled(PAYMENT_STEP, summary).capturePayment(capture);
      const window = this.input.captureRetryWindowMs ?? DEFAULT_CAPTURE_RETRY_WINDOW_MS;
      if (this.generation === 3) return scheduled(captureStep(window), summary).capturePayment(capture);
      // A few quick tries in this worker first; a provider that stays down is then retried for the rest of the
      // window by a scheduled activity, which the server keeps track of for days (a decline is final either way).
      const windowEnds = this.authorisedAt + window;
      try {
        return await local(PAYMENT_STEP, summary).capturePayment(capture);
      } catch (error) {
        if (isFailureOfType(error, CAPTURE_DECLINED) || Date.now() >= windowEnds) throw error;
      }
      return scheduled(captureStep(windowEnds - Date.now()), summary).capturePayment(capture);
    });
    this.payment = { ...this.payment!, status: 'CAPTURED' };
  }

  /** After a decline and a second attempt, an earlier attempt whose answer was lost may hold the card too. */
  async voidStrayAuthorizations(): Promise<void> {
    if (this.paymentAttempts <= 1) return;
    const { orderId } = this.input;
    const keepAuthorizationId = this.payment!.authorizationId!;
    await this.step('void stray authorisations', () =>
      scheduled(REVERSAL_STEP, 'Void authorisations of earlier attempts').voidStrayAuthorizations({ orderId, keepAuthorizationId }),
    );
  }

  /** The hold becomes a sale in Redis: the units stay out of availability for good. */
  async settleReservation(): Promise<void> {
    const hold = { orderId: this.input.orderId, lines: this.stockLines };
    await this.step('settle reservation', () => this.store('Settle the Redis reservation').settleReservation(hold));
  }

  /**
   * An undo that records its own outcome: from generation 3 one that fails for good (its retries spent, or a
   * non-retryable failure) does not stop the others; it leaves a code that says staff must act.
   */
  private undo(name: string, codeIfItFails: StaffActionCode, action: () => Promise<unknown>): Undo {
    return async () => {
      try {
        await action();
      } catch (error) {
        if (this.generation < 3) throw error;
        log.error('an undo failed for good: staff must act', { orderId: this.input.orderId, undo: name, code: codeIfItFails, error: messageOf(error) });
        this.failureCode ??= codeIfItFails;
        this.failureReason = [this.failureReason, `${name} failed: ${messageOf(error)}`].filter(Boolean).join('; then ');
      }
    };
  }

  /** Runs every undo newest first, each once; nothing cancels it, since a half-undone order is the one outcome we refuse. */
  async undoAll(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      for (let undo = this.undos.pop(); undo; undo = this.undos.pop()) await undo();
    });
  }

  /** The hold ended unpaid (cancelled or expired): undo, record the outcome (FAILED when an undo failed), tell the buyer. */
  async release(outcome: 'CANCELLED' | 'EXPIRED'): Promise<void> {
    await this.undoAll();
    const status = this.failureCode ? 'FAILED' : outcome;
    await this.moveTo(status);
    if (status === 'EXPIRED') await this.notify('ORDER_EXPIRED');
    else if (this.generation >= 3) await this.notify(status === 'CANCELLED' ? 'ORDER_CANCELLED' : 'ORDER_FAILED');
  }

  /**
   * A step failed: name it, undo newest first, record FAILED and tell the buyer. In generations 1 and 2 only a failure
   * of the sale was handled here; any other failed the workflow, as it did then.
   */
  async fail(error: unknown): Promise<void> {
    if (this.generation < 3 && !this.selling) throw error instanceof StepFailure ? error.cause : error;
    this.failedAt(error);
    await this.undoAll();
    if (this.generation < 3) {
      await this.moveTo('FAILED').catch((recordError: unknown) => {
        throw recordError instanceof StepFailure ? recordError.cause : recordError;
      });
    } else {
      try {
        await this.moveTo('FAILED');
      } catch (recordError) {
        // MySQL refuses this order's data for good (e.g. its first record): it ends FAILED here without a record.
        log.error('order ended FAILED without a MySQL record', { orderId: this.input.orderId, error: messageOf(recordError) });
        this.recorded = false;
        this.becomes('FAILED');
      }
    }
    if (this.recorded) await this.notify('ORDER_FAILED');
  }

  /** The new status is recorded in MySQL before callers see it, so a read right after an answer agrees with it. */
  async moveTo(next: OrderStatus): Promise<void> {
    await this.step(`record ${next}`, () => this.store(`Record order ${next}`).saveOrder({ ...this.view(), status: next }));
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

  /** Records which step failed and why, for `failureReason`. */
  failedAt(error: unknown): void {
    const step = error instanceof StepFailure ? `${error.step} failed` : 'failed';
    this.failureReason = `${step}: ${messageOf(error instanceof StepFailure ? error.cause : error)}`;
  }

  // ── Messages the order answers ────────────────────────────────────────────────────────────────────────────────

  answerMessages(): void {
    setHandler(getOrderQuery, () => this.view());

    setHandler(placeOrderUpdate, async () => {
      await condition(() => this.status !== 'PENDING');
      return this.view();
    });

    setHandler(
      payOrderUpdate,
      async ({ paymentToken }: PayOrderRequest) => {
        await this.authorise(paymentToken);
        await condition(() => this.isTerminal());
        return this.view();
      },
      { validator: (_request: PayOrderRequest) => this.refuseUnlessOpen(ORDER_NOT_PAYABLE, 'paid now') },
    );

    setHandler(
      cancelOrderUpdate,
      async () => {
        if (this.generation >= 3 && this.paymentInFlight) {
          // A payment under way decides first: declined, the order is still open and is cancelled; authorised, it is sold.
          this.cancelWaiting = true;
          await condition(() => !this.paymentInFlight);
          this.cancelWaiting = false;
          this.refuseUnlessOpen(ORDER_NOT_CANCELLABLE, 'cancelled');
        }
        this.cancelRequested = true;
        await condition(() => this.isTerminal());
        return this.view();
      },
      { validator: () => this.refuseUnlessOpen(ORDER_NOT_CANCELLABLE, 'cancelled', { waitForPayment: this.generation >= 3 }) },
    );
  }

  /** Payment and cancellation are open only while the hold runs and nothing else is deciding the order. */
  private refuseUnlessOpen(type: typeof ORDER_NOT_PAYABLE | typeof ORDER_NOT_CANCELLABLE, what: string, { waitForPayment = false } = {}): void {
    const open =
      this.status === 'RESERVED' &&
      !this.holdEnded &&
      (waitForPayment || !this.paymentInFlight) &&
      !this.cancelRequested &&
      !this.cancelWaiting &&
      this.payment?.status !== 'AUTHORIZED';
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
    };
  }

  private isTerminal(): boolean {
    return TERMINAL_STATUSES.includes(this.status);
  }

  /** A Redis or MySQL step: local (in this worker) from generation 2 on, else scheduled. */
  private store(summary: string) {
    return this.generation >= 2 ? local(STORE_STEP, summary) : scheduled(STORE_STEP, summary);
  }

  /** The authorisation: local in generation 4 only (see PAYMENT_UPDATE_DURABLE_FIRST), else scheduled. */
  private provider(options: ActivityOptions, summary: string) {
    return this.generation === 4 ? local(options, summary) : scheduled(options, summary);
  }

  /** Runs a step of the sale; its failure carries the step's name. */
  private async step<T>(name: StepName, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw new StepFailure(name, error);
    }
  }
}

/** A step of the sale failed: which one, and the failure it raised. */
class StepFailure extends Error {
  constructor(
    readonly step: StepName,
    override readonly cause: unknown,
  ) {
    super(`${step} failed`);
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

/** The reason an activity gave (its failure's message), else the error's own. */
function messageOf(error: unknown): string {
  const cause = (error as { cause?: { message?: string } }).cause;
  return cause?.message ?? (error as Error).message ?? String(error);
}
