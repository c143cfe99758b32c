/**
 * `npm run bench:saga`: sustained orders with ample stock, at several concurrency levels, beside a no-op baseline.
 *
 *   --levels=10,50,100 (SAGA_LEVELS)   --count=500 orders per level (SAGA_COUNT)   --level-timeout=300 s (SAGA_LEVEL_TIMEOUT)
 *   --rounds=3 (SAGA_ROUNDS): each level runs orders then no-op this many times; its ratio is the median of the rounds'
 *
 * One saga = POST /orders (201 RESERVED) then POST /orders/:id/payment tok_visa (200 CONFIRMED), through the API
 * process, closed loop: C clients each start their next order when the last one is CONFIRMED. End-to-end latency is
 * from the first request to the CONFIRMED answer. A placement answered 202 (the order exists and is deciding) is read
 * with GET /orders/:id after each Retry-After until RESERVED, then paid, as a buyer would: it counts as a saga.
 *
 * Baseline: bench/noop-workflow.ts, on its own task queue, run against the same dev server by a worker in a process of
 * its own (bench/noop-worker-main.ts), as the order worker runs, with as many activities as a CONFIRMED order's history
 * shows (split the same way around the two Updates), driven by this process's Temporal client directly
 * (Update-with-Start, then the pay Update) at the same concurrency and count.
 * The levels run one after the other (orders, then no-op, `rounds` times), each after the previous one's workflows
 * have closed. The no-op's rate moves by a fifth from one run to the next on this machine (the dev server's timing),
 * so one pair of runs can say 0.62 or 0.80 for the same code: a level's ratio is the median of its rounds' ratios.
 *
 * CPU per saga, process by process, is printed for the median round with the highest ratio this machine allows
 * (bench/cpu-per-saga.ts): the no-op's CPU plus only what an order's stores and buyers use. Every phase counts the
 * same processes: the order `worker` row beside the `noop worker` row (each idle, polling, on the other side's
 * phases), and the bench row is the load generator alone: the buyers' HTTP client, or the no-op's Temporal client.
 * BENCH_CPU_PROF=noop runs the no-op's worker under `node --cpu-prof` as `api` and `worker` run theirs
 * (`prof-noop-worker/` in the kept log folder).
 *
 * Ends with the invariant check and writes bench/results/saga-<timestamp>.json.
 */
import './databases';
import { loadavg } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config';
import { dataConverterFor } from '../temporal/codec';
import { openOrm } from '../db/orm';
import { connectRedis } from '../inventory/redis';
import { cpuMsPerSaga, ratioCeiling, roundInCpu, STORES_AND_BUYERS, type RoundInCpu } from './cpu-per-saga';
import { checkBenchInvariants, printInvariants } from './invariants';
import { boundedPool, codeVersion, CPU_ROW, cpuDelta, failureTally, cpuSnapshot, httpClient, jsonRequest, listArg, medianOf, numberArg, percentiles, pollUntil, printTable, round, verdict, waitForQuietMachine, writeResults } from './lib';
import { historyFacts, startNoopBaseline } from './noop-baseline';
import { startStack } from './stack';
import { findMetricsUrl, perUnit, scrape } from './temporal-metrics';
import { buyerAuth } from './tokens';
import { scrapeStatements, statementsPerUnit } from './worker-statements';

interface LevelResult {
  concurrency: number;
  attempted: number;
  completed: number;
  /** Placements answered 202 (the order deciding past TEMPORAL_CALL_TIMEOUT), then read until RESERVED and paid. */
  placedDeciding202: number;
  /** Payments answered 503 (the API's Temporal deadline passed) and sent again under their Idempotency-Key. */
  paymentsResentAfter503: number;
  failures: Record<string, number>;
  failureSamples: string[];
  seconds: number;
  perSecond: number;
  endToEndMs: ReturnType<typeof percentiles>;
  placeMs: ReturnType<typeof percentiles>;
  payMs: ReturnType<typeof percentiles>;
  drainSeconds: number;
  machineBefore: Awaited<ReturnType<typeof waitForQuietMachine>>;
  cpu: ReturnType<typeof cpuDelta>;
  /** The dev server's persistence operations and gRPC requests per completed saga (its Prometheus counters). */
  temporalPerSaga: ReturnType<typeof perUnit>;
  /** SQL statements the order worker sent per completed saga, by activity (none in a no-op phase but background work). */
  sqlPerSaga: ReturnType<typeof statementsPerUnit>;
  /** `uptime`'s load averages when the phase ended: the machine is shared, so figures travel with the load beside them. */
  loadAverage: string;
}

async function main(): Promise<void> {
  const levels = listArg('levels', 'SAGA_LEVELS', [10, 50, 100]);
  const count = numberArg('count', 'SAGA_COUNT', 500);
  const levelTimeoutMs = numberArg('level-timeout', 'SAGA_LEVEL_TIMEOUT', 300) * 1000;
  const rounds = numberArg('rounds', 'SAGA_ROUNDS', 3);
  const warmCount = 20;
  // The code the stack runs is the code on disk when it starts.
  const code = codeVersion();
  const config = loadConfig();

  console.log('[saga] starting a fresh stack…');
  const stack = await startStack({ name: 'saga' });
  const orm = await openOrm(config.DATABASE_URL);
  const redis = await connectRedis(config.REDIS_URL);
  const connection = await Connection.connect({ address: stack.temporalAddress });
  // The stack's parts encrypt payloads (TEMPORAL_CODEC_KEYS, or the local keys): results are read with the same codec.
  const temporal = new Client({ connection, namespace: stack.namespace, dataConverter: dataConverterFor() });
  const api = httpClient(stack.apiUrl, Math.max(...levels));
  // A no-op worker that never polls must not leave the stack's detached parts running.
  const baseline = await startNoopBaseline(temporal, stack).catch(async (error: unknown) => {
    await stack.stop({ keepLogs: true });
    throw error;
  });
  // Both workers in every phase's snapshot, so the two sides' tables have the same rows and totals.
  const cpuRoots = { ...stack.pids, [CPU_ROW.noopWorker]: baseline.workerPid };
  const metricsUrl = await findMetricsUrl(stack.pids.temporal);
  let failed = false;

  try {
    const tag = Date.now().toString(36);
    const stock = Math.min(10_000_000, (levels.length * rounds * count + warmCount) * 2 + 1_000);
    const product = await jsonRequest<{ id: number }>('POST', `${stack.apiUrl}/products`, { sku: `saga-${tag}`, name: 'Saga bench', priceCents: 2_500, stock }, 201);

    // One saga through the API: place, then pay; returns the latencies or throws with what went wrong.
    let orderSeq = 0;
    /** Placements answered 202 (deciding), in the current level. */
    let pending = 0;
    /** Payments answered 503 and sent again under their Idempotency-Key, in the current level. */
    let paymentsResent = 0;
    const orderIds: string[] = [];
    const placeAndPay = async () => {
      const started = performance.now();
      const auth = buyerAuth(`saga-${tag}-${++orderSeq}`);
      const placed = await api.request('POST', '/orders', { items: [{ productId: product.id, quantity: 1 }] }, auth);
      if (placed.status !== 201 && placed.status !== 202) throw new Error(`place ${placed.status}: ${placed.body.slice(0, 200)}`);
      const orderId = JSON.parse(placed.body).id as string;
      orderIds.push(orderId);
      if (placed.status === 202) {
        // The order exists and is still deciding (the API's Temporal deadline passed under load): a valid answer. The
        // buyer asks again after its Retry-After (1 s) until the order has decided, then pays; the wait counts. Still
        // deciding reads as 202 before the workflow's first step records the order, and as 200 PENDING after it.
        pending += 1;
        const deciding = (answer: { status: number; body: string }) =>
          answer.status === 202 || (answer.status === 200 && (JSON.parse(answer.body) as { status?: string }).status === 'PENDING');
        const recorded = await pollUntil(
          () => api.request('GET', `/orders/${orderId}`, undefined, auth),
          (answer) => !deciding(answer),
          levelTimeoutMs,
          1_000,
        );
        const status = recorded.value.status === 200 ? (JSON.parse(recorded.value.body).status as string) : undefined;
        if (status !== 'RESERVED') throw new Error(`placed 202, then ${recorded.value.status} ${status ?? ''}: ${recorded.value.body.slice(0, 200)}`);
      }
      // Paid with an Idempotency-Key, so a payment answered 503 (the API's Temporal deadline passed under load) is sent
      // again after its Retry-After (1 s), as a buyer would, and joins the payment already under way; the wait counts.
      const payAuth = { ...auth, 'idempotency-key': `saga-pay-${orderId}` };
      let paid = await api.request('POST', `/orders/${orderId}/payment`, { paymentToken: 'tok_visa' }, payAuth);
      const payStarted = performance.now() - paid.ms;
      while (paid.status === 503 && performance.now() - started < levelTimeoutMs) {
        paymentsResent += 1;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        paid = await api.request('POST', `/orders/${orderId}/payment`, { paymentToken: 'tok_visa' }, payAuth);
      }
      const status = paid.status === 200 ? (JSON.parse(paid.body).status as string) : undefined;
      if (status !== 'CONFIRMED') throw new Error(`pay ${paid.status} ${status ?? ''}: ${paid.body.slice(0, 200)}`);
      return { endToEnd: performance.now() - started, place: placed.ms, pay: performance.now() - payStarted };
    };

    const drain = async () => {
      const started = performance.now();
      await pollUntil(async () => (await temporal.workflow.count('ExecutionStatus="Running"')).count, (running) => running === 0, 120_000, 250);
      return round((performance.now() - started) / 1000);
    };

    const runLevel = async (concurrency: number, total: number, saga: () => Promise<{ endToEnd: number; place: number; pay: number }>): Promise<LevelResult> => {
      const endToEnd: number[] = [];
      const place: number[] = [];
      const pay: number[] = [];
      const { failures, failureSamples, record } = failureTally();
      const machineBefore = await waitForQuietMachine();
      pending = 0;
      paymentsResent = 0;
      const countersBefore = await scrape(metricsUrl);
      const statementsBefore = await scrapeStatements(stack.workerMetricsUrls);
      const cpuBefore = cpuSnapshot(cpuRoots);
      const started = performance.now();
      const { issued } = await boundedPool(total, concurrency, levelTimeoutMs, async () => {
        try {
          const result = await saga();
          endToEnd.push(result.endToEnd);
          place.push(result.place);
          pay.push(result.pay);
        } catch (error) {
          record(error);
        }
      });
      const seconds = (performance.now() - started) / 1000;
      const cpu = cpuDelta(cpuBefore, cpuSnapshot(cpuRoots), seconds);
      const drainSeconds = await drain();
      // After the drain, so the tails (notifications, workflow completion) are in.
      const temporalPerSaga = perUnit(countersBefore, await scrape(metricsUrl), endToEnd.length);
      const sqlPerSaga = statementsPerUnit(statementsBefore, await scrapeStatements(stack.workerMetricsUrls), endToEnd.length);
      return {
        concurrency,
        attempted: issued,
        completed: endToEnd.length,
        placedDeciding202: pending,
        paymentsResentAfter503: paymentsResent,
        failures,
        failureSamples,
        seconds: round(seconds),
        perSecond: round(endToEnd.length / seconds),
        endToEndMs: percentiles(endToEnd),
        placeMs: percentiles(place),
        payMs: percentiles(pay),
        drainSeconds,
        machineBefore,
        cpu,
        temporalPerSaga,
        sqlPerSaga,
        loadAverage: loadavg().map((load) => load.toFixed(2)).join(' '),
      };
    };

    // Warm-up (not measured), then one CONFIRMED order's history decides the no-op's shape.
    console.log(`[saga] warm-up: ${warmCount} orders`);
    const warmOrders = await runLevel(10, warmCount, placeAndPay);
    if (warmOrders.completed === 0) throw new Error(`warm-up orders all failed: ${warmOrders.failureSamples.join('; ')}`);
    const history = await historyFacts(temporal, orderIds[0]);
    console.log(
      `[saga] a CONFIRMED order's history: ${history.totalEvents} events, ${history.activitiesScheduled} scheduled + ${history.localActivities} local activities, ` +
        `${history.workflowTasks} workflow tasks; no-op shape ${JSON.stringify(history.shape)}`,
    );
    const warmNoop = await runLevel(10, warmCount, baseline.saga(history.shape));
    const noopHistory = await historyFacts(temporal, baseline.firstWorkflowId);

    const rows: Array<{ concurrency: number; round: number; orders: LevelResult; noop: LevelResult; ratio: number }> = [];
    for (const concurrency of levels) {
      for (let r = 1; r <= rounds; r += 1) {
        console.log(`[saga] level ${concurrency}, round ${r} of ${rounds}: ${count} orders`);
        const orders = await runLevel(concurrency, count, placeAndPay);
        console.log(`[saga]   orders: ${orders.perSecond}/s, p50 ${orders.endToEndMs.p50} ms, p99 ${orders.endToEndMs.p99} ms; no-op…`);
        const noop = await runLevel(concurrency, count, baseline.saga(history.shape));
        console.log(`[saga]   no-op: ${noop.perSecond}/s, p50 ${noop.endToEndMs.p50} ms, p99 ${noop.endToEndMs.p99} ms`);
        rows.push({ concurrency, round: r, orders, noop, ratio: round(orders.perSecond / noop.perSecond, 3) });
      }
    }
    // Per level: the median of its rounds' ratios, and the round that gave it (its rates, latencies and CPU).
    const results = levels.map((concurrency) => {
      const ofLevel = rows.filter((row) => row.concurrency === concurrency).sort((a, b) => a.ratio - b.ratio);
      const median = ofLevel[Math.floor((ofLevel.length - 1) / 2)];
      const ordersCpu = cpuMsPerSaga(median.orders.cpu, median.orders.completed);
      const noopCpu = cpuMsPerSaga(median.noop.cpu, median.noop.completed);
      const ceiling = ratioCeiling(ordersCpu, noopCpu);
      const inOrder = rows.filter((row) => row.concurrency === concurrency);
      return {
        ...median,
        roundRatios: inOrder.map((row) => row.ratio),
        roundsInCpu: inOrder.map((row) => roundInCpu(cpuMsPerSaga(row.orders.cpu, row.orders.completed), cpuMsPerSaga(row.noop.cpu, row.noop.completed))),
        cpuMsPerSaga: { orders: Object.fromEntries(ordersCpu), noop: Object.fromEntries(noopCpu) },
        ceiling,
        /** The share of the highest ratio this machine allows that the orders reached (issue 28: ≥ 0.95). */
        ratioOfCeiling: round(median.ratio / ceiling.ceiling, 3),
        /** CPU per order beyond the no-op's and the stores' and buyers': the part that is our code's (issue 28: ≤ 8 ms). */
        oursMs: round(ceiling.orderMs - ceiling.noopMs - ceiling.storesAndBuyersMs, 1),
      };
    });

    const invariants = await checkBenchInvariants({
      orm,
      redis,
      paymentsUrl: stack.paymentsUrl,
      temporal: { address: stack.temporalAddress, namespace: stack.namespace },
      stocked: new Map([[product.id, stock]]),
    });
    const best = results.reduce((a, b) => (b.orders.perSecond > a.orders.perSecond ? b : a));
    const summary = {
      benchmark: 'saga',
      at: new Date().toISOString(),
      code,
      machine: { cores: 2, note: 'API, order worker, payments, Temporal dev server (SQLite), MariaDB, Redis, the no-op worker and the load generator share the machine' },
      parameters: { levels, countPerLevel: count, rounds, productId: product.id, stock, warmUp: { orders: warmOrders, noop: warmNoop } },
      stack: { api: stack.apiUrl, temporal: stack.temporalAddress, workers: stack.workers, logs: stack.logDir, cpuProfiled: stack.cpuProfiled },
      orderHistory: history,
      noopHistory,
      levels: results,
      rounds: rows,
      targets: {
        throughput: { target: '>= 100 orders/s', measured: best.orders.perSecond, atConcurrency: best.concurrency, met: best.orders.perSecond >= 100 },
        vsNoop: {
          target: '>= 0.9 of no-op (issue 14)',
          measured: results.map((row) => ({ concurrency: row.concurrency, ratio: row.ratio, ceiling: row.ceiling })),
          met: results.every((row) => row.ratio >= 0.9),
        },
        ratioOfCeiling: {
          target: '>= 0.95 of the highest ratio this machine allows (issue 28)',
          measured: results.map((row) => ({ concurrency: row.concurrency, ratioOfCeiling: row.ratioOfCeiling })),
          met: results.every((row) => row.ratioOfCeiling >= 0.95),
        },
        oursMs: {
          target: '<= 8 ms CPU per order beyond the no-op, stores and buyers (issue 28)',
          measured: results.map((row) => ({ concurrency: row.concurrency, oursMs: row.oursMs })),
          met: results.every((row) => row.oursMs <= 8),
        },
        sqlStatements: {
          target: '<= 8 SQL statements per CONFIRMED order in the worker (issue 28)',
          measured: results.map((row) => ({ concurrency: row.concurrency, perOrder: row.orders.sqlPerSaga?.orderSteps ?? null })),
          met: results.every((row) => row.orders.sqlPerSaga !== undefined && row.orders.sqlPerSaga.orderSteps <= 8),
        },
      },
      invariants,
    };
    failed = !invariants.ok || rows.some((row) => row.orders.completed < count);

    console.log(JSON.stringify(summary, null, 2));
    printTable(
      `Saga: ${count} per level; a CONFIRMED order = ${history.activitiesScheduled} scheduled + ${history.localActivities} local activities, ` +
        `${history.totalEvents} history events, ${history.workflowTasks} workflow tasks, ${history.payloadBytes} payload bytes ` +
        `(no-op: ${noopHistory.activitiesScheduled} + ${noopHistory.localActivities}, ${noopHistory.totalEvents} events, ${noopHistory.workflowTasks} workflow tasks, ${noopHistory.payloadBytes} payload bytes)`,
      [
        ['concurrency', 'round', 'orders/s', 'e2e p50', 'e2e p95', 'e2e p99', 'no-op/s', 'no-op p50', 'no-op p99', 'ratio', 'placed 202', 'pay resent', 'failures'],
        ...rows.map((row): [string, ...Array<string | number>] => [
          String(row.concurrency),
          row.round,
          row.orders.perSecond,
          row.orders.endToEndMs.p50,
          row.orders.endToEndMs.p95,
          row.orders.endToEndMs.p99,
          row.noop.perSecond,
          row.noop.endToEndMs.p50,
          row.noop.endToEndMs.p99,
          row.ratio,
          row.orders.placedDeciding202,
          row.orders.paymentsResentAfter503,
          JSON.stringify(row.orders.failures) + JSON.stringify(row.noop.failures),
        ]),
      ],
    );
    printTable('CPU cores used per process (orders | no-op), per level: the round that gave its median ratio', [
      ['process', ...results.map((row) => `c=${row.concurrency}`)],
      ...results[0].orders.cpu.byProcess.map((entry): [string, ...string[]] => [
        entry.process,
        ...results.map((row) => `${row.orders.cpu.byProcess.find((one) => one.process === entry.process)?.coresUsed ?? '-'} | ${row.noop.cpu.byProcess.find((one) => one.process === entry.process)?.coresUsed ?? '-'}`),
      ]),
    ]);
    printTable(`CPU ms per saga (orders | no-op), per level: the round that gave its median ratio; stores and buyers: ${STORES_AND_BUYERS.join(', ')}`, [
      ['process', ...results.map((row) => `c=${row.concurrency}`)],
      ...Object.keys(results[0].cpuMsPerSaga.orders).map((name): [string, ...string[]] => [
        name,
        ...results.map((row) => `${row.cpuMsPerSaga.orders[name] ?? '-'} | ${row.cpuMsPerSaga.noop[name] ?? '-'}`),
      ]),
      ['total', ...results.map((row) => `${row.ceiling.orderMs} | ${row.ceiling.noopMs}`)],
      [
        'highest reachable ratio: no-op ÷ (no-op + stores and buyers)',
        ...results.map((row) => `${row.ceiling.noopMs} ÷ (${row.ceiling.noopMs} + ${row.ceiling.storesAndBuyersMs}) = ${row.ceiling.ceiling}`),
      ],
    ]);
    printTable('Per level: the ratio against the highest this machine allows (median round)', [
      ['concurrency', 'ratio (rounds)', 'ceiling', 'ratio ÷ ceiling', 'CPU ms per order that is ours', 'load average (1, 5, 15 min) after orders | no-op'],
      ...results.map((row): [string, ...string[]] => [
        String(row.concurrency),
        `${row.ratio} (${row.roundRatios.join(', ')})`,
        String(row.ceiling.ceiling),
        String(row.ratioOfCeiling),
        `${row.ceiling.orderMs} − ${row.ceiling.noopMs} − ${row.ceiling.storesAndBuyersMs} = ${row.oursMs}`,
        `${row.orders.loadAverage} | ${row.noop.loadAverage}`,
      ]),
    ]);
    const eachRound = (row: (typeof results)[number], pick: (one: RoundInCpu) => number) => {
      const values = row.roundsInCpu.map(pick);
      return `${medianOf(values)} (${values.join(', ')}; spread ${round(Math.max(...values) - Math.min(...values), 3)})`;
    };
    printTable('Per level, every round in CPU per saga: median (rounds; spread)', [
      ['concurrency', 'CPU ms per order that is ours', 'order worker − no-op worker', 'api', 'CPU ratio: no-op ÷ order'],
      ...results.map((row): [string, ...string[]] => [
        String(row.concurrency),
        eachRound(row, (one) => one.oursMs),
        eachRound(row, (one) => one.workerBeyondNoopMs),
        eachRound(row, (one) => one.apiMs),
        eachRound(row, (one) => one.cpuRatio),
      ]),
    ]);
    const perOrder = (orders: number | string, noop: number | string) => `${orders} | ${noop}`;
    printTable('Per order, counted (exact whatever the load; orders | no-op)', [
      ['what', ...results.map((row) => `c=${row.concurrency}`)],
      ['SQL statements of the order steps (worker)', ...results.map((row) => perOrder(row.orders.sqlPerSaga?.orderSteps ?? '-', row.noop.sqlPerSaga?.orderSteps ?? 0))],
      ['SQL statements of other work meanwhile (reconciler, clean-ups)', ...results.map((row) => perOrder(row.orders.sqlPerSaga?.background ?? '-', row.noop.sqlPerSaga?.background ?? 0))],
      ['workflow tasks', ...results.map(() => perOrder(history.workflowTasks, noopHistory.workflowTasks))],
      ['activities (scheduled + local)', ...results.map(() => perOrder(`${history.activitiesScheduled} + ${history.localActivities}`, `${noopHistory.activitiesScheduled} + ${noopHistory.localActivities}`))],
      ['history events', ...results.map(() => perOrder(history.totalEvents, noopHistory.totalEvents))],
      ['payload bytes in the history', ...results.map(() => perOrder(history.payloadBytes, noopHistory.payloadBytes))],
      ['Temporal persistence operations', ...results.map((row) => perOrder(row.orders.temporalPerSaga?.persistenceOpsPerUnit ?? '-', row.noop.temporalPerSaga?.persistenceOpsPerUnit ?? '-'))],
    ]);
    printTable('SQL statements per order by task queue and activity (worker; median round)', [
      ['task queue, activity', ...results.map((row) => `c=${row.concurrency}`)],
      ...[...new Set(results.flatMap((row) => Object.keys(row.orders.sqlPerSaga?.byActivity ?? {})))].map((activity): [string, ...string[]] => [
        activity,
        ...results.map((row) => String(row.orders.sqlPerSaga?.byActivity[activity] ?? '-')),
      ]),
    ]);
    printTable('Temporal dev server work per saga (its Prometheus counters; orders | no-op)', [
      ['concurrency', 'persistence ops', 'persistence ms', 'gRPC requests', 'top persistence ops per order'],
      ...results.map((row): [string, ...string[]] => [
        String(row.concurrency),
        `${row.orders.temporalPerSaga?.persistenceOpsPerUnit ?? '-'} | ${row.noop.temporalPerSaga?.persistenceOpsPerUnit ?? '-'}`,
        `${row.orders.temporalPerSaga?.persistenceMsPerUnit ?? '-'} | ${row.noop.temporalPerSaga?.persistenceMsPerUnit ?? '-'}`,
        `${row.orders.temporalPerSaga?.serviceRequestsPerUnit ?? '-'} | ${row.noop.temporalPerSaga?.serviceRequestsPerUnit ?? '-'}`,
        (row.orders.temporalPerSaga?.topPersistenceOps ?? []).slice(0, 4).map((op) => `${op.operation} ${op.perUnit}`).join(', '),
      ]),
    ]);
    printTable('Targets', [
      ['target', 'measured', 'verdict'],
      [`throughput ${summary.targets.throughput.target}`, `${best.orders.perSecond} (c=${best.concurrency})`, verdict(summary.targets.throughput.met)],
      [
        `vs no-op ${summary.targets.vsNoop.target}, median of ${rounds} round(s)`,
        results.map((row) => `c=${row.concurrency}: ${row.ratio} (${row.roundRatios.join(', ')}; reachable ≤ ${row.ceiling.ceiling})`).join('; '),
        verdict(summary.targets.vsNoop.met),
      ],
      [summary.targets.ratioOfCeiling.target, results.map((row) => `c=${row.concurrency}: ${row.ratioOfCeiling}`).join('; '), verdict(summary.targets.ratioOfCeiling.met)],
      [summary.targets.oursMs.target, results.map((row) => `c=${row.concurrency}: ${row.oursMs}`).join('; '), verdict(summary.targets.oursMs.met)],
      [summary.targets.sqlStatements.target, results.map((row) => `c=${row.concurrency}: ${row.orders.sqlPerSaga?.orderSteps ?? '-'}`).join('; '), verdict(summary.targets.sqlStatements.met)],
    ]);
    printInvariants(invariants);
    console.log(`\nresults: ${writeResults('saga', summary)}`);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    api.close();
    await baseline.stop();
    await connection.close();
    redis.disconnect();
    await orm.close();
    await stack.stop({ keepLogs: failed || stack.cpuProfiled.length > 0 || process.env.BENCH_KEEP_LOGS === '1' });
    if (failed) process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
