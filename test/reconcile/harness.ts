/**
 * The reconciler against real parts: the Temporal dev server, an order worker with the real activities, a reconcile
 * worker (worker/reconcile-worker.ts) on a queue of its own, the payments stand-in, MariaDB and Redis. One per test
 * file; tests run the reconcile workflow directly (the schedule that starts it in production has its own test).
 */
import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Redis } from 'ioredis';
import { createActivities } from '../../activities';
import type { NotificationMessage } from '../../activities/notify';
import { createOrderRecordActivities } from '../../activities/order-record';
import { createReconcileActivities } from '../../activities/reconcile';
import type { Product } from '../../db/catalogue';
import { Inventory } from '../../inventory/inventory';
import { createPaymentsClient, type PaymentsClient } from '../../payments/client';
import { OrderClient } from '../../temporal/order-client';
import { createOrderWorker } from '../../worker/worker';
import { createReconcileWorker } from '../../worker/reconcile-worker';
import type { OrderInput, OrderStatus, OrderView } from '../../workflows/order-types';
import type { ReconcileReport } from '../../workflows/reconcile';
import { createTestProduct, openTestOrm } from '../support/db';
import { startDevServerEnv } from '../support/dev-server';
import { openTestRedis } from '../support/redis';
import { startStandIn, type StandIn } from '../payments/stand-in';
import { TEST_PAYMENTS_API_KEY } from '../support/payments-keys';

export interface Reconciler {
  env: TestWorkflowEnvironment;
  orm: MikroORM;
  redis: Redis;
  inventory: Inventory;
  payments: PaymentsClient;
  paymentsBaseUrl: string;
  orders: OrderClient;
  /** Runs the reconcile workflow once, as the schedule would, and returns its report. */
  reconcile(sweepAfterMs: number): Promise<ReconcileReport>;
  /** A new product with its availability loaded, as the API makes one. */
  product(stock: number): Promise<Product>;
  /** An order of `quantity` units of the product. */
  orderOf(product: Product, quantity: number, holdMs: number): OrderInput;
  /** Records the order in MySQL as the workflow's record step would, in `status` (a workflow that never ran, or left it so). */
  record(order: OrderInput, status: OrderStatus, extra?: Partial<OrderView>): Promise<void>;
  /** What the reconciler told buyers (its notifier's messages), oldest first. */
  notified: NotificationMessage[];
  /** Stops the order worker (its workflows keep running in Temporal, untouched) or starts a new one. */
  stopOrderWorker(): Promise<void>;
  startOrderWorker(): Promise<void>;
}

export function useReconciler(): () => Reconciler {
  let reconciler: Reconciler | undefined;
  const stops: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    const env = await startDevServerEnv();
    stops.push(() => env.teardown());
    const standIn: StandIn = await startStandIn();
    stops.push(() => standIn.close());
    const orm = await openTestOrm();
    stops.push(() => orm.close());
    const redis = await openTestRedis();
    stops.push(async () => redis.quit());
    const inventory = new Inventory(redis);
    const payments = createPaymentsClient({ apiKey: TEST_PAYMENTS_API_KEY, baseUrl: standIn.baseUrl, timeoutMs: 2_000 });
    const client = new Client({ connection: env.connection, namespace: env.namespace });
    const orderQueue = `reconcile-test-orders-${randomUUID()}`;
    const reconcileQueue = `reconcile-test-${randomUUID()}`;

    let orderWorker: { worker: Worker; running: Promise<void> } | undefined;
    const startOrderWorker = async () => {
      const worker = await createOrderWorker({
        connection: env.nativeConnection,
        namespace: env.namespace,
        taskQueue: orderQueue,
        activities: createActivities({ inventory, orm, payments, notifier: { channel: 'test', send: async () => undefined } }),
        shutdownGraceTime: '2s',
      });
      orderWorker = { worker, running: worker.run() };
    };
    const stopOrderWorker = async () => {
      if (!orderWorker) return;
      if (orderWorker.worker.getState() === 'RUNNING') orderWorker.worker.shutdown();
      await orderWorker.running;
      orderWorker = undefined;
    };
    await startOrderWorker();
    stops.push(stopOrderWorker);

    const notified: NotificationMessage[] = [];
    const reconcileWorker = await createReconcileWorker({
      connection: env.nativeConnection,
      namespace: env.namespace,
      taskQueue: reconcileQueue,
      activities: createReconcileActivities({
        orm,
        inventory,
        payments,
        temporal: client,
        notifier: { channel: 'test', send: async (message) => void notified.push(message) },
      }),
    });
    const reconciling = reconcileWorker.run();
    stops.push(async () => {
      if (reconcileWorker.getState() === 'RUNNING') reconcileWorker.shutdown();
      await reconciling;
    });

    reconciler = {
      env,
      orm,
      redis,
      inventory,
      payments,
      paymentsBaseUrl: standIn.baseUrl,
      notified,
      orders: new OrderClient(client, orderQueue),
      reconcile: (sweepAfterMs) =>
        client.workflow.execute('reconcileWorkflow', { taskQueue: reconcileQueue, workflowId: `reconcile-test-${randomUUID()}`, args: [{ sweepAfterMs }] }),
      async product(stock) {
        const product = await createTestProduct(orm, { stock, label: 'reconcile' });
        await inventory.load(product.id, stock);
        return product;
      },
      orderOf: (product, quantity, holdMs) => ({
        orderId: `ord_reconcile_${randomUUID().replaceAll('-', '')}`,
        customerId: 'cus_reconcile',
        lines: [{ productId: product.id, sku: product.sku, quantity, unitPriceCents: product.priceCents }],
        totalCents: product.priceCents * quantity,
        holdMs,
        requestHash: 'reconcile',
      }),
      record: (order, status, extra = {}) =>
        createOrderRecordActivities(orm).saveOrder({
          id: order.orderId,
          customerId: order.customerId,
          status,
          items: order.lines,
          totalCents: order.totalCents,
          reservedUntil: null,
          payment: null,
          notifications: [],
          requestHash: order.requestHash,
          ...extra,
        }),
      stopOrderWorker,
      startOrderWorker,
    };
  }, 120_000);

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }, 60_000);

  return () => {
    if (!reconciler) throw new Error('the reconciler starts in beforeAll');
    return reconciler;
  };
}

/** The reconciler's warnings (activities/reconcile.ts, activities/order-sweep.ts), for tests that cause them on purpose. */
export const COUNT_REPAIRED =
  /^\[temporal WARN\] (availability drift repaired|lost availability rebuilt from MySQL|availability differs from MySQL; left alone this run) \(reconcileWorkflow repairDrift /;
export const ORDER_SWEPT = /^\[temporal WARN\] order swept: its workflow is closed \(reconcileWorkflow sweepClosedOrders /;
