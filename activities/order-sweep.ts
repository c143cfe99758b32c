/**
 * Ends orders that nothing else will end: still PENDING or RESERVED in MySQL well past their hold, while their workflow
 * is closed (an operator terminated or reset it, or it is gone). Left alone, such an order keeps its hold, and every
 * rebuild of its products subtracts its units again. Each step is the workflow's own undo, run in its order and
 * idempotent, so a sweep that dies midway is simply run again by the next reconcile run:
 *   restore the stock a sale took; record the release (hold_release), then release the Redis hold; void or refund
 *   every authorisation of the order (the provider is asked by order); tell the buyer it failed (as the workflow
 *   does for a failed order; before the record, so a sweep that dies after the record cannot leave them untold, and
 *   the notification table keeps a repeat from sending twice); then record it FAILED, WORKFLOW_CLOSED.
 * An order whose workflow is running is never touched, however late: it is still deciding (a capture may be retried
 * for days).
 */
import { log } from '@temporalio/activity';
import type { MikroORM } from '@mikro-orm/core';
import { getOrderRecord } from '../db/order-queries';
import { openOrdersPastHold, type OpenOrderPastHold } from '../db/reconcile-queries';
import type { Inventory } from '../inventory/inventory';
import { WORKFLOW_CLOSED } from '../workflows/failures';
import type { OrderView } from '../workflows/order-types';
import type { ReserveStockInput } from './inventory';
import type { NotifyCustomerInput } from './notify';
import type { ReversePaymentInput, ReversePaymentResult } from './payment';

/** What Temporal says of an order's workflow: running, closed (how), or not there at all. */
export type WorkflowState = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TERMINATED' | 'TIMED_OUT' | 'CONTINUED_AS_NEW' | 'MISSING' | 'UNKNOWN';

/** A closed workflow will never end its order; 'UNKNOWN' (a status this code does not know) is left alone. */
const CLOSED: ReadonlySet<WorkflowState> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT', 'CONTINUED_AS_NEW', 'MISSING']);

export interface OrderSweepDeps {
  orm: MikroORM;
  inventory: Inventory;
  workflowState: (orderId: string) => Promise<WorkflowState>;
  /** The saga's own steps (activities/): each is idempotent. */
  restoreStock: (input: { orderId: string }) => Promise<void>;
  releaseReservation: (input: ReserveStockInput) => Promise<void>;
  /** Gives the order's coupon claim back to its buyer (activities/coupons.ts); nothing when it holds none. */
  giveCouponBack: (input: { orderId: string }) => Promise<void>;
  reversePayment: (input: ReversePaymentInput) => Promise<ReversePaymentResult>;
  notifyCustomer: (input: NotifyCustomerInput) => Promise<void>;
  saveOrder: (view: OrderView) => Promise<void>;
}

/** One swept order: what it was, what its workflow was, what its payment became, its products' count before and after. */
export interface SweptOrder {
  orderId: string;
  was: OrderView['status'];
  workflow: WorkflowState;
  payment: ReversePaymentResult;
  products: Array<{ productId: number; before: number | null; after: number | null }>;
}

export interface SweepResult {
  swept: SweptOrder[];
  /** Past the bound, but their workflow is still running (or in a state this code does not know): left alone. */
  running: number;
  /** Orders whose sweep failed this time (the next run tries again). */
  failed: Array<{ orderId: string; error: string }>;
}

/** Candidates are read this many at a time, oldest hold first. */
const PAGE = 100;
/** At most this many candidates are looked at per run (each asks Temporal): the next run takes the rest. */
export const SWEEP_LIMIT = 500;

export function createOrderSweep(deps: OrderSweepDeps) {
  async function sweepOne(orderId: string, workflow: WorkflowState): Promise<SweptOrder | null> {
    const record = await getOrderRecord(deps.orm, orderId);
    if (!record || (record.status !== 'PENDING' && record.status !== 'RESERVED')) return null;
    const lines = record.items.map(({ productId, quantity }) => ({ productId, quantity }));
    const productIds = lines.map((line) => line.productId);
    const before = await deps.inventory.availableMany(productIds);
    await deps.restoreStock({ orderId });
    await deps.giveCouponBack({ orderId });
    await deps.releaseReservation({ orderId, lines });
    const after = await deps.inventory.availableMany(productIds);
    const payment = await deps.reversePayment({ orderId, authorizationId: record.payment?.authorizationId });
    await deps.notifyCustomer({ orderId, customerId: record.customerId, kind: 'ORDER_FAILED' });
    await deps.saveOrder({
      ...record,
      status: 'FAILED',
      failureCode: WORKFLOW_CLOSED,
      failureReason: `the order's workflow was ${workflow === 'MISSING' ? 'not found' : workflow} while the order was ${record.status}: the reconciler released its hold, restored any stock sold and reversed its payment (${payment})`,
      payment: record.payment && payment !== 'NOTHING_TO_REVERSE' ? { ...record.payment, status: payment } : record.payment,
    });
    const products = productIds.map((productId, index) => ({ productId, before: before[index], after: after[index] }));
    log.warn('order swept: its workflow is closed', { orderId, was: record.status, workflow, payment, products });
    return { orderId, was: record.status, workflow, payment, products };
  }

  return {
    /** Sweeps the open orders whose hold ended more than `sweepAfterMs` ago and whose workflow is closed or gone. */
    async sweepClosedOrders({ sweepAfterMs }: { sweepAfterMs: number }): Promise<SweepResult> {
      const endedBefore = new Date(Date.now() - sweepAfterMs);
      const result: SweepResult = { swept: [], running: 0, failed: [] };
      // Paged past the ones left alone, so orders whose workflows run for days cannot hide closed ones behind them.
      const candidates: OpenOrderPastHold[] = [];
      for (let page = await openOrdersPastHold(deps.orm, { endedBefore, limit: PAGE }); ; ) {
        candidates.push(...page);
        if (page.length < PAGE || candidates.length >= SWEEP_LIMIT) break;
        page = await openOrdersPastHold(deps.orm, { endedBefore, limit: PAGE, after: page[page.length - 1] });
      }
      for (const candidate of candidates) {
        try {
          const workflow = await deps.workflowState(candidate.id);
          if (!CLOSED.has(workflow)) {
            result.running += 1;
            continue;
          }
          const swept = await sweepOne(candidate.id, workflow);
          if (swept) result.swept.push(swept);
        } catch (error) {
          // One order the provider or a store refuses now must not keep the others open: it is tried again next run.
          log.warn('order sweep failed; the next run tries again', { orderId: candidate.id, error: (error as Error).message });
          result.failed.push({ orderId: candidate.id, error: (error as Error).message });
        }
      }
      return result;
    },
  };
}
