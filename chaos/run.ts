/**
 * One fault run, start to end: stack up, buyers and faults together over the load window, wait for quiet, judge,
 * tear down. Used by `npm run chaos` (chaos/main.ts) and by the smaller run in `npm test` (test/chaos).
 */
import { orderIdSecretOf } from '../api/order-ids';
import { AfterSaleCoverage } from './after-sale';
import { ApiClient, planBuyers, runBuyers, type BuyerRecord } from './buyers';
import { registerRunCoupons, runCoupons } from './coupons';
import { dropStartsAfterMs, planDrop, planQueueBuyers, registerDrop, runQueueBuyer, sampleAdmitted, type QueueBuyerRecord } from './queue-drop';
import { planFaults, runFaults, type FaultRecord } from './faults';
import type { ChaosOptions } from './options';
import { waitForQuiet } from './quiet';
import { Rng } from './random';
import { startChaosStack, type ChaosStack } from './stack';
import { judge, type ChaosSummary } from './verdict';

/** Buyers may finish their last requests this long after the load window (their retries are bounded anyway). */
const BUYER_GRACE_MS = 90_000;
/** The queued drop's buyers poll at most this long after the load window. */
const QUEUE_GRACE_MS = 20_000;

export interface RunHooks {
  log(line: string): void;
  /** Called once the stack is up, with it (e.g. to stop it from a signal handler). */
  onStack?(stack: ChaosStack): void;
}

export async function runChaos(options: ChaosOptions, hooks: RunHooks): Promise<ChaosSummary> {
  const startedAt = Date.now();
  const log = (line: string) => hooks.log(`[chaos ${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)}s] ${line}`);
  const rng = new Rng(options.seed);
  const faultPlan = planFaults(rng.fork('faults'), options);
  log(`seed ${options.seed}: ${options.orders} buyers over ${options.durationMs / 1000}s; ${faultPlan.length} faults planned`);

  const stack = await startChaosStack(options, log);
  hooks.onStack?.(stack);
  let summary: ChaosSummary | undefined;
  try {
    const setupMs = Date.now() - startedAt;
    const orderIdSecret = orderIdSecretOf({ AUTH_JWT_SECRET: stack.env.AUTH_JWT_SECRET });
    const plans = planBuyers(rng.fork('buyers'), {
      orders: options.orders,
      durationMs: options.durationMs,
      holdMs: options.holdMs,
      productIds: stack.products.map((product) => product.id),
      orderIdSecret,
    });
    const api = new ApiClient(stack.apiUrls, stack.env.AUTH_JWT_SECRET!);
    const coupons = runCoupons(options.seed, options.orders);
    await registerRunCoupons(api, coupons);
    log(`coupons: ${coupons.map((coupon) => `${coupon.code} (${coupon.quantity}, ${coupon.perBuyer} a buyer)`).join(', ')}`);
    // The queued drop: added last, on sale a few seconds into the load (its buyers' draws come from a stream of their own).
    const dropShape = planDrop(options.orders);
    const startsAfterMs = dropStartsAfterMs(faultPlan.find((fault) => fault.kind === 'redis-flush')?.atMs);
    const queuePlans = planQueueBuyers(rng.fork('queue'), options.seed, dropShape.buyers, options.durationMs, startsAfterMs);
    const drop = await registerDrop(api, options.seed, dropShape, Date.now(), startsAfterMs);
    log(`queued drop: product ${drop.productId}, ${drop.units} units, ${queuePlans.length} buyers in its queue, on sale at ${new Date(drop.saleStartsAt).toISOString()}`);
    const loadStartedAt = Date.now();
    let done = 0;
    const progress = setInterval(() => log(`load: ${done}/${plans.length} buyers done, ${api.inFlight} request(s) open`), 10_000);
    let records: BuyerRecord[];
    let faultRecords: FaultRecord[];
    let queueBuyers: QueueBuyerRecord[];
    const sampler = sampleAdmitted(stack.redis, drop.productId);
    try {
      const context = { api, coupons, orderIdSecret, loadStartedAt, deadline: loadStartedAt + options.durationMs + BUYER_GRACE_MS, afterSale: new AfterSaleCoverage() };
      [records, faultRecords, queueBuyers] = await Promise.all([
        runBuyers(plans, context, options.concurrency, () => (done += 1)),
        runFaults(faultPlan, stack, loadStartedAt, { apiRequestsInFlight: () => api.inFlight, log }),
        // Waiting buyers stop polling a little after the load window (still WAITING then: counted unanswered).
        Promise.all(queuePlans.map((plan) => runQueueBuyer(plan, drop, { ...context, deadline: loadStartedAt + options.durationMs + QUEUE_GRACE_MS }))),
      ]);
    } finally {
      clearInterval(progress);
    }
    const sampled = await sampler.stop();
    const loadMs = Date.now() - loadStartedAt;
    log(`load done in ${(loadMs / 1000).toFixed(1)}s; waiting for quiet (at most ${options.quietTimeoutMs / 1000}s)`);

    const quietStarted = Date.now();
    const quiet = await waitForQuiet(stack, options.quietTimeoutMs, log);
    const quietMs = Date.now() - quietStarted;
    log(quiet.reached ? `quiet after ${(quietMs / 1000).toFixed(1)}s` : `NOT quiet after ${(quietMs / 1000).toFixed(1)}s: ${quiet.openOrders.length} order(s) open`);

    summary = await judge({
      options,
      stack,
      records,
      coupons,
      queue: { drop, buyers: queueBuyers, sampled, loadStartedAt },
      faultRecords,
      quiet,
      answers: api.statusCounts,
      startedAt,
      phasesMs: { setup: setupMs, load: loadMs, quiet: quietMs },
    });
    return summary;
  } finally {
    const keepLogs = options.keep || !summary?.ok;
    await stack.teardown({ keep: options.keep, keepLogs });
    if (summary) {
      summary.logsKept = keepLogs;
      summary.phasesMs.total = Date.now() - startedAt;
    }
  }
}
