/**
 * `npm run record-histories:after-sale`: drives an order's after-sale workflow down each of its paths, on the real dev
 * server with the real activities (MariaDB, Redis, the payments stand-in), and writes each finished run's history to
 * test/replay/histories/<AFTER_SALE_GENERATION>/<path>.json, which replay.test.ts replays with the order histories.
 * The return window is a few seconds here, so each run ends by its own timer. Needs DATABASE_URL and REDIS_URL.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { REFUNDED_AT_PROVIDER_BY } from '../../db/payment-events';
import { AfterSaleClient, AfterSaleRefusedError } from '../../temporal/after-sale-client';
import { afterSaleWorkflowId } from '../../temporal/names';
import type { RefundView } from '../../workflows/after-sale-types';
import { AFTER_SALE_GENERATION, AFTER_SALE_PATHS, HISTORIES_DIR } from './paths';
import { withRecordingRig } from './recording-rig';

const PRICE_CENTS = 1_500;
const QUANTITY = 2;
const RETURN_WINDOW_MS = 4_000;

type Drive = (afterSale: AfterSaleClient, orderId: string, productId: number) => Promise<void>;

const refund = (refundId: string, amountCents: number, expectedRefundedCents: number) => ({ refundId, amountCents, reason: 'recorded', expectedRefundedCents, requestedBy: 'recorder' });

async function refused(attempt: Promise<unknown>): Promise<void> {
  const error = await attempt.then(() => undefined, (caught: unknown) => caught);
  if (!(error instanceof AfterSaleRefusedError)) throw new Error(`expected a refusal, got ${String(error)}`);
}

async function settled(view: RefundView, status: RefundView['status']): Promise<void> {
  if (view.status !== status) throw new Error(`refund ${view.id} is ${view.status}, expected ${status}`);
}

/** Each path: the token the order is paid with, and what is asked of its after-sale workflow. */
const SCENARIOS: Record<string, { token: string; drive: Drive }> = {
  'refunds-and-return': {
    token: 'tok_visa',
    drive: async (afterSale, orderId, productId) => {
      await settled(await afterSale.requestRefund(orderId, refund('rf_recorded_1', 500, 0)), 'SUCCEEDED');
      await refused(afterSale.requestRefund(orderId, refund('rf_recorded_2', 500, 0))); // stale screen
      await refused(afterSale.requestRefund(orderId, refund('rf_recorded_3', 3_000, 500))); // more than captured
      const ret = await afterSale.requestReturn(orderId, { returnId: `ret_${randomUUID()}`, customerId: 'cus_recorded', lines: [{ productId, quantity: 1 }] });
      await afterSale.receiveReturn(orderId, { returnId: ret.id, receivedBy: 'recorder', lines: [{ productId, quantity: 1, condition: 'SELLABLE' }] });
    },
  },
  'refunded-at-provider': {
    token: 'tok_visa',
    drive: async (afterSale, orderId) => {
      await settled(await afterSale.requestRefund(orderId, refund('rf_recorded_own', 500, 0)), 'SUCCEEDED');
      // As POST /payments/events tells the workflow of a refund made at the provider's dashboard (its row in MySQL).
      const atProvider: RefundView = { id: 'rf_precorded', orderId, status: 'SUCCEEDED', amountCents: 700, lines: [], reason: 'refunded at the payment provider', returnId: null, requestedBy: REFUNDED_AT_PROVIDER_BY, failureReason: null };
      await afterSale.refundedAtProvider(orderId, atProvider);
      await refused(afterSale.requestRefund(orderId, refund('rf_recorded_stale', 100, 500))); // stale: 1200 are refunded
      await refused(afterSale.requestRefund(orderId, refund('rf_recorded_over', 1_801, 1_200))); // more than the 1800 left
    },
  },
  'refund-declined': {
    token: 'tok_refundFails',
    drive: async (afterSale, orderId) => {
      await settled(await afterSale.requestRefund(orderId, refund('rf_recorded_declined', 3_000, 0)), 'FAILED');
    },
  },
};

async function main(): Promise<void> {
  const rig = { label: 'replay-after-sale', queuePrefix: 'record-after-sale', stock: 20, priceCents: PRICE_CENTS, onNotification: () => undefined };
  await withRecordingRig(rig, async ({ client, orders, taskQueue, product }) => {
    const afterSale = new AfterSaleClient(client, orders, RETURN_WINDOW_MS, taskQueue);
    const dir = path.join(HISTORIES_DIR, AFTER_SALE_GENERATION);
    mkdirSync(dir, { recursive: true });
    for (const name of AFTER_SALE_PATHS) {
      const scenario = SCENARIOS[name];
      const orderId = `ord_${randomUUID().replaceAll('-', '')}`;
      await orders.place({
        orderId,
        customerId: 'cus_recorded',
        lines: [{ productId: product.id, sku: product.sku, quantity: QUANTITY, unitPriceCents: PRICE_CENTS }],
        totalCents: QUANTITY * PRICE_CENTS,
        holdMs: 60_000,
        requestHash: 'recorded',
      });
      const paid = await orders.pay(orderId, scenario.token);
      if (paid.status !== 'CONFIRMED') throw new Error(`order ${orderId} is ${paid.status}, expected CONFIRMED`);
      await scenario.drive(afterSale, orderId, product.id);
      const handle = client.workflow.getHandle(afterSaleWorkflowId(orderId));
      await handle.result(); // the window's timer ends the run
      const history = await handle.fetchHistory();
      const file = path.join(dir, `${name}.json`);
      writeFileSync(file, `${historyToJSON(history)}\n`);
      console.log(`${path.relative(process.cwd(), file)}: order ${orderId}, ${history.events?.length ?? 0} events`);
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
