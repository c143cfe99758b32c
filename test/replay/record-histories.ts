/**
 * `npm run record-histories`: drives one order down each terminal path of the saga, on the real dev server with the
 * real activities (MariaDB, Redis, the payments stand-in), and writes each finished workflow's event history to
 * test/replay/histories/<path>.json. The replay test (replay.test.ts) replays them against the current workflow code,
 * so a change that would break orders already running fails the build.
 *
 * Re-record only when a change to the workflow is meant to be incompatible (and old workflows are drained or
 * patched); otherwise keep the old files, that is the point of them. Needs MariaDB and Redis (DATABASE_URL, REDIS_URL).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { OrderRefusal } from '../../temporal/order-errors';
import { PAYMENT_DECLINED } from '../../workflows/failures';
import { OrderClient } from '../../temporal/order-client';
import type { AppliedCoupon, OrderInput, OrderView } from '../../workflows/order-types';
import type { MikroORM } from '@mikro-orm/core';
import { createCoupon, recordClaim } from '../../coupons/store';
import { currentGenerationDir, describeRecordedPath, RECORDED_PATHS, type RecordedPath } from './paths';
import { withRecordingRig } from './recording-rig';

const STOCK = 20;
const QUANTITY = 2;
const PRICE_CENTS = 1_500;
/** Long enough for every scripted step; the EXPIRED path uses EXPIRY_HOLD_MS instead. */
const HOLD_MS = 60_000;
const EXPIRY_HOLD_MS = 2_000;

interface Product {
  id: number;
  sku: string;
}

/** What to do with one order, through the API's own client: each resolves once the order has been driven to its end. */
type Scenario = (orders: OrderClient, input: OrderInput) => Promise<void>;

async function expectStatus(promise: Promise<OrderView>, status: OrderView['status']): Promise<void> {
  const order = await promise;
  if (order.status !== status) throw new Error(`expected order ${order.id} to be ${status}, it is ${order.status}`);
}

/** `coupon`: the order applies a coupon the recording buyer has just claimed (generation 6's redemption step). */
const SCENARIOS: Record<string, { quantity?: number; holdMs?: number; coupon?: boolean; drive: Scenario }> = {
  confirmed: {
    drive: async (orders, input) => {
      await expectStatus(orders.place(input), 'RESERVED');
      await expectStatus(orders.pay(input.orderId, 'tok_visa'), 'CONFIRMED');
    },
  },
  'confirmed-after-decline': {
    drive: async (orders, input) => {
      await expectStatus(orders.place(input), 'RESERVED');
      const declined = await orders.pay(input.orderId, 'tok_chargeDeclined').then(
        () => new Error('tok_chargeDeclined was not declined'),
        (error: unknown) => (error instanceof OrderRefusal && error.type === PAYMENT_DECLINED ? undefined : error),
      );
      if (declined) throw declined;
      await expectStatus(orders.pay(input.orderId, 'tok_visa'), 'CONFIRMED');
    },
  },
  rejected: {
    quantity: STOCK + 1,
    drive: async (orders, input) => {
      await expectStatus(orders.place(input), 'REJECTED');
    },
  },
  cancelled: {
    drive: async (orders, input) => {
      await expectStatus(orders.place(input), 'RESERVED');
      await expectStatus(orders.cancel(input.orderId), 'CANCELLED');
    },
  },
  expired: {
    holdMs: EXPIRY_HOLD_MS,
    drive: async (orders, input) => {
      await expectStatus(orders.place(input), 'RESERVED');
      // Nothing more: the hold runs out and the workflow releases the stock by itself.
    },
  },
  failed: {
    drive: async (orders, input) => {
      await expectStatus(orders.place(input), 'RESERVED');
      // Authorised, then the capture is declined: stock restored, authorisation voided, reservation released.
      await expectStatus(orders.pay(input.orderId, 'tok_captureFails'), 'FAILED');
    },
  },
  'confirmed-with-coupon': {
    coupon: true,
    drive: async (orders, input) => {
      await expectStatus(orders.place(input), 'RESERVED');
      await expectStatus(orders.pay(input.orderId, 'tok_visa'), 'CONFIRMED');
    },
  },
  'expired-with-coupon': {
    coupon: true,
    holdMs: EXPIRY_HOLD_MS,
    drive: async (orders, input) => {
      await expectStatus(orders.place(input), 'RESERVED');
    },
  },
};

/** A new coupon of 5.00 off, claimed by the order's buyer: what an order placed with its code carries. */
async function claimedCoupon(orm: MikroORM, customerId: string): Promise<AppliedCoupon> {
  const coupon = await createCoupon(orm, { code: `REC-${randomUUID().slice(0, 8).toUpperCase()}`, name: 'Recorded coupon', amountOffCents: 500, quantity: 1, perBuyer: 1 });
  const claimed = await recordClaim(orm, coupon.id, customerId);
  if (claimed.outcome !== 'CLAIMED') throw new Error(`the recording buyer could not claim coupon ${coupon.code}: ${claimed.outcome}`);
  return { code: coupon.code, discountCents: 500 };
}

/** The OrderInput as the API builds it. */
function orderInput(product: Product, quantity: number, holdMs: number): OrderInput {
  return {
    orderId: `ord_${randomUUID()}`,
    customerId: 'cus_recorded',
    lines: [{ productId: product.id, sku: product.sku, quantity, unitPriceCents: PRICE_CENTS }],
    totalCents: quantity * PRICE_CENTS,
    holdMs,
    requestHash: 'recorded',
  };
}

async function main(): Promise<void> {
  const rig = { label: 'replay', queuePrefix: 'record-histories', stock: STOCK, priceCents: PRICE_CENTS, onNotification: (message: string) => console.log(`  notifier: ${message}`) };
  await withRecordingRig(rig, async ({ orm, client, orders, product }) => {
    mkdirSync(currentGenerationDir(), { recursive: true });
    for (const recorded of RECORDED_PATHS) await record(recorded, product);

    async function record(recorded: RecordedPath, product: Product): Promise<void> {
      const scenario = SCENARIOS[recorded.name];
      if (!scenario) throw new Error(`no scenario for the recorded path "${recorded.name}"`);
      const priced = orderInput(product, scenario.quantity ?? QUANTITY, scenario.holdMs ?? HOLD_MS);
      const coupon = scenario.coupon ? await claimedCoupon(orm, priced.customerId) : undefined;
      const input = coupon ? { ...priced, totalCents: priced.totalCents - coupon.discountCents, coupon } : priced;
      await scenario.drive(orders, input);
      const handle = client.workflow.getHandle(input.orderId);
      const finished = (await handle.result()) as OrderView;
      if (finished.status !== recorded.status) {
        throw new Error(`${recorded.name}: order ${input.orderId} finished ${finished.status}, expected ${recorded.status}`);
      }
      const history = await handle.fetchHistory();
      const file = path.join(currentGenerationDir(), `${recorded.name}.json`);
      writeFileSync(file, `${historyToJSON(history)}\n`);
      const relative = path.relative(process.cwd(), file);
      console.log(`${relative}: ${describeRecordedPath(recorded)}, order ${input.orderId}, ${history.events?.length ?? 0} events`);
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
