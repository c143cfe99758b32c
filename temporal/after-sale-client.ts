import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { afterSaleWorkflow } from '../workflows';
import { receiveReturnUpdate, refundedAtProviderSignal, requestRefundUpdate, requestReturnUpdate } from '../workflows/after-sale-messages';
import type { ReceiveRequest, RefundRequest, RefundView, ReturnRequest, ReturnView } from '../workflows/after-sale-types';
import { AFTER_SALE_REFUSALS, applicationFailureOf, type AfterSaleRefusal } from '../workflows/failures';
import { afterSaleWorkflowId, ORDER_TASK_QUEUE } from './names';
import type { OrderClient } from './order-client';

/** The after-sale workflow refused a request (workflows/failures.ts names why); `details` carries its figures. */
export class AfterSaleRefusedError extends Error {
  constructor(
    readonly refusal: AfterSaleRefusal,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** A run that ended (window closed, nothing pending) just as a request reached it: the request starts a new run. */
const ATTEMPTS_PAST_A_CLOSING_RUN = 3;

/**
 * The API's door to an order's after-sale workflow: every request is an Update-with-Start, so the first one starts
 * the workflow and the others join it; the update id is the refund's or return's id, so a retried request joins the
 * update it repeats instead of running again.
 */
export class AfterSaleClient {
  constructor(
    private readonly client: Client,
    /** Lends its deadline (TEMPORAL_CALL_TIMEOUT), so no call hangs. */
    private readonly orders: OrderClient,
    private readonly returnWindowMs: number,
    private readonly taskQueue: string = ORDER_TASK_QUEUE,
  ) {}

  requestRefund(orderId: string, request: RefundRequest): Promise<RefundView> {
    return this.send(orderId, (operation) =>
      this.client.workflow.executeUpdateWithStart(requestRefundUpdate, { args: [request], updateId: request.refundId, startWorkflowOperation: operation }),
    );
  }

  requestReturn(orderId: string, request: ReturnRequest): Promise<ReturnView> {
    return this.send(orderId, (operation) =>
      this.client.workflow.executeUpdateWithStart(requestReturnUpdate, { args: [request], updateId: request.returnId, startWorkflowOperation: operation }),
    );
  }

  receiveReturn(orderId: string, request: ReceiveRequest): Promise<ReturnView> {
    return this.send(orderId, (operation) =>
      this.client.workflow.executeUpdateWithStart(receiveReturnUpdate, { args: [request], startWorkflowOperation: operation }),
    );
  }

  /**
   * Tells the order's after-sale workflow of a refund made at the provider (recorded in MySQL already), so its checks
   * count it. No run open (none started yet, or the last one ended): nothing to tell, the next run reads MySQL.
   */
  async refundedAtProvider(orderId: string, refund: RefundView): Promise<void> {
    try {
      await this.orders.withDeadline(() => this.client.workflow.getHandle(afterSaleWorkflowId(orderId)).signal(refundedAtProviderSignal, refund));
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }

  private async send<T>(orderId: string, call: (operation: WithStartWorkflowOperation<typeof afterSaleWorkflow>) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const operation = new WithStartWorkflowOperation<typeof afterSaleWorkflow>('afterSaleWorkflow', {
        workflowId: afterSaleWorkflowId(orderId),
        taskQueue: this.taskQueue,
        args: [{ orderId, returnWindowMs: this.returnWindowMs }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        // A run ends when its window has closed and nothing is pending; a later refund starts the next one.
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        staticSummary: `Refunds and returns of order ${orderId}`,
      });
      try {
        return await this.orders.withDeadline(() => call(operation));
      } catch (error) {
        if (error instanceof WorkflowNotFoundError && attempt < ATTEMPTS_PAST_A_CLOSING_RUN) continue;
        throw refusalOf(error) ?? error;
      }
    }
  }
}

function refusalOf(error: unknown): AfterSaleRefusedError | undefined {
  if (!(error instanceof WorkflowUpdateFailedError)) return undefined;
  const failure = applicationFailureOf(error.cause);
  const type = AFTER_SALE_REFUSALS.find((refusal) => refusal === failure?.type);
  if (!failure || !type) return undefined;
  const [details] = failure.details ?? [];
  return new AfterSaleRefusedError(type, failure.message, typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : {});
}
