/**
 * An order's life after the sale: one durable workflow per order (id `after-sale-<orderId>`), started by the first
 * refund or return request (Update-with-Start) and open while the return window runs. Every refund and return of the
 * order goes through it, so its checks (never more refunded than captured, never more returned than sold) see every
 * earlier request, including those still under way: the workflow handles one message at a time. It keeps nothing
 * MySQL does not have: a run that ends (window closed, nothing pending) is followed by a fresh one that reads it all
 * back. Deterministic code only.
 */
import { ApplicationFailure, allHandlersFinished, condition, log, proxyActivities, setHandler, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { AfterSaleActivities } from '../activities/after-sale';
import type { NotifyActivities } from '../activities/notify';
import { refundStatusKey } from '../temporal/names';
import {
  applicationFailureOf,
  ORDER_NOT_REFUNDABLE,
  PAYMENT_REQUEST_REJECTED,
  REFUND_DECLINED,
  REFUND_EXCEEDS_CAPTURED,
  REFUND_STATE_CHANGED,
  RETURN_EXCEEDS_SOLD,
  RETURN_NOT_FOUND,
  RETURN_WINDOW_CLOSED,
  type AfterSaleRefusal,
} from './failures';
import { getAfterSaleQuery, receiveReturnUpdate, refundedAtProviderSignal, requestRefundUpdate, requestReturnUpdate } from './after-sale-messages';
import {
  refundStatusOf,
  summarise,
  type AfterSaleInput,
  type AfterSaleState,
  type OrderRefundStatus,
  type ReceiveRequest,
  type RefundRequest,
  type RefundView,
  type ReturnRequest,
  type ReturnView,
} from './after-sale-types';
import type { OrderLine, StockLine } from './order-types';
// MySQL steps retried until the store is back; the buyer's notification retried for about an hour: as the order's own.
import { NOTIFY_STEP, STORE_STEP } from './step-options';

/**
 * The provider's refund, under the refund id as its idempotency key, so a retry can only repeat the same refund.
 * Retried for an hour at most; a decline or a refused request is final. The refund then ends FAILED: never retried
 * under another key, which could refund twice.
 */
const REFUND_STEP: ActivityOptions = {
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: [REFUND_DECLINED, PAYMENT_REQUEST_REJECTED] },
};

/** How long a refund request waits for the provider's answer before it answers PENDING (the refund goes on): well inside
 * the API's TEMPORAL_CALL_TIMEOUT (10 s by default), so a slow provider gives a PENDING refund, not a 503. */
const ANSWER_WAIT = '3s';

const activities = (options: ActivityOptions, summary: string) => proxyActivities<AfterSaleActivities & NotifyActivities>({ ...options, summary });

export async function afterSaleWorkflow(input: AfterSaleInput): Promise<void> {
  const life = new AfterSale(input);
  life.answerMessages();
  await life.load();
  const closing = life.holdReturnWindow();
  // One refund at a time reaches the provider; the run ends once the window is closed and nothing is under way.
  for (;;) {
    await condition(() => life.hasQueuedRefund() || (life.windowClosed && allHandlersFinished()));
    if (!life.hasQueuedRefund()) break;
    await life.refundNext();
  }
  await closing;
}

class AfterSale {
  private state: AfterSaleState | undefined;
  private readonly refunds = new Map<string, RefundView>();
  private readonly returns = new Map<string, ReturnView>();
  /** Refunds recorded PENDING in MySQL, waiting for their turn at the provider. */
  private readonly queue: string[] = [];
  /** Returns being received right now: a second receive waits for the first instead of receiving again. */
  private readonly receiving = new Set<string>();
  windowClosed = false;
  private windowEndsAt = 0;

  constructor(private readonly input: AfterSaleInput) {}

  /** Everything MySQL has of the order's refunds and returns: a new run picks up where the last one ended. */
  async load(): Promise<void> {
    const state = await activities(STORE_STEP, 'Read the order, its refunds and returns').loadAfterSale(this.input.orderId);
    for (const refund of state.refunds) this.refunds.set(refund.id, refund);
    for (const found of state.returns) this.returns.set(found.id, found);
    // A refund PENDING in MySQL had its run end before the provider answered (or was never asked): asked again, same key.
    for (const refund of state.refunds) if (refund.status === 'PENDING') this.queue.push(refund.id);
    const confirmedAt = state.order.confirmedAt === null ? Date.now() : Date.parse(state.order.confirmedAt);
    this.windowEndsAt = confirmedAt + this.input.returnWindowMs;
    this.state = state;
    this.showRefundStatus();
  }

  /** The return window is a durable timer: a return asked after it fired is refused. */
  async holdReturnWindow(): Promise<void> {
    const left = this.windowEndsAt - Date.now();
    if (left > 0) await sleep(left, { summary: `Return window open until ${new Date(this.windowEndsAt).toISOString()}` });
    this.windowClosed = true;
  }

  hasQueuedRefund(): boolean {
    return this.queue.length > 0;
  }

  /** Asks the provider for the next refund, then records its outcome; a refund never goes back to the queue. */
  async refundNext(): Promise<void> {
    const refund = this.refunds.get(this.queue[0])!;
    const { orderId } = this.input;
    let outcome: Pick<RefundView, 'status' | 'failureReason'>;
    let providerRefundId: string | null = null;
    try {
      ({ providerRefundId } = await activities(REFUND_STEP, `Refund ${refund.amountCents} cents at the provider`).refundPayment({
        orderId,
        refundId: refund.id,
        authorizationId: this.sold().authorizationId!,
        amountCents: refund.amountCents,
      }));
      outcome = { status: 'SUCCEEDED', failureReason: null };
    } catch (error) {
      // Out of time, the provider may still have made it (its answer lost): asked once more by the refund's id.
      const found = await activities(STORE_STEP, 'Ask the provider whether the refund was made').findRefund({ refundId: refund.id, authorizationId: this.sold().authorizationId! });
      providerRefundId = found?.providerRefundId ?? null;
      outcome = found ? { status: 'SUCCEEDED', failureReason: null } : { status: 'FAILED', failureReason: messageOf(error) };
      if (!found) log.error('refund failed: staff must act', { orderId, refundId: refund.id, error: messageOf(error) });
    }
    const settled = { ...refund, ...outcome };
    await activities(STORE_STEP, `Record refund ${settled.status}`).saveRefund({ refund: settled, providerRefundId, capturedCents: this.sold().capturedCents });
    this.refunds.set(refund.id, settled);
    this.queue.shift();
    const status = this.showRefundStatus();
    if (settled.status === 'SUCCEEDED') await this.tellTheBuyer(status === 'REFUNDED' ? 'ORDER_REFUNDED' : 'ORDER_PARTIALLY_REFUNDED');
  }

  /** By the order's own channel (e-mail): at most once per kind and order, so a buyer hears of the first partial refund and of the full one. */
  private async tellTheBuyer(kind: 'ORDER_REFUNDED' | 'ORDER_PARTIALLY_REFUNDED'): Promise<void> {
    const { orderId, customerId } = this.sold();
    try {
      await activities(NOTIFY_STEP, `Notify the customer: ${kind}`).notifyCustomer({ orderId, customerId, kind });
    } catch (error) {
      log.warn('notification gave up', { orderId, kind, error: messageOf(error) });
    }
  }

  // ── Messages ───────────────────────────────────────────────────────────────────────────────────────────────────

  answerMessages(): void {
    setHandler(getAfterSaleQuery, () => summarise([...this.refunds.values()], [...this.returns.values()], this.state?.order.capturedCents ?? 0));
    setHandler(requestRefundUpdate, async (request) => {
      await condition(() => this.state !== undefined);
      const refund = await this.refund(request, null);
      await condition(() => this.refunds.get(refund.id)!.status !== 'PENDING', ANSWER_WAIT);
      return this.refunds.get(refund.id)!;
    });
    setHandler(requestReturnUpdate, async (request) => {
      await condition(() => this.state !== undefined);
      return this.requestReturn(request);
    });
    setHandler(receiveReturnUpdate, async (request) => {
      await condition(() => this.state !== undefined);
      return this.receiveReturn(request);
    });
    setHandler(refundedAtProviderSignal, async (refund) => {
      await condition(() => this.state !== undefined);
      await this.refundedAtProvider(refund);
    });
  }

  /**
   * A refund made at the provider, already SUCCEEDED in MySQL: from now on the checks count it, and the buyer hears of
   * it as of one of the workflow's own. Known already (load() read it, or the signal came twice): nothing to do.
   */
  private async refundedAtProvider(refund: RefundView): Promise<void> {
    if (this.refunds.has(refund.id)) return;
    this.refunds.set(refund.id, refund);
    const status = this.showRefundStatus();
    await this.tellTheBuyer(status === 'REFUNDED' ? 'ORDER_REFUNDED' : 'ORDER_PARTIALLY_REFUNDED');
  }

  /**
   * Checks and books a refund in one go, before any await: the workflow runs one handler at a time between awaits,
   * so no other request can pass the same check meanwhile. A known refund id is answered as it stands.
   */
  private async refund(request: RefundRequest, returnId: string | null): Promise<RefundView> {
    const known = this.refunds.get(request.refundId);
    if (known) return known;
    const order = this.sold();
    if (order.status !== 'CONFIRMED' || order.capturedCents <= 0 || order.authorizationId === null) {
      refuse(ORDER_NOT_REFUNDABLE, `order ${order.orderId} is ${order.status} and cannot be refunded; only a CONFIRMED, paid order can`);
    }
    const committed = this.committedCents();
    if (returnId === null && request.expectedRefundedCents !== committed) {
      refuse(REFUND_STATE_CHANGED, `${committed} cents are refunded or being refunded, not ${request.expectedRefundedCents}: look again before refunding`, {
        refundedCents: committed,
      });
    }
    const lines = request.lines ?? [];
    if (lines.length > 0) this.assertLinesRefundable(lines);
    const amountCents = request.amountCents ?? valueOf(lines, order.lines);
    if (committed + amountCents > order.capturedCents) {
      refuse(REFUND_EXCEEDS_CAPTURED, `${amountCents} cents more would refund ${committed + amountCents} of the ${order.capturedCents} captured`, {
        refundedCents: committed,
        capturedCents: order.capturedCents,
      });
    }
    const refund: RefundView = {
      id: request.refundId,
      orderId: order.orderId,
      status: 'PENDING',
      amountCents,
      lines,
      reason: request.reason,
      returnId,
      requestedBy: request.requestedBy,
      failureReason: null,
    };
    this.refunds.set(refund.id, refund);
    // Durable in MySQL before the provider is asked: every refund the provider ever makes has a row.
    await activities(STORE_STEP, 'Record refund PENDING').saveRefund({ refund, providerRefundId: null, capturedCents: order.capturedCents });
    this.queue.push(refund.id);
    return refund;
  }

  private async requestReturn(request: ReturnRequest): Promise<ReturnView> {
    const known = this.returns.get(request.returnId);
    if (known) return known;
    const order = this.sold();
    if (order.status !== 'CONFIRMED') refuse(ORDER_NOT_REFUNDABLE, `order ${order.orderId} is ${order.status}; only a CONFIRMED order's units can be returned`);
    if (this.windowClosed) refuse(RETURN_WINDOW_CLOSED, `the return window of order ${order.orderId} closed at ${new Date(this.windowEndsAt).toISOString()}`);
    for (const line of mergeLines(request.lines)) {
      const sold = soldUnits(order.lines, line.productId);
      const asked = this.unitsInReturns(line.productId);
      if (asked + line.quantity > sold) {
        refuse(RETURN_EXCEEDS_SOLD, `product ${line.productId}: ${line.quantity} more would return ${asked + line.quantity} of the ${sold} sold`, { productId: line.productId });
      }
    }
    const requested: ReturnView = {
      id: request.returnId,
      orderId: order.orderId,
      customerId: request.customerId,
      status: 'REQUESTED',
      lines: mergeLines(request.lines),
      receivedLines: null,
      refundId: null,
    };
    this.returns.set(requested.id, requested);
    await activities(STORE_STEP, 'Record return REQUESTED').saveReturn({ ret: requested });
    return requested;
  }

  /**
   * Sellable units go back on sale (MySQL, then Redis from it), once: the restock is keyed by the return in MySQL,
   * and a second receive of the same return waits for the first and answers as it did. Then the units are refunded.
   */
  private async receiveReturn(request: ReceiveRequest): Promise<ReturnView> {
    const found = this.returns.get(request.returnId);
    if (!found) refuse(RETURN_NOT_FOUND, `order ${this.input.orderId} has no return ${request.returnId}`);
    if (this.receiving.has(found.id)) await condition(() => !this.receiving.has(found.id));
    const current = this.returns.get(found.id)!;
    if (current.status === 'RECEIVED') return current;
    for (const line of mergeLines(request.lines)) {
      const asked = current.lines.find((candidate) => candidate.productId === line.productId)?.quantity ?? 0;
      if (line.quantity > asked) refuse(RETURN_EXCEEDS_SOLD, `product ${line.productId}: ${line.quantity} received, but the return asked for ${asked}`, { productId: line.productId });
    }
    this.receiving.add(current.id);
    try {
      const sellable = mergeLines(request.lines.filter((line) => line.condition === 'SELLABLE'));
      if (sellable.length > 0) {
        await activities(STORE_STEP, `Put ${units(sellable)} sellable unit(s) back in stock`).restockReturn({ orderId: this.input.orderId, returnId: current.id, lines: sellable });
      }
      const refund = await this.refundReturn(current, request);
      const received: ReturnView = { ...current, status: 'RECEIVED', receivedLines: request.lines, refundId: refund?.id ?? null };
      await activities(STORE_STEP, 'Record return RECEIVED').saveReturn({ ret: received });
      this.returns.set(received.id, received);
      return received;
    } finally {
      this.receiving.delete(current.id);
    }
  }

  /** The received units' price, as far as the capture still allows (staff may have refunded some already). */
  private async refundReturn(ret: ReturnView, request: ReceiveRequest): Promise<RefundView | null> {
    const order = this.sold();
    const lines = mergeLines(request.lines);
    const amountCents = Math.min(valueOf(lines, order.lines), order.capturedCents - this.committedCents());
    if (amountCents <= 0) return null;
    return this.refund(
      { refundId: `rf_${ret.id}`, amountCents, lines, reason: `return ${ret.id} received`, expectedRefundedCents: 0, requestedBy: request.receivedBy },
      ret.id,
    );
  }

  // ── Helpers ───────────────────────────────────────────────────────────────────────────────────────────────────

  private sold() {
    return this.state!.order;
  }

  /** Refunded and being refunded: what a new refund must fit beside. */
  private committedCents(): number {
    let sum = 0;
    for (const refund of this.refunds.values()) if (refund.status !== 'FAILED') sum += refund.amountCents;
    return sum;
  }

  private unitsInReturns(productId: number): number {
    let sum = 0;
    for (const ret of this.returns.values()) sum += ret.lines.find((line) => line.productId === productId)?.quantity ?? 0;
    return sum;
  }

  /** Refunds by line never pay back more units of a product than were sold. */
  private assertLinesRefundable(lines: StockLine[]): void {
    for (const line of mergeLines(lines)) {
      const sold = soldUnits(this.sold().lines, line.productId);
      let refunded = 0;
      for (const refund of this.refunds.values()) {
        if (refund.status !== 'FAILED') refunded += refund.lines.find((candidate) => candidate.productId === line.productId)?.quantity ?? 0;
      }
      if (refunded + line.quantity > sold) {
        refuse(REFUND_EXCEEDS_CAPTURED, `product ${line.productId}: ${line.quantity} more would refund ${refunded + line.quantity} of the ${sold} units sold`, {
          productId: line.productId,
        });
      }
    }
  }

  private showRefundStatus(): OrderRefundStatus {
    let refunded = 0;
    for (const refund of this.refunds.values()) if (refund.status === 'SUCCEEDED') refunded += refund.amountCents;
    const status = refundStatusOf(refunded, this.sold().capturedCents);
    upsertSearchAttributes([{ key: refundStatusKey, value: status }]);
    return status;
  }
}

function refuse(type: AfterSaleRefusal, message: string, details?: Record<string, unknown>): never {
  throw ApplicationFailure.create({ type, message, ...(details ? { details: [details] } : {}) });
}

function soldUnits(lines: OrderLine[], productId: number): number {
  return lines.filter((line) => line.productId === productId).reduce((sum, line) => sum + line.quantity, 0);
}

/** What the units cost the buyer, at the order's own prices. */
function valueOf(lines: StockLine[], sold: OrderLine[]): number {
  return lines.reduce((sum, line) => sum + line.quantity * (sold.find((candidate) => candidate.productId === line.productId)?.unitPriceCents ?? 0), 0);
}

/** One line per product, in id order. */
function mergeLines<T extends StockLine>(lines: T[]): StockLine[] {
  const quantities = new Map<number, number>();
  for (const { productId, quantity } of lines) quantities.set(productId, (quantities.get(productId) ?? 0) + quantity);
  return [...quantities].map(([productId, quantity]) => ({ productId, quantity })).sort((a, b) => a.productId - b.productId);
}

function units(lines: StockLine[]): number {
  return lines.reduce((sum, line) => sum + line.quantity, 0);
}

function messageOf(error: unknown): string {
  const failure = applicationFailureOf(error);
  if (failure) return failure.message;
  const cause = (error as { cause?: { message?: string } }).cause;
  return cause?.message ?? (error as Error).message ?? String(error);
}
