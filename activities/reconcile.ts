/**
 * The reconciler's activities (workflows/reconcile.ts runs them on a schedule): sweep orders their closed workflow left
 * open, then repair availability that drifted from MySQL on quiet products. Built on injected clients, and on the
 * saga's own steps, so a sweep undoes an order exactly as its workflow would have.
 */
import { log } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/core';
import { isRecordedConfirmed, recordHoldRelease } from '../db/holds';
import { rebuildAvailability } from '../inventory/availability-sync';
import { repairDriftPage, type DriftPage } from '../inventory/drift-repair';
import type { Inventory } from '../inventory/inventory';
import type { CouponGate } from '../coupons/gate';
import { repairCouponDrift } from '../coupons/drift-repair';
import type { PaymentsClient } from '../payments/client';
import { orderWorkflowId } from '../temporal/names';
import type { WebhookEmitter } from '../webhooks/emitter';
import { createInventoryActivities } from './inventory';
import { createNotifyActivities, type Notifier } from './notify';
import { createOrderRecordActivities } from './order-record';
import { createOrderSweep, type WorkflowState } from './order-sweep';
import { createPaymentActivities } from './payment';
import { createStockActivities } from './stock';
import { createCouponActivities } from './coupons';

export interface ReconcileDeps {
  orm: MikroORM;
  inventory: Inventory;
  payments: PaymentsClient;
  /** Where the order workflows run: asked whether an order's workflow is still running. */
  temporal: Client;
  /** Emits the swept order's FAILED event to webhook subscribers, as the workflow's own record would. */
  webhooks?: WebhookEmitter;
  /** Tells a swept order's buyer it failed, through the channel the order workers use. */
  notifier: Notifier;
  /** The coupons' Redis gate: its counts are compared with MySQL on the first page of each run. Absent: not compared. */
  couponGate?: CouponGate;
}

export function createReconcileActivities(deps: ReconcileDeps) {
  const { orm, inventory } = deps;
  const sweep = createOrderSweep({
    orm,
    inventory,
    workflowState: (orderId) => workflowStateOf(deps.temporal, orderId),
    restoreStock: createStockActivities(orm).restoreStock,
    releaseReservation: createInventoryActivities(
      inventory,
      (productId) => rebuildAvailability(orm, inventory, productId),
      (orderId) => recordHoldRelease(orm, orderId),
      (orderId) => isRecordedConfirmed(orm, orderId),
    ).releaseReservation,
    giveCouponBack: createCouponActivities(orm).giveCouponBack,
    reversePayment: createPaymentActivities(deps.payments).reversePayment,
    notifyCustomer: createNotifyActivities(orm, deps.notifier).notifyCustomer,
    saveOrder: createOrderRecordActivities(orm, deps.webhooks).saveOrder,
  });

  return {
    sweepClosedOrders: sweep.sweepClosedOrders,

    /**
     * One page of the catalogue: every drift found on a quiet product is repaired and logged (product, before, after).
     * The first page also compares every coupon's count (coupons/drift-repair.ts), so the reconcile workflow's steps
     * stay as they were (a new activity would change the workflow's history).
     */
    async repairDrift(input: { afterId: number; limit: number }): Promise<DriftPage> {
      if (input.afterId === 0 && deps.couponGate) {
        const coupons = await repairCouponDrift(orm, deps.couponGate);
        for (const code of coupons.rebuilt) log.warn('lost coupon count rebuilt from MySQL', { code });
        for (const repair of coupons.repairs) log.warn('coupon count drift repaired', { ...repair });
        for (const code of coupons.leftAlone) log.warn('coupon count differs from MySQL while claims are recorded; left alone this run', { code });
      }
      const page = await repairDriftPage(orm, inventory, input);
      for (const productId of page.rebuilt) log.warn('lost availability rebuilt from MySQL', { productId });
      for (const repair of page.repairs) log.warn('availability drift repaired', { ...repair });
      for (const product of page.leftAlone) log.warn('availability differs from MySQL; left alone this run', { ...product });
      return page;
    },
  };
}

export type ReconcileActivities = ReturnType<typeof createReconcileActivities>;

/** The order workflow's state by its id (the latest run, so a reset's new run counts as running). */
async function workflowStateOf(client: Client, orderId: string): Promise<WorkflowState> {
  try {
    const { status } = await client.workflow.getHandle(orderWorkflowId(orderId)).describe();
    switch (status.name) {
      case 'RUNNING':
      case 'COMPLETED':
      case 'FAILED':
      case 'CANCELLED':
      case 'TERMINATED':
      case 'TIMED_OUT':
      case 'CONTINUED_AS_NEW':
        return status.name;
      default:
        return 'UNKNOWN';
    }
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'MISSING';
    throw error;
  }
}
