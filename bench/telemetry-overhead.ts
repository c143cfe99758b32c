/**
 * `npm run bench:telemetry`: what metrics and traces cost, measured side by side in one run.
 *
 *   --rounds=2 (TELEMETRY_ROUNDS)   --saga-count=100 orders per round (TELEMETRY_SAGA_COUNT)   --concurrency=10
 *   (TELEMETRY_CONCURRENCY)   --soldout-seconds=5 (TELEMETRY_SOLDOUT_SECONDS)   --soldout-connections=4
 *
 * Two stacks run at once (bench/stack.ts), identical but for telemetry:
 *   off: METRICS_PORT=off, WORKER_METRICS_PORT=off, no OTEL_* variable (no tracing);
 *   on:  both metrics endpoints scraped every 5 s by this process (as Prometheus would), and tracing exporting every
 *        span over OTLP/HTTP protobuf to a collector stand-in in this process that accepts and drops them (every
 *        trace, or the share TELEMETRY_SAMPLE_RATIO names, through OTEL_TRACES_SAMPLER=parentbased_traceidratio).
 * Phases, each alternating off and on within every round (the order flips each round, so a drift of the machine
 * falls on both): the saga of bench:saga (POST /orders then pay tok_visa, closed loop) and the sold-out answers of
 * bench:flash (POST /orders on a sold-out product, autocannon). Ratio = on / off throughput, summed over the rounds.
 * Writes bench/results/telemetry-overhead-<timestamp>.json.
 */
import './databases';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { boundedPool, httpClient, jsonRequest, numberArg, printTable, round, runAutocannon, verdict, waitForQuietMachine, writeResults } from './lib';
import { startStack, type Stack } from './stack';
import { buyerAuth } from './tokens';

type Mode = 'off' | 'on';
const GOAL = 0.95;

async function startCollectorStandIn(): Promise<{ endpoint: string; spansBytes: () => number; close: () => void }> {
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spansBytes: () => bytes, close: () => server.close() };
}

async function main(): Promise<void> {
  const rounds = numberArg('rounds', 'TELEMETRY_ROUNDS', 2);
  const sagaCount = numberArg('saga-count', 'TELEMETRY_SAGA_COUNT', 100);
  const concurrency = numberArg('concurrency', 'TELEMETRY_CONCURRENCY', 10);
  const soldOutSeconds = numberArg('soldout-seconds', 'TELEMETRY_SOLDOUT_SECONDS', 5);
  const soldOutConnections = numberArg('soldout-connections', 'TELEMETRY_SOLDOUT_CONNECTIONS', 4);
  const basePort = numberArg('base-port', 'TELEMETRY_BASE_PORT', 31420);

  const collector = await startCollectorStandIn();
  const metricsPorts = { api: basePort + 20, worker: basePort + 21 };
  const stacks = {} as Record<Mode, Stack>;
  const scrapes = { count: 0, failed: 0 };
  let scraper: NodeJS.Timeout | undefined;
  try {
    stacks.off = await startStack({
      name: 'telemetry-off',
      apiPort: basePort,
      paymentsPort: basePort + 1,
      temporalPort: basePort + 2,
      uiPort: basePort + 3,
      workerMetricsPort: 'off',
      env: { METRICS_PORT: 'off', OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_TRACES_EXPORTER: 'none' },
    });
    stacks.on = await startStack({
      name: 'telemetry-on',
      apiPort: basePort + 10,
      paymentsPort: basePort + 11,
      temporalPort: basePort + 12,
      uiPort: basePort + 13,
      workerMetricsPort: metricsPorts.worker,
      env: {
        METRICS_PORT: String(metricsPorts.api),
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_TRACES_EXPORTER: 'otlp',
        // TELEMETRY_SAMPLE_RATIO (e.g. 0.1): head sampling as production would set it; unset, every trace is kept.
        ...(process.env.TELEMETRY_SAMPLE_RATIO
          ? { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: process.env.TELEMETRY_SAMPLE_RATIO }
          : { OTEL_TRACES_SAMPLER: 'parentbased_always_on' }),
      },
    });
    scraper = setInterval(() => {
      for (const port of [metricsPorts.api, metricsPorts.worker]) {
        fetch(`http://127.0.0.1:${port}/metrics`)
          .then(async (response) => {
            await response.text();
            scrapes.count += 1;
            if (!response.ok) scrapes.failed += 1;
          })
          .catch(() => (scrapes.failed += 1));
      }
    }, 5_000);

    const tag = Date.now().toString(36);
    const products = {} as Record<Mode, { ample: number; soldOut: number }>;
    for (const mode of ['off', 'on'] as const) {
      const apiUrl = stacks[mode].apiUrl;
      const ample = await jsonRequest<{ id: number }>('POST', `${apiUrl}/products`, { sku: `tel-${mode}-${tag}`, name: 'Telemetry bench', priceCents: 2_500, stock: rounds * sagaCount * 2 + 100 }, 201);
      const soldOut = await jsonRequest<{ id: number }>('POST', `${apiUrl}/products`, { sku: `tel-so-${mode}-${tag}`, name: 'Telemetry sold out', priceCents: 2_500, stock: 1 }, 201);
      // Sold out by one paid order: later buyers are refused by the admission gate.
      const client = httpClient(apiUrl, 1);
      const auth = buyerAuth(`tel-first-${mode}-${tag}`);
      const placed = await client.request('POST', '/orders', { items: [{ productId: soldOut.id, quantity: 1 }] }, auth);
      await client.request('POST', `/orders/${JSON.parse(placed.body).id}/payment`, { paymentToken: 'tok_visa' }, auth);
      client.close();
      products[mode] = { ample: ample.id, soldOut: soldOut.id };
    }

    let seq = 0;
    const sagaRound = async (mode: Mode) => {
      const client = httpClient(stacks[mode].apiUrl, concurrency);
      let completed = 0;
      let failures = 0;
      await waitForQuietMachine();
      const started = performance.now();
      await boundedPool(sagaCount, concurrency, 300_000, async () => {
        const auth = buyerAuth(`tel-${tag}-${++seq}`);
        try {
          const placed = await client.request('POST', '/orders', { items: [{ productId: products[mode].ample, quantity: 1 }] }, auth);
          if (placed.status !== 201) throw new Error(String(placed.status));
          const paid = await client.request('POST', `/orders/${JSON.parse(placed.body).id}/payment`, { paymentToken: 'tok_visa' }, auth);
          if (paid.status !== 200) throw new Error(String(paid.status));
          completed += 1;
        } catch {
          failures += 1;
        }
      });
      const seconds = (performance.now() - started) / 1000;
      client.close();
      return { mode, completed, failures, seconds: round(seconds), perSecond: round(completed / seconds) };
    };

    const soldOutRound = async (mode: Mode) => {
      const body = JSON.stringify({ items: [{ productId: products[mode].soldOut, quantity: 1 }] });
      const statuses: Record<string, number> = {};
      await waitForQuietMachine();
      const result = await runAutocannon(
        {
          url: stacks[mode].apiUrl,
          connections: soldOutConnections,
          duration: soldOutSeconds,
          requests: [
            {
              method: 'POST',
              path: '/orders',
              headers: { 'content-type': 'application/json' },
              setupRequest: (request) => ({ ...request, body, headers: { ...request.headers, ...buyerAuth(`tel-late-${tag}-${++seq}`) } }),
            },
          ],
        },
        (statusCode) => (statuses[statusCode] = (statuses[statusCode] ?? 0) + 1),
      );
      const refused = statuses['409'] ?? 0;
      return { mode, refused, statuses, seconds: soldOutSeconds, perSecond: round(refused / soldOutSeconds), p99Ms: result.latency.p99 };
    };

    const sagaRuns: Awaited<ReturnType<typeof sagaRound>>[] = [];
    const soldOutRuns: Awaited<ReturnType<typeof soldOutRound>>[] = [];
    for (let index = 0; index < rounds; index += 1) {
      const order: Mode[] = index % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      for (const mode of order) {
        const run = await sagaRound(mode);
        console.log(`[telemetry] round ${index + 1} saga ${mode}: ${run.perSecond} orders/s (${run.completed} confirmed, ${run.failures} failed)`);
        sagaRuns.push(run);
      }
      for (const mode of order) {
        const run = await soldOutRound(mode);
        console.log(`[telemetry] round ${index + 1} sold-out ${mode}: ${run.perSecond} refusals/s (p99 ${run.p99Ms} ms) ${JSON.stringify(run.statuses)}`);
        soldOutRuns.push(run);
      }
    }

    const rate = (runs: Array<{ mode: Mode; perSecond: number; seconds: number }>, mode: Mode, count: (run: (typeof runs)[number]) => number) => {
      const mine = runs.filter((run) => run.mode === mode);
      return mine.reduce((sum, run) => sum + count(run), 0) / mine.reduce((sum, run) => sum + run.seconds, 0);
    };
    const sagaOff = rate(sagaRuns, 'off', (run) => (run as (typeof sagaRuns)[number]).completed);
    const sagaOn = rate(sagaRuns, 'on', (run) => (run as (typeof sagaRuns)[number]).completed);
    const soldOff = rate(soldOutRuns, 'off', (run) => (run as (typeof soldOutRuns)[number]).refused);
    const soldOn = rate(soldOutRuns, 'on', (run) => (run as (typeof soldOutRuns)[number]).refused);
    const summary = {
      settings: { rounds, sagaCount, concurrency, soldOutSeconds, soldOutConnections, sampleRatio: process.env.TELEMETRY_SAMPLE_RATIO ?? '1' },
      saga: { offPerSecond: round(sagaOff), onPerSecond: round(sagaOn), ratio: round(sagaOn / sagaOff), runs: sagaRuns },
      soldOut: { offPerSecond: round(soldOff), onPerSecond: round(soldOn), ratio: round(soldOn / soldOff), runs: soldOutRuns },
      scrapes,
      otlpBytesExported: collector.spansBytes(),
    };
    printTable(`Telemetry overhead (${rounds} rounds; saga ${sagaCount} orders at c=${concurrency}; sold-out ${soldOutSeconds}s × ${soldOutConnections} connections)`, [
      ['phase', 'off /s', 'on /s', 'on/off', `goal ≥ ${GOAL}`],
      ['saga (place + pay)', round(sagaOff), round(sagaOn), round(sagaOn / sagaOff), verdict(sagaOn / sagaOff >= GOAL)],
      ['sold-out answers', round(soldOff), round(soldOn), round(soldOn / soldOff), verdict(soldOn / soldOff >= GOAL)],
    ]);
    console.log(`[telemetry] scrapes: ${scrapes.count} ok, ${scrapes.failed} failed; OTLP bytes received: ${collector.spansBytes()}`);
    console.log(`[telemetry] results: ${writeResults('telemetry-overhead', summary)}`);
  } finally {
    if (scraper) clearInterval(scraper);
    await stacks.on?.stop();
    await stacks.off?.stop();
    collector.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
