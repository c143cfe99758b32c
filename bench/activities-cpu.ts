/**
 * `tsx bench/activities-cpu.ts`: the CPU a CONFIRMED order's activities cost in the process that runs them, apart from
 * Temporal: the nine steps of a CONFIRMED order's history (record PENDING, reserve, record RESERVED, authorise,
 * commit, capture, settle, record CONFIRMED, notify), called directly through @temporalio/testing's
 * MockActivityEnvironment on the real clients, against a bench stack's MariaDB, Redis and payment stand-in (a process
 * of its own). Beside it, in the same run, nine calls of a no-op activity through the same harness: the harness's
 * own cost, taken off. What is left is the activities' share of the order worker's CPU beyond the no-op worker's
 * (bench:saga's `order worker − no-op worker`); the rest of that share is the SDK's work around them.
 *
 * Knobs: `ACTIVITIES_ORDERS` per round (300), `ACTIVITIES_ROUNDS` (5), `ACTIVITIES_CONCURRENCY` (10).
 */
import './databases';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../activities';
import { logNotifier } from '../activities/notify';
import { loadConfig } from '../config';
import { openOrm } from '../db/orm';
import { Inventory } from '../inventory/inventory';
import { connectRedis } from '../inventory/redis';
import { createPaymentsClient } from '../payments/client';
import type { OrderView } from '../workflows/order-types';
import { jsonRequest, medianAndRounds, medianOf, numberArg, printTable, round } from './lib';
import { createNoopActivities } from './noop-activities';
import { startStack } from './stack';
import { BENCH_PAYMENTS_API_KEY } from './tokens';

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

async function main(): Promise<void> {
  const perRound = numberArg('orders', 'ACTIVITIES_ORDERS', 300);
  const rounds = numberArg('rounds', 'ACTIVITIES_ROUNDS', 5);
  const concurrency = numberArg('concurrency', 'ACTIVITIES_CONCURRENCY', 10);
  const config = loadConfig();
  const stack = await startStack({ name: 'activities' });
  const orm = await openOrm(config.DATABASE_URL);
  const redis = await connectRedis(config.REDIS_URL);
  try {
    const tag = Date.now().toString(36);
    const sku = `activities-${tag}`;
    const stock = (rounds + 1) * perRound * 2;
    const product = await jsonRequest<{ id: number }>('POST', `${stack.apiUrl}/products`, { sku, name: 'Activities bench', priceCents: 2_500, stock }, 201);
    const activities = createActivities({
      inventory: new Inventory(redis),
      orm,
      payments: createPaymentsClient({ baseUrl: stack.paymentsUrl, apiKey: BENCH_PAYMENTS_API_KEY, timeoutMs: 5_000 }),
      notifier: logNotifier({ info() {} }),
    });
    const noop = createNoopActivities();
    const env = new MockActivityEnvironment(undefined, { logger: silent });
    const call = <Args extends unknown[], Result>(activity: (...args: Args) => Promise<Result>, ...args: Args): Promise<Result> =>
      env.run(activity as (...args: unknown[]) => Promise<Result>, ...args);

    let sequence = 0;
    const confirmedOrder = async () => {
      const orderId = `ord_${tag}${String(++sequence).padStart(8, '0')}`;
      const customerId = `activities-${tag}-${sequence}`;
      const lines = [{ productId: product.id, quantity: 1 }];
      const view = (status: OrderView['status'], payment: OrderView['payment'] = null): OrderView => ({
        id: orderId,
        customerId,
        status,
        items: [{ ...lines[0], sku, unitPriceCents: 2_500 }],
        totalCents: 2_500,
        reservedUntil: null,
        payment,
        notifications: [],
        requestHash: `activities-${sequence}`,
      });
      await call(activities.saveOrder, view('PENDING'));
      const reservation = await call(activities.reserveStock, { orderId, lines });
      if (!reservation.reserved) throw new Error(`order ${orderId} found no stock`);
      await call(activities.saveOrder, view('RESERVED'));
      const { authorizationId } = await call(activities.authorizePayment, { orderId, attempt: 1, amountCents: 2_500, paymentToken: 'tok_visa' });
      await call(activities.commitStock, { orderId, lines });
      await call(activities.capturePayment, { orderId, authorizationId });
      await call(activities.settleReservation, { orderId, lines });
      await call(activities.saveOrder, view('CONFIRMED', { status: 'CAPTURED', amountCents: 2_500, authorizationId }));
      await call(activities.notifyCustomer, { orderId, customerId, kind: 'ORDER_CONFIRMED' });
    };
    const noopOrder = async () => {
      for (let step = 0; step < 9; step += 1) await call(noop.noop, step);
    };
    const cpuMsPerOrder = async (order: () => Promise<void>, count: number) => {
      const before = process.cpuUsage();
      await Promise.all(Array.from({ length: concurrency }, async () => {
        for (let index = 0; index < count / concurrency; index += 1) await order();
      }));
      const used = process.cpuUsage(before);
      return (used.user + used.system) / 1000 / count;
    };

    await cpuMsPerOrder(confirmedOrder, 50); // warm-up: connections, JIT
    await cpuMsPerOrder(noopOrder, 50);
    const orders: number[] = [];
    const harness: number[] = [];
    for (let r = 0; r < rounds; r += 1) {
      orders.push(await cpuMsPerOrder(confirmedOrder, perRound));
      harness.push(await cpuMsPerOrder(noopOrder, perRound));
    }
    printTable(`CPU ms per order in this process: ${perRound} orders a round at concurrency ${concurrency}, ${rounds} rounds, alternating`, [
      ['what', 'median (rounds)'],
      ["a CONFIRMED order's nine activities", medianAndRounds(orders)],
      ['nine no-op activities through the same harness', medianAndRounds(harness)],
      ["the activities' own CPU per order", String(round(medianOf(orders) - medianOf(harness), 2))],
    ]);
  } finally {
    redis.disconnect();
    await orm.close();
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
