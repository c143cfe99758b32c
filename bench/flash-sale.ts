/**
 * `npm run bench:flash`: N buyers at concurrency C race for S units of one new product.
 *
 *   --buyers=N (FLASH_BUYERS, 10000)   --concurrency=C (FLASH_CONCURRENCY, 500)   --stock=S (FLASH_STOCK, 100)
 *   --soldout-seconds (FLASH_SOLDOUT_SECONDS, 5)   --soldout-connections per endpoint (FLASH_SOLDOUT_CONNECTIONS, 4)
 *
 * Phase 1 (the race): autocannon sends exactly N POST /orders (quantity 1) over C connections. Every 201 is paid at
 * once (POST /orders/:id/payment tok_visa) by a keep-alive client beside autocannon, as a buyer would: autocannon's
 * request chaining counts the payments against `amount`, so it could not send exactly N placements and still pay only
 * the reserved ones. Latency is recorded per request from autocannon's response events, split by status.
 * A poller reads MySQL (CONFIRMED count, order rows) and Redis (availability) every 100 ms for the timeline.
 *
 * Phase 2 (sold-out answers): POST /orders on the sold-out product and GET /healthz of the same API, side by side in
 * one run (FLASH_SOLDOUT_CONNECTIONS connections each, 8 in all by default), for a few seconds; then each alone, with
 * the API's CPU per answer.
 *
 * Phase 3 (the drop's baseline): as many no-op workflows of a sold order's shape (bench/noop-baseline.ts) as units were
 * sold, all started at once on the same dev server, placed and paid: the time they take to finish is what Temporal
 * itself needs for that many sagas here, set beside the time every sold unit took to be CONFIRMED; and in CPU, the
 * lowest ratio this machine allows (bench/drop-floor.ts).
 *
 * Ends with the invariant check (bench/invariants.ts) and writes bench/results/flash-sale-<timestamp>.json.
 */
import './databases';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config';
import { dataConverterFor } from '../temporal/codec';
import { openOrm } from '../db/orm';
import { forkSql, select } from '../db/sql';
import { Inventory } from '../inventory/inventory';
import { connectRedis } from '../inventory/redis';
import { dropFloor } from './drop-floor';
import { checkBenchInvariants, printInvariants } from './invariants';
import { historyFacts, startNoopBaseline, type NoopTemporal } from './noop-baseline';
import { boundedPool, codeVersion, CPU_ROW, cpuDelta, cpuSnapshot, httpClient, jsonRequest, numberArg, partCpuWhile, percentiles, pollUntil, printTable, round, runAutocannon, sleep, verdict, waitForQuietMachine, writeResults } from './lib';
import { startStack } from './stack';
import { findMetricsUrl, perUnit, scrape } from './temporal-metrics';
import { buyerAuth } from './tokens';

interface Sample {
  t: number;
  confirmed: number;
  orderRows: number;
  available: number | null;
}

async function main(): Promise<void> {
  const buyers = numberArg('buyers', 'FLASH_BUYERS', 10_000);
  const concurrency = numberArg('concurrency', 'FLASH_CONCURRENCY', 500);
  const units = numberArg('stock', 'FLASH_STOCK', 100);
  const soldOutSeconds = numberArg('soldout-seconds', 'FLASH_SOLDOUT_SECONDS', 5);
  const soldOutConnections = numberArg('soldout-connections', 'FLASH_SOLDOUT_CONNECTIONS', 4);
  if (concurrency > buyers) throw new Error('concurrency cannot exceed the number of buyers');

  // The code the stack runs is the code on disk when it starts.
  const code = codeVersion();
  const config = loadConfig();
  console.log(`[flash] starting a fresh stack…`);
  const stack = await startStack({ name: 'flash' });
  const orm = await openOrm(config.DATABASE_URL);
  const redis = await connectRedis(config.REDIS_URL);
  const inventory = new Inventory(redis);
  const temporalConnection = await Connection.connect({ address: stack.temporalAddress });
  // The stack's parts encrypt payloads (TEMPORAL_CODEC_KEYS, or the local keys): histories are read with the same codec.
  const temporal = new Client({ connection: temporalConnection, namespace: stack.namespace, dataConverter: dataConverterFor() });
  const api = httpClient(stack.apiUrl, 128);
  let failed = false;

  try {
    const tag = Date.now().toString(36);
    const createProduct = (sku: string, stock: number) =>
      jsonRequest<{ id: number }>('POST', `${stack.apiUrl}/products`, { sku, name: `Bench ${sku}`, priceCents: 4_999, stock }, 201);

    // Warm-up on a product of its own: JIT, connection pools and the worker's workflow bundle, not measured.
    const warmUnits = 20;
    const warm = await createProduct(`flash-warm-${tag}`, warmUnits);
    await boundedPool(warmUnits, 10, 60_000, async (i) => {
      const auth = buyerAuth(`warm-${tag}-${i}`);
      const placed = await api.request('POST', '/orders', { items: [{ productId: warm.id, quantity: 1 }] }, auth);
      if (placed.status !== 201) throw new Error(`warm-up order answered ${placed.status}: ${placed.body}`);
      const paid = await api.request('POST', `/orders/${JSON.parse(placed.body).id}/payment`, { paymentToken: 'tok_visa' }, auth);
      if (paid.status !== 200) throw new Error(`warm-up payment answered ${paid.status}: ${paid.body}`);
    });

    const machineBeforeRace = await waitForQuietMachine();
    const product = await createProduct(`flash-${tag}`, units);
    const productId = product.id;
    // Every buyer is a distinct customer with a token of their own (the body names no customer: the token does).
    const orderBody = JSON.stringify({ items: [{ productId, quantity: 1 }] });
    const buyerRequest = <R extends { headers?: object }>(request: R, customer: string | Record<string, string>): R => ({
      ...request,
      body: orderBody,
      headers: { ...request.headers, ...(typeof customer === 'string' ? buyerAuth(customer) : customer) },
    });
    const readSample = async (t: number): Promise<Sample> => {
      const [[row], available] = await Promise.all([
        select<{ confirmed: string | null; rows: number }>(
          forkSql(orm),
          `SELECT SUM(o.status = 'CONFIRMED') AS confirmed, COUNT(*) AS \`rows\` FROM orders o JOIN order_line l ON l.order_id = o.id WHERE l.product_id = ?`,
          [productId],
        ),
        inventory.available(productId),
      ]);
      return { t, confirmed: Number(row.confirmed ?? 0), orderRows: Number(row.rows), available };
    };

    // ---------------------------------------------------------------------------------------------------------
    // Phase 1: the race.
    console.log(`[flash] race: ${buyers} buyers, ${concurrency} connections, ${units} units of product ${productId}`);
    const latencies = { accepted: [] as number[], rejected: [] as number[], other: [] as number[] };
    const statuses: Record<string, number> = {};
    const rejectCodes: Record<string, number> = {};
    const otherBodies: string[] = [];
    const soldAtMs: number[] = [];
    const soldOrderIds: string[] = [];
    let firstRejectMs: number | undefined;
    const payments: Array<Promise<void>> = [];
    const payLatencies: number[] = [];
    const payStatuses: Record<string, number> = {};
    const payErrors: string[] = [];
    let placed = 0;
    let lastPaymentMs: number | undefined;

    const pay = async (orderId: string, customerId: string) => {
      try {
        const answer = await api.request('POST', `/orders/${orderId}/payment`, { paymentToken: 'tok_visa' }, buyerAuth(customerId));
        payLatencies.push(answer.ms);
        lastPaymentMs = performance.now() - t0;
        const status = answer.status === 200 ? `${answer.status} ${JSON.parse(answer.body).status}` : `${answer.status}`;
        payStatuses[status] = (payStatuses[status] ?? 0) + 1;
        if (answer.status !== 200 && payErrors.length < 10) payErrors.push(answer.body.slice(0, 300));
      } catch (error) {
        payStatuses.error = (payStatuses.error ?? 0) + 1;
        if (payErrors.length < 10) payErrors.push((error as Error).message);
      }
    };

    const metricsUrl = await findMetricsUrl(stack.pids.temporal);
    const countersBefore = await scrape(metricsUrl);
    const samples: Sample[] = [];
    let sampling = true;
    const cpuBefore = cpuSnapshot(stack.pids);
    const t0 = performance.now();
    const sampler = (async () => {
      while (sampling) {
        samples.push(await readSample(performance.now() - t0));
        await sleep(100);
      }
    })();

    const raceResult = await runAutocannon(
      {
        url: stack.apiUrl,
        connections: concurrency,
        amount: buyers,
        timeout: 120,
        requests: [
          {
            method: 'POST',
            path: '/orders',
            headers: { 'content-type': 'application/json' },
            setupRequest: (request) => buyerRequest(request, `flash-${tag}-${++placed}`),
            onResponse: (status, body) => {
              if (status === 201) {
                soldAtMs.push(performance.now() - t0);
                const order = JSON.parse(body) as { id: string; customerId: string };
                soldOrderIds.push(order.id);
                payments.push(pay(order.id, order.customerId));
              } else if (status === 409) {
                firstRejectMs ??= performance.now() - t0;
                const code = String(JSON.parse(body).code);
                rejectCodes[code] = (rejectCodes[code] ?? 0) + 1;
              } else if (otherBodies.length < 10) {
                otherBodies.push(`${status}: ${body.slice(0, 300)}`);
              }
            },
          },
        ],
      },
      (statusCode, responseTime) => {
        statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
        (statusCode === 201 ? latencies.accepted : statusCode === 409 ? latencies.rejected : latencies.other).push(responseTime);
      },
    );
    const raceMs = performance.now() - t0;
    await Promise.all(payments);
    const sold = soldAtMs.length;
    // Every sold order must become CONFIRMED; bounded wait.
    const confirmedWait = await pollUntil(() => readSample(performance.now() - t0), (sample) => sample.confirmed >= sold, 60_000, 100);
    samples.push(confirmedWait.value);
    sampling = false;
    await sampler;
    const cpuRace = cpuDelta(cpuBefore, cpuSnapshot(stack.pids), (performance.now() - t0) / 1000);
    const countersAfterRace = await scrape(metricsUrl);

    const allConfirmedSample = samples.find((sample) => sample.confirmed >= sold && sold > 0);
    const soldOutSample = samples.find((sample) => sample.available === 0);
    const lastSoldMs = soldAtMs.length ? Math.max(...soldAtMs) : undefined;
    const rows = (await readSample(0)).orderRows;

    // Workflows started: every workflow's first step records its order PENDING in MySQL, so the product's order rows
    // count them; Temporal's visibility (CustomerId STARTS_WITH) is asked too, as a cross-check.
    let temporalCount: number | string;
    try {
      const query = `CustomerId STARTS_WITH "flash-${tag}-"`;
      const counted = await pollUntil(
        async () => (await temporal.workflow.count(query)).count,
        (count) => count >= rows,
        10_000,
        500,
      );
      temporalCount = counted.value;
    } catch (error) {
      temporalCount = `count failed: ${(error as Error).message}`;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Phase 2: sold-out answers beside the bare endpoint.
    console.log(`[flash] sold-out answers: ${soldOutConnections}+${soldOutConnections} connections for ${soldOutSeconds}s`);
    const machineBeforeSoldOut = await waitForQuietMachine();
    const rowsBefore = (await readSample(0)).orderRows;
    const soldOut = { latencies: [] as number[], statuses: {} as Record<string, number> };
    const bare = { latencies: [] as number[], statuses: {} as Record<string, number> };
    let soldOutSeq = 0;
    // The late buyers' tokens are signed before the phase, so the load generator does the same little work for a
    // sold-out request as for a health check (signing one per request delayed each POST on the generator's side).
    // Every late buyer is still a distinct customer whose token the API has not seen.
    const soloSeconds = Math.max(1, Math.min(3, soldOutSeconds));
    const lateBuyers = Array.from({ length: (soldOutSeconds + soloSeconds) * 8_000 }, (_, i) => buyerAuth(`late-${tag}-${i + 1}`));
    const lateBuyer = () => lateBuyers[soldOutSeq++] ?? `late-${tag}-${soldOutSeq}`;
    const cpuBefore2 = cpuSnapshot(stack.pids);
    const t2 = performance.now();
    const record = (into: typeof bare) => (statusCode: number, responseTime: number) => {
      into.statuses[statusCode] = (into.statuses[statusCode] ?? 0) + 1;
      into.latencies.push(responseTime);
    };
    const [soldOutResult, bareResult] = await Promise.all([
      runAutocannon(
        {
          url: stack.apiUrl,
          connections: soldOutConnections,
          duration: soldOutSeconds,
          requests: [
            {
              method: 'POST',
              path: '/orders',
              headers: { 'content-type': 'application/json' },
              setupRequest: (request) => buyerRequest(request, lateBuyer()),
            },
          ],
        },
        record(soldOut),
      ),
      runAutocannon({ url: `${stack.apiUrl}/healthz`, connections: soldOutConnections, duration: soldOutSeconds }, record(bare)),
    ]);
    const cpuSoldOut = cpuDelta(cpuBefore2, cpuSnapshot(stack.pids), (performance.now() - t2) / 1000);
    // Context: each endpoint alone for a short while, same connections.
    const soloSoldOut = { latencies: [] as number[], statuses: {} as Record<string, number> };
    const soloBare = { latencies: [] as number[], statuses: {} as Record<string, number> };
    const { result: soloSoldOutResult, cpuSeconds: soloSoldOutApiCpu } = await partCpuWhile(stack.pids.api, () => runAutocannon(
      {
        url: stack.apiUrl,
        connections: soldOutConnections,
        duration: soloSeconds,
        requests: [
          {
            method: 'POST',
            path: '/orders',
            headers: { 'content-type': 'application/json' },
            setupRequest: (request) => buyerRequest(request, lateBuyer()),
          },
        ],
      },
      record(soloSoldOut),
    ));
    const { result: soloBareResult, cpuSeconds: soloBareApiCpu } = await partCpuWhile(stack.pids.api, () =>
      runAutocannon({ url: `${stack.apiUrl}/healthz`, connections: soldOutConnections, duration: soloSeconds }, record(soloBare)),
    );
    // What each answer cost the API's process: steadier than the rates on a shared machine (bench/lib.ts partCpuWhile).
    const microsPerAnswer = (cpuSeconds: number, answers: number) => round((cpuSeconds * 1e6) / answers, 0);
    const alone = {
      seconds: soloSeconds,
      soldOutOrders: { requestsPerSecond: round(soloSoldOut.latencies.length / soloSoldOutResult.duration), latencyMs: percentiles(soloSoldOut.latencies), statuses: soloSoldOut.statuses, apiCpuMicrosPerAnswer: microsPerAnswer(soloSoldOutApiCpu, soloSoldOut.latencies.length) },
      healthz: { requestsPerSecond: round(soloBare.latencies.length / soloBareResult.duration), latencyMs: percentiles(soloBare.latencies), statuses: soloBare.statuses, apiCpuMicrosPerAnswer: microsPerAnswer(soloBareApiCpu, soloBare.latencies.length) },
    };
    const rowsAfterPhase = async () => (await readSample(0)).orderRows;

    // ---------------------------------------------------------------------------------------------------------
    // Phase 3: the drop's baseline, as many no-op sagas as units sold, all at once.
    const dropBaseline = sold > 0 ? await measureNoopDrop(temporal, stack, soldOrderIds[0], sold) : null;
    const floor = dropBaseline && dropFloor(cpuRace, dropBaseline.cpu, statuses[409] ?? 0, alone.healthz.apiCpuMicrosPerAnswer);

    // ---------------------------------------------------------------------------------------------------------
    const invariants = await checkBenchInvariants({
      orm,
      redis,
      paymentsUrl: stack.paymentsUrl,
      temporal: { address: stack.temporalAddress, namespace: stack.namespace },
      stocked: new Map([
        [warm.id, warmUnits],
        [productId, units],
      ]),
    });
    const finalProduct = invariants.I1.products.find((row) => row.productId === productId)!;
    const confirmedUnits = finalProduct.confirmedUnits;
    const oversold = Math.max(0, confirmedUnits - units) + Math.max(0, sold - units) + (finalProduct.stock < 0 ? -finalProduct.stock : 0);

    const acceptedLatency = percentiles(latencies.accepted);
    const rejectedLatency = percentiles(latencies.rejected);
    const overallRps = round(buyers / (raceMs / 1000));
    const soldOutLatency = percentiles(soldOut.latencies);
    const bareLatency = percentiles(bare.latencies);
    const soldOutRps = round(soldOut.latencies.length / soldOutResult.duration);
    const bareRps = round(bare.latencies.length / bareResult.duration);
    const allConfirmedMs = allConfirmedSample ? round(allConfirmedSample.t, 0) : null;
    const workflowsStarted = rows;

    const summary = {
      benchmark: 'flash-sale',
      at: new Date().toISOString(),
      code,
      machine: { cores: 2, note: 'API, worker, payments, Temporal dev server (SQLite), MariaDB, Redis and the load generator share the machine' },
      parameters: { buyers, concurrency, units, productId, warmUp: { productId: warm.id, orders: warmUnits, concurrency: 10 } },
      machineBeforeRace,
      machineBeforeSoldOut,
      stack: { api: stack.apiUrl, apiProcesses: stack.apiProcesses, payments: stack.paymentsUrl, temporal: stack.temporalAddress, workers: stack.workers, logs: stack.logDir, cpuProfiled: stack.cpuProfiled },
      race: {
        sold,
        rejected409: statuses[409] ?? 0,
        rejectCodes,
        otherStatuses: Object.fromEntries(Object.entries(statuses).filter(([status]) => status !== '201' && status !== '409')),
        otherBodies,
        autocannonErrors: raceResult.errors,
        autocannonTimeouts: raceResult.timeouts,
        oversold,
        confirmedUnits,
        finalMysqlStock: finalProduct.stock,
        finalRedisAvailable: finalProduct.available,
        requestsPerSecondOverall: overallRps,
        raceSeconds: round(raceMs / 1000),
        latencyMs: { accepted201: acceptedLatency, rejected409: rejectedLatency, other: percentiles(latencies.other) },
        workflowsStarted: {
          mysqlOrderRows: workflowsStarted,
          temporalVisibilityCount: temporalCount,
          how: 'mysqlOrderRows = orders rows with a line of the product (each workflow records its order PENDING as its first step); temporal = workflow count with CustomerId STARTS_WITH "flash-<tag>-"',
          perUnit: round(workflowsStarted / units),
        },
        temporalPerWorkflowStarted: perUnit(countersBefore, countersAfterRace, workflowsStarted),
        timeline: {
          firstSaleMs: soldAtMs.length ? round(Math.min(...soldAtMs), 0) : null,
          lastSaleMs: lastSoldMs !== undefined ? round(lastSoldMs, 0) : null,
          redisAvailabilityZeroMs: soldOutSample ? round(soldOutSample.t, 0) : null,
          firstRejectMs: firstRejectMs !== undefined ? round(firstRejectMs, 0) : null,
          lastPaymentAnsweredMs: lastPaymentMs !== undefined ? round(lastPaymentMs, 0) : null,
          lastAnswerOfTheRaceMs: round(raceMs, 0),
          allSoldConfirmedMs: allConfirmedMs,
          allSoldConfirmedAfterLastSaleMs: allConfirmedMs !== null && lastSoldMs !== undefined ? round(allConfirmedMs - lastSoldMs, 0) : null,
          note: 'ms since the first request of the race; CONFIRMED read from MySQL every 100 ms',
        },
        payments: { latencyMs: percentiles(payLatencies), statuses: payStatuses, errors: payErrors },
        cpu: cpuRace,
      },
      soldOutAnswers: {
        connectionsEach: soldOutConnections,
        seconds: soldOutSeconds,
        soldOutOrders: { requestsPerSecond: soldOutRps, latencyMs: soldOutLatency, statuses: soldOut.statuses, errors: soldOutResult.errors },
        healthz: { requestsPerSecond: bareRps, latencyMs: bareLatency, statuses: bare.statuses, errors: bareResult.errors },
        ratioRps: round(soldOutRps / bareRps, 3),
        workflowsStartedDuringPhase: (await rowsAfterPhase()) - rowsBefore,
        cpu: cpuSoldOut,
        alone: { ...alone, ratioRps: round(alone.soldOutOrders.requestsPerSecond / alone.healthz.requestsPerSecond, 3) },
      },
      dropBaseline: dropBaseline && {
        ...dropBaseline,
        confirmVsNoop: allConfirmedMs === null ? null : round(allConfirmedMs / dropBaseline.allDoneMs, 3),
        floor,
        note: 'sold units CONFIRMED (ms since the race began) beside as many no-op sagas of the same shape started at once',
      },
      targets: {
        overallRps: { target: '>= 3000 req/s', measured: overallRps, met: overallRps >= 3000 },
        workflowsStarted: { target: `<= 3 x units = ${3 * units}`, measured: workflowsStarted, met: workflowsStarted <= 3 * units },
        allSoldConfirmed: { target: '<= 10 s', measuredMs: allConfirmedMs, met: allConfirmedMs !== null && allConfirmedMs <= 10_000 },
        soldOutP99: { target: '<= 10 ms', measured: soldOutLatency.p99, met: soldOutLatency.p99 <= 10 },
        soldOutVsBare: { target: '>= 0.95 side by side (issue 28)', measured: round(soldOutRps / bareRps, 3), met: soldOutRps / bareRps >= 0.95 },
        soldOutVsBareAlone: {
          target: '>= 0.9 each alone (issue 28)',
          measured: round(alone.soldOutOrders.requestsPerSecond / alone.healthz.requestsPerSecond, 3),
          met: alone.soldOutOrders.requestsPerSecond / alone.healthz.requestsPerSecond >= 0.9,
        },
        oversold: { target: '0', measured: oversold, met: oversold === 0 },
        confirmVsNoop: {
          target: '<= 1.3 x the no-op drop',
          measured: dropBaseline && allConfirmedMs !== null ? round(allConfirmedMs / dropBaseline.allDoneMs, 3) : null,
          met: dropBaseline !== null && allConfirmedMs !== null && allConfirmedMs <= 1.3 * dropBaseline.allDoneMs,
        },
      },
      invariants,
    };
    failed = !invariants.ok || oversold > 0;

    console.log(JSON.stringify(summary, null, 2));
    printTable('Flash sale: the race', [
      ['metric', 'value'],
      ['buyers / connections / units', `${buyers} / ${concurrency} / ${units}`],
      ['sold (201)', sold],
      ['rejected (409)', `${statuses[409] ?? 0} ${JSON.stringify(rejectCodes)}`],
      ['other statuses', JSON.stringify(summary.race.otherStatuses)],
      ['oversold', oversold],
      ['req/s overall', overallRps],
      ['201 latency p50/p95/p99 ms', `${acceptedLatency.p50} / ${acceptedLatency.p95} / ${acceptedLatency.p99}`],
      ['409 latency p50/p95/p99 ms', `${rejectedLatency.p50} / ${rejectedLatency.p95} / ${rejectedLatency.p99}`],
      ['workflows started (MySQL rows / Temporal)', `${workflowsStarted} / ${temporalCount}`],
      ['sold out at (last 201) ms', summary.race.timeline.lastSaleMs ?? '-'],
      ['all sold CONFIRMED at ms', allConfirmedMs ?? 'never (60 s bound)'],
      ['payment latency p50/p99 ms', `${summary.race.payments.latencyMs.p50} / ${summary.race.payments.latencyMs.p99}`],
    ]);
    printTable('Flash sale: sold-out answers beside GET /healthz', [
      ['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'statuses'],
      ['POST /orders (sold out)', soldOutRps, soldOutLatency.p50, soldOutLatency.p99, JSON.stringify(soldOut.statuses)],
      ['GET /healthz', bareRps, bareLatency.p50, bareLatency.p99, JSON.stringify(bare.statuses)],
      ['ratio (sold-out / bare)', round(soldOutRps / bareRps, 3), '', '', ''],
      ['alone: POST /orders (sold out)', alone.soldOutOrders.requestsPerSecond, alone.soldOutOrders.latencyMs.p50, alone.soldOutOrders.latencyMs.p99, JSON.stringify(alone.soldOutOrders.statuses)],
      ['alone: GET /healthz', alone.healthz.requestsPerSecond, alone.healthz.latencyMs.p50, alone.healthz.latencyMs.p99, JSON.stringify(alone.healthz.statuses)],
      ['alone: ratio (sold-out / bare)', summary.soldOutAnswers.alone.ratioRps, '', '', ''],
    ]);
    printTable('API CPU per answer, each endpoint alone', [
      ['endpoint', 'µs'],
      ['POST /orders (sold out)', alone.soldOutOrders.apiCpuMicrosPerAnswer],
      ['GET /healthz', alone.healthz.apiCpuMicrosPerAnswer],
      ['GET /healthz ÷ sold out', round(alone.healthz.apiCpuMicrosPerAnswer / alone.soldOutOrders.apiCpuMicrosPerAnswer, 3)],
    ]);
    if (dropBaseline) {
      printTable('The drop beside its no-op baseline', [
        ['what', 'ms'],
        [`all ${sold} sold units CONFIRMED (since the race began)`, allConfirmedMs ?? 'never'],
        [`${sold} no-op sagas of the same shape, started at once, all done`, dropBaseline.allDoneMs],
        ['ratio', allConfirmedMs === null ? '-' : round(allConfirmedMs / dropBaseline.allDoneMs, 3)],
      ]);
      printTable('The drop in CPU: the lowest ratio this machine allows (bench/drop-floor.ts)', [
        ['what', 'cpu s'],
        [`the no-op drop (${sold} sagas; busy ${dropBaseline.cpu.machineBusy} of the machine)`, floor!.noopDropCpuSeconds],
        ["the race's stores and buyers", floor!.raceStoresAndBuyersCpuSeconds],
        [`${statuses[409] ?? 0} refusals at a health check's cost (${alone.healthz.apiCpuMicrosPerAnswer} µs)`, floor!.refusalsAtHealthzCpuSeconds],
        ['floor: (no-op + stores and buyers + refusals) ÷ no-op', floor!.floor],
        [`measured: the race's CPU ÷ the no-op drop's (race busy ${cpuRace.machineBusy} of the machine)`, floor!.measuredCpuRatio],
      ]);
    }
    printTable('Targets', [['target', 'measured', 'verdict'], ...Object.entries(summary.targets).map(([name, t]): [string, string, string] => [`${name} ${t.target}`, String('measured' in t ? t.measured : t.measuredMs), verdict(t.met)])]);
    printTable(`CPU seconds during the race (API_PROCESSES=${stack.apiProcesses})`, [['process', 'cpu s', 'cores'], ...cpuRace.byProcess.map((row): [string, number, number] => [row.process, row.cpuSeconds, row.coresUsed])]);
    printTable('CPU seconds during the sold-out answers (side by side)', [['process', 'cpu s', 'cores'], ...cpuSoldOut.byProcess.map((row): [string, number, number] => [row.process, row.cpuSeconds, row.coresUsed])]);
    printInvariants(invariants);
    console.log(`\nresults: ${writeResults('flash-sale', summary)}`);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    api.close();
    await temporalConnection.close();
    redis.disconnect();
    await orm.close();
    await stack.stop({ keepLogs: failed || stack.cpuProfiled.length > 0 || process.env.BENCH_KEEP_LOGS === '1' });
    if (failed) process.exitCode = 1;
  }
}

/** Runs `count` no-op sagas in the shape of a sold order's history, all at once; how long until all are done. */
async function measureNoopDrop(temporal: Client, stack: NoopTemporal & { pids: Record<string, number | undefined> }, soldOrderId: string, count: number) {
  const history = await historyFacts(temporal, soldOrderId);
  const baseline = await startNoopBaseline(temporal, stack);
  try {
    await waitForQuietMachine();
    // The stack's parts stay in the snapshot (idle now) so the table has the race's rows, beside the no-op's worker.
    const roots = { ...stack.pids, [CPU_ROW.noopWorker]: baseline.workerPid };
    const cpuBefore = cpuSnapshot(roots);
    const started = performance.now();
    const results = await Promise.allSettled(Array.from({ length: count }, () => baseline.saga(history.shape)()));
    const allDoneMs = round(performance.now() - started, 0);
    const cpu = cpuDelta(cpuBefore, cpuSnapshot(roots), allDoneMs / 1000);
    const failures = results.filter((result) => result.status === 'rejected').length;
    if (failures > 0) throw new Error(`${failures} of ${count} no-op sagas failed`);
    return { sagas: count, shape: history.shape, allDoneMs, cpu };
  } finally {
    await baseline.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
