import {
  isGrpcDeadlineError,
  WithStartWorkflowOperation,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { applicationFailureOf, isUpdateRefusal, ORDER_NOT_CANCELLABLE, ORDER_NOT_PAYABLE, PAYMENT_DECLINED } from '../workflows/failures';
import { cancelOrderUpdate, getOrderQuery, payOrderUpdate, placeOrderUpdate } from '../workflows/messages';
import { DEFAULT_CAPTURE_RETRY_WINDOW_MS, type OrderInput, type OrderView } from '../workflows/order-types';
import type { orderWorkflow } from '../workflows';
import { customerIdKey, ORDER_TASK_QUEUE, orderStatusKey, orderWorkflowId } from './names';
import { OrderNotFoundError, OrderRefusal, TemporalDeadlineError } from './order-errors';

/** Settings of the deployment that every order's workflow gets with its input. */
export interface OrderSettings {
  /** CAPTURE_RETRY_WINDOW (config/index.ts); 7 days when not given. */
  captureRetryWindowMs?: number;
  /**
   * TEMPORAL_CALL_TIMEOUT: every call to Temporal ends within it (TemporalDeadlineError), so no request hangs when no
   * worker polls. Unset: no deadline (tests and tools that wait for a worker on purpose).
   */
  callTimeoutMs?: number;
}

/** How long after the gRPC deadline the local timer gives up, should the SDK itself not return in time. */
const LOCAL_TIMER_GRACE_MS = 250;

/** The API's one door to order workflows: it speaks in orders and order errors, not in Temporal's types. */
export class OrderClient {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string = ORDER_TASK_QUEUE,
    private readonly settings: OrderSettings = {},
  ) {}

  /** Starts the order's workflow and waits for its reservation in one round trip (Update-with-Start). */
  async place(input: OrderInput): Promise<OrderView> {
    const startWorkflowOperation = new WithStartWorkflowOperation<typeof orderWorkflow>('orderWorkflow', {
      workflowId: orderWorkflowId(input.orderId),
      taskQueue: this.taskQueue,
      args: [{ ...input, captureRetryWindowMs: input.captureRetryWindowMs ?? this.settings.captureRetryWindowMs ?? DEFAULT_CAPTURE_RETRY_WINDOW_MS }],
      // A retried request (same Idempotency-Key, same order id) joins the running workflow instead of starting another.
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: orderStatusKey, value: 'PENDING' },
        { key: customerIdKey, value: input.customerId },
      ],
      staticSummary: `Order of ${input.lines.length} line(s), ${input.totalCents} cents, for customer ${input.customerId}`,
    });
    try {
      return await this.withDeadline(() => this.client.workflow.executeUpdateWithStart(placeOrderUpdate, { startWorkflowOperation }));
    } catch (error) {
      // The same order id finished earlier: a replay of a completed request answers with that order.
      if (error instanceof WorkflowExecutionAlreadyStartedError) return this.get(input.orderId);
      throw error;
    }
  }

  /**
   * `updateId`: a retry that sends the same id joins the payment it repeats (Temporal keeps one update per id), instead
   * of starting a second one that the workflow refuses while the first is deciding.
   */
  async pay(orderId: string, paymentToken: string, updateId?: string): Promise<OrderView> {
    try {
      return await this.withDeadline(() => this.handle(orderId).executeUpdate(payOrderUpdate, { args: [{ paymentToken }], ...(updateId === undefined ? {} : { updateId }) }));
    } catch (error) {
      throw await this.translate(error, orderId, () => new OrderRefusal(ORDER_NOT_PAYABLE, `order ${orderId} is finished and cannot be paid`));
    }
  }

  async cancel(orderId: string): Promise<OrderView> {
    try {
      return await this.withDeadline(() => this.handle(orderId).executeUpdate(cancelOrderUpdate));
    } catch (error) {
      throw await this.translate(error, orderId, () => new OrderRefusal(ORDER_NOT_CANCELLABLE, `order ${orderId} is finished and cannot be cancelled`));
    }
  }

  async get(orderId: string): Promise<OrderView> {
    try {
      return await this.withDeadline(() => this.handle(orderId).query(getOrderQuery));
    } catch (error) {
      throw await this.translate(error, orderId, () => error as Error);
    }
  }

  /**
   * Whether the order's workflow exists, and whether it still runs (and for whom): answered by the cluster alone,
   * no worker needed, within the deadline.
   */
  async describe(orderId: string): Promise<{ running: boolean; customerId: string | undefined } | null> {
    try {
      const description = await this.withDeadline(() => this.handle(orderId).describe());
      return { running: description.status.name === 'RUNNING', customerId: description.typedSearchAttributes.get(customerIdKey) };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
  }

  /**
   * Runs a call under the gRPC deadline (the SDK cancels it on the server side), and under a local timer as well, so
   * the promise settles by then whatever the SDK does. Either way the caller sees a TemporalDeadlineError.
   */
  async withDeadline<T>(call: () => Promise<T>): Promise<T> {
    const timeoutMs = this.settings.callTimeoutMs;
    if (timeoutMs === undefined) return call();
    let timer: NodeJS.Timeout | undefined;
    // Aborting also ends the SDK's own loops (an update's outcome is polled call after call), not just one call.
    const abort = new AbortController();
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new TemporalDeadlineError(timeoutMs));
      }, timeoutMs + LOCAL_TIMER_GRACE_MS);
    });
    try {
      const deadline = Date.now() + timeoutMs;
      return await Promise.race([this.client.withAbortSignal(abort.signal, () => this.client.withDeadline(deadline, call)), expired]);
    } catch (error) {
      if (isGrpcDeadlineError(error) || error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) throw new TemporalDeadlineError(timeoutMs);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private handle(orderId: string) {
    return this.client.workflow.getHandle<typeof orderWorkflow>(orderWorkflowId(orderId));
  }

  /** The order's terms for what Temporal answered: by failure type and error class, never by message text. */
  private async translate(error: unknown, orderId: string, whenFinished: () => Error): Promise<unknown> {
    if (error instanceof WorkflowNotFoundError) {
      // Temporal answers NOT_FOUND both for an order that never existed and for an update sent to a closed workflow
      // (or accepted just as it closed, e.g. a payment racing a cancel): the order's own record tells them apart.
      return (await this.exists(orderId)) ? whenFinished() : new OrderNotFoundError(orderId);
    }
    if (!(error instanceof WorkflowUpdateFailedError)) return error;
    const failure = applicationFailureOf(error.cause);
    if (!failure || !isUpdateRefusal(failure.type)) return error;
    const declineCode = failure.type === PAYMENT_DECLINED ? String(failure.details?.[0] ?? 'card_declined') : undefined;
    return new OrderRefusal(failure.type, failure.message, declineCode);
  }

  private async exists(orderId: string): Promise<boolean> {
    try {
      await this.withDeadline(() => this.handle(orderId).describe());
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }
}
