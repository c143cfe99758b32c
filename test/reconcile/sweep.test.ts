/**
 * The reconciler's sweep: an order left PENDING or RESERVED past its hold whose workflow an operator closed is undone
 * (stock restored, hold released, payment voided) and recorded FAILED with WORKFLOW_CLOSED; an order whose workflow
 * is still running is never touched, however late.
 */
import { createStockActivities } from '../../activities/stock';
import { checkInvariants } from '../../check/invariants';
import { takeSnapshot } from '../../check/snapshot';
import { getOrderRecord } from '../../db/order-queries';
import { WORKFLOW_CLOSED } from '../../workflows/failures';
import type { OrderInput } from '../../workflows/order-types';
import { readMovements, readStock } from '../support/db';
import { expectTemporalWarnings } from '../support/temporal-warnings';
import { COUNT_REPAIRED, ORDER_SWEPT, useReconciler } from './harness';

const reconciler = useReconciler();
/** Short, so an order is past its hold within seconds; the sweep runs with no bound beyond it. */
const HOLD_MS = 2_000;
const SWEEP_AFTER_MS = 0;

/** Places the order and terminates its workflow while it holds the units, as an operator would in the Web UI. */
async function placeAndTerminate(order: OrderInput): Promise<void> {
  const { orders, env } = reconciler();
  expect((await orders.place(order)).status).toBe('RESERVED');
  await env.client.workflow.getHandle(order.orderId).terminate('closed by an operator');
}

/** Waits until the order's hold has ended, so the sweep may take it. */
const pastHold = () => new Promise((resolve) => setTimeout(resolve, HOLD_MS + 200));

describe('an order whose workflow was closed is swept', () => {
  // The reconciler's warning for each order it sweeps, and for the count it then brings back, are the behaviour under
  // test here (and only here).
  beforeEach(() => expectTemporalWarnings(ORDER_SWEPT, COUNT_REPAIRED));

  test('a terminated RESERVED order: its units are back on sale, its buyer is told, and it is FAILED with WORKFLOW_CLOSED', async () => {
    const { orm, redis, env, paymentsBaseUrl, inventory, product, orderOf, reconcile, notified } = reconciler();
    const drop = await product(5);
    const order = orderOf(drop, 2, HOLD_MS);
    await placeAndTerminate(order);
    expect(await inventory.available(drop.id)).toBe(3);
    await pastHold();

    const report = await reconcile(SWEEP_AFTER_MS);
    expect(report.swept).toContainEqual({
      orderId: order.orderId,
      was: 'RESERVED',
      workflow: 'TERMINATED',
      payment: 'NOTHING_TO_REVERSE',
      products: [{ productId: drop.id, before: 3, after: 5 }],
    });
    expect(await inventory.available(drop.id)).toBe(5);
    expect(await inventory.holdStates([order.orderId])).toEqual(['released']);
    expect(await getOrderRecord(orm, order.orderId)).toMatchObject({ status: 'FAILED', failureCode: WORKFLOW_CLOSED });
    // The buyer is told, as the workflow tells them of a failed order.
    expect(notified.filter((message) => message.orderId === order.orderId)).toEqual([
      expect.objectContaining({ customerId: order.customerId, kind: 'ORDER_FAILED', text: expect.stringContaining('could not be completed') }),
    ]);
    // The invariant checker agrees: nothing of the order is left open, held, sold or charged.
    const snapshot = await takeSnapshot({ orm, redis, paymentsUrl: paymentsBaseUrl, temporal: { address: env.address, namespace: 'default' } }, { productIds: [drop.id] });
    expect(checkInvariants(snapshot, { stuckAfterMs: 0, quietRequired: true }).findings).toEqual([]);

    // It runs at least once: a second run finds nothing to do and gives nothing back twice.
    const again = await reconcile(SWEEP_AFTER_MS);
    expect(again.swept.map((swept) => swept.orderId)).not.toContain(order.orderId);
    expect(await inventory.available(drop.id)).toBe(5);
    expect(notified.filter((message) => message.orderId === order.orderId)).toHaveLength(1);
  });

  test('an authorisation the closed workflow left open is voided, found by asking the provider by order', async () => {
    const { payments, product, orderOf, reconcile } = reconciler();
    const drop = await product(5);
    const order = orderOf(drop, 1, HOLD_MS);
    await placeAndTerminate(order);
    // The workflow's authorisation reached the provider, and the workflow was closed before it recorded the answer.
    await payments.authorize({ amountCents: order.totalCents, currency: 'EUR', paymentToken: 'tok_visa', reference: order.orderId }, `${order.orderId}:authorize:1`);
    await pastHold();

    const report = await reconcile(SWEEP_AFTER_MS);
    expect(report.swept).toContainEqual(expect.objectContaining({ orderId: order.orderId, payment: 'VOIDED' }));
    expect((await payments.listByReference(order.orderId)).map((authorization) => authorization.status)).toEqual(['voided']);
  });

  test('terminated after its sale was committed and settled: the stock is restored, and the same run brings Redis back to it', async () => {
    const { orm, inventory, product, orderOf, reconcile } = reconciler();
    const drop = await product(5);
    const order = orderOf(drop, 2, HOLD_MS);
    await placeAndTerminate(order);
    // The sale's steps, as the workflow ran them before it was closed (before its CONFIRMED record).
    await createStockActivities(orm).commitStock({ orderId: order.orderId, lines: order.lines });
    await inventory.settle(order.orderId, order.lines);
    expect(await readStock(orm, drop.id)).toBe(3);
    await pastHold();

    const report = await reconcile(SWEEP_AFTER_MS);
    expect(report.swept).toContainEqual(expect.objectContaining({ orderId: order.orderId, was: 'RESERVED' }));
    expect(await readStock(orm, drop.id)).toBe(5);
    expect((await readMovements(orm, order.orderId)).map((movement) => movement.kind)).toEqual(['RESTORE', 'SALE']);
    // A settled hold gives nothing back on release; the drift repair after the sweep finds the product quiet and whole.
    expect(report.repairs).toContainEqual({ productId: drop.id, stock: 5, before: 3, after: 5 });
    expect(await inventory.available(drop.id)).toBe(5);
  });

  test('an order whose workflow is missing from Temporal (PENDING, never reserved) is swept too', async () => {
    const { orm, inventory, product, orderOf, record, reconcile } = reconciler();
    const drop = await product(5);
    const order = orderOf(drop, 1, HOLD_MS);
    // Its record as its first step wrote it; its workflow is not in this Temporal (gone past retention, or lost).
    await record(order, 'PENDING');

    const report = await reconcile(SWEEP_AFTER_MS);
    expect(report.swept).toContainEqual(expect.objectContaining({ orderId: order.orderId, was: 'PENDING', workflow: 'MISSING' }));
    expect(await getOrderRecord(orm, order.orderId)).toMatchObject({ status: 'FAILED', failureCode: WORKFLOW_CLOSED });
    // Its hold is closed for good: a reserve arriving late (a retry of a step that never ran) takes nothing.
    expect(await inventory.reserve(order.orderId, order.lines)).toEqual({ outcome: 'OUT_OF_STOCK', productId: drop.id });
    expect(await inventory.available(drop.id)).toBe(5);
  });
});

describe('an order whose workflow is running is never touched', () => {
  test('past its hold with no worker to end it: left RESERVED with its hold, and it expires once a worker is back', async () => {
    const { orm, inventory, orders, env, product, orderOf, reconcile, stopOrderWorker, startOrderWorker } = reconciler();
    const drop = await product(5);
    const order = orderOf(drop, 2, HOLD_MS);
    expect((await orders.place(order)).status).toBe('RESERVED');
    await stopOrderWorker();
    try {
      await pastHold();
      const report = await reconcile(SWEEP_AFTER_MS);
      expect(report.swept.map((swept) => swept.orderId)).not.toContain(order.orderId);
      expect(report.stillRunning).toBeGreaterThanOrEqual(1);
      expect(await getOrderRecord(orm, order.orderId)).toMatchObject({ status: 'RESERVED' });
      expect(await inventory.holdStates([order.orderId])).toEqual(['held']);
      expect(await inventory.available(drop.id)).toBe(3);
    } finally {
      await startOrderWorker();
    }
    expect(await env.client.workflow.getHandle(order.orderId).result()).toMatchObject({ status: 'EXPIRED' });
    expect(await inventory.available(drop.id)).toBe(5);
  });
});
