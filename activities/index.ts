import type { MikroORM } from '@mikro-orm/core';
import { isRecordedConfirmed, recordHoldRelease } from '../db/holds';
import { rebuildAvailability } from '../inventory/availability-sync';
import type { Inventory } from '../inventory/inventory';
import type { PaymentsClient } from '../payments/client';
import { createAfterSaleActivities, type AfterSaleActivities, type AfterSaleObserver } from './after-sale';
import { createInventoryActivities } from './inventory';
import { createNotifyActivities, type Notifier } from './notify';
import { createOrderRecordActivities } from './order-record';
import { createPaymentActivities } from './payment';
import { createStockActivities } from './stock';
import { createCouponActivities } from './coupons';
import type { WebhookEmitter } from '../webhooks/emitter';

export interface ActivityDeps {
  inventory: Inventory;
  orm: MikroORM;
  payments: PaymentsClient;
  notifier: Notifier;
  /** Told when a reserve step found a product's Redis availability lost and rebuilt it from MySQL (for metrics). */
  onAvailabilityRebuilt?: (productId: number) => void;
  /** Emits webhook events as order statuses are recorded; none without it. */
  webhooks?: WebhookEmitter;
  /** Told when a refund settles or a return is received (for metrics). */
  afterSale?: AfterSaleObserver;
}

/** Every activity of the order saga, built on injected clients so tests can hand in real or stand-in ones. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createInventoryActivities(
      deps.inventory,
      async (productId) => {
        const rebuilt = await rebuildAvailability(deps.orm, deps.inventory, productId);
        if (rebuilt) deps.onAvailabilityRebuilt?.(productId);
        return rebuilt;
      },
      (orderId) => recordHoldRelease(deps.orm, orderId),
      (orderId) => isRecordedConfirmed(deps.orm, orderId),
    ),
    ...createPaymentActivities(deps.payments),
    ...createStockActivities(deps.orm),
    ...createOrderRecordActivities(deps.orm, deps.webhooks),
    ...createNotifyActivities(deps.orm, deps.notifier),
    ...createAfterSaleActivities({ ...deps, observer: deps.afterSale }),
    ...createCouponActivities(deps.orm),
  };
}

/** The order saga's own steps (what workflows/order.ts calls). */
export type OrderActivities = Omit<ReturnType<typeof createActivities>, keyof AfterSaleActivities>;
/** What a worker on the order task queue runs: the saga's steps and, in production, the after-sale workflow's. */
export type WorkerActivities = OrderActivities & Partial<AfterSaleActivities>;
