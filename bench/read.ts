/**
 * `npm run bench:read`: the hot reads of a drop, each under autocannon load beside GET /healthz of the same API, in
 * one run. One phase per read:
 *
 *   product        anonymous GET /products/:id (a visitor: no Authorization), answered 200
 *   product-304    the same with If-None-Match of the answer's ETag, answered 304
 *   coupon-refusal POST /coupons/:code/claims of an exhausted coupon, each request from a buyer of its own, answered 409
 *
 *   --seconds=10 (READ_SECONDS) per phase side by side   --connections=50 per endpoint (READ_CONNECTIONS)
 *   --solo-seconds=3 (READ_SOLO_SECONDS) each alone, first   --phases=product,product-304,coupon-refusal (READ_PHASES)
 *
 * In a phase, both autocannon runs start together with the same number of connections, so they share the API's event
 * loop and the machine; the ratio of their req/s is what the read costs next to a bare answer (issue 28: ≥ 0.95).
 * Before that, each endpoint runs alone (the ratio alone is context, with the API's CPU per answer). A phase whose answers are not all the expected
 * status measured something else and fails the run. Ends with the invariant check on the product (nothing changes it)
 * and writes bench/results/read-<timestamp>.json.
 */
import './databases';
import { loadavg } from 'node:os';
import type autocannon from 'autocannon';
import { loadConfig } from '../config';
import { openOrm } from '../db/orm';
import { connectRedis } from '../inventory/redis';
import { checkBenchInvariants, printInvariants } from './invariants';
import { codeVersion, cpuDelta, cpuSnapshot, jsonRequest, numberArg, partCpuWhile, percentiles, printTable, round, runAutocannon, verdict, waitForQuietMachine, writeResults } from './lib';
import { startStack } from './stack';
import { buyerAuth } from './tokens';

interface EndpointResult {
  requestsPerSecond: number;
  latencyMs: ReturnType<typeof percentiles>;
  statuses: Record<string, number>;
  errors: number;
  apiCpuMicrosPerAnswer?: number;
}

/** What one phase sends: autocannon options without the run's connections and duration, and the status it expects. */
interface Read {
  name: string;
  describe: string;
  target: Omit<autocannon.Options, 'connections' | 'duration'>;
  expected: number;
}

/** One endpoint under load; given the API's pid, also the API's CPU per answer (for a run alone: bench/lib.ts partCpuWhile). */
async function measure(target: Read['target'], connections: number, seconds: number, apiPid?: number): Promise<EndpointResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const { result, cpuSeconds } = await partCpuWhile(apiPid, () =>
    runAutocannon({ ...target, connections, duration: seconds } as autocannon.Options, (statusCode, responseTime) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      latencies.push(responseTime);
    }),
  );
  const apiCpuMicrosPerAnswer = apiPid === undefined ? undefined : round((cpuSeconds * 1e6) / latencies.length, 0);
  return { requestsPerSecond: round(latencies.length / result.duration), latencyMs: percentiles(latencies), statuses, errors: result.errors, apiCpuMicrosPerAnswer };
}

const PHASES = ['product', 'product-304', 'coupon-refusal'];

async function main(): Promise<void> {
  const seconds = numberArg('seconds', 'READ_SECONDS', 10);
  const connections = numberArg('connections', 'READ_CONNECTIONS', 50);
  const soloSeconds = numberArg('solo-seconds', 'READ_SOLO_SECONDS', 3);
  const phases = (process.env.READ_PHASES ?? process.argv.find((arg) => arg.startsWith('--phases='))?.slice('--phases='.length) ?? PHASES.join(','))
    .split(',')
    .filter(Boolean);
  // The code the stack runs is the code on disk when it starts.
  const code = codeVersion();
  const config = loadConfig();

  console.log('[read] starting a fresh stack…');
  const stack = await startStack({ name: 'read' });
  const orm = await openOrm(config.DATABASE_URL);
  const redis = await connectRedis(config.REDIS_URL);
  let failed = false;
  try {
    const tag = Date.now().toString(36);
    const stock = 1_000;
    const product = await jsonRequest<{ id: number }>('POST', `${stack.apiUrl}/products`, { sku: `read-${tag}`, name: 'Read bench', priceCents: 1_000, stock }, 201);
    const productUrl = `${stack.apiUrl}/products/${product.id}`;
    const healthUrl = `${stack.apiUrl}/healthz`;
    const etag = (await fetch(productUrl)).headers.get('etag');
    if (!etag) throw new Error(`GET ${productUrl} gave no ETag`);
    // A coupon of one, claimed once: every later claim is refused as exhausted.
    const coupon = await jsonRequest<{ code: string }>('POST', `${stack.apiUrl}/coupons`, { code: `READ${tag}`.toUpperCase(), name: 'Read bench', percentOff: 10, quantity: 1 }, 201);
    const firstClaim = await fetch(`${stack.apiUrl}/coupons/${coupon.code}/claims`, { method: 'POST', headers: buyerAuth(`read-first-${tag}`) });
    if (firstClaim.status !== 201) throw new Error(`the coupon's one claim answered ${firstClaim.status}: ${await firstClaim.text()}`);
    let lateBuyer = 0;

    const reads: Record<string, Read> = {
      product: { name: 'product', describe: `anonymous GET /products/${product.id}`, target: { url: productUrl }, expected: 200 },
      'product-304': {
        name: 'product-304',
        describe: `anonymous GET /products/${product.id}, If-None-Match`,
        target: { url: productUrl, headers: { 'if-none-match': etag } },
        expected: 304,
      },
      'coupon-refusal': {
        name: 'coupon-refusal',
        describe: `POST /coupons/${coupon.code}/claims, exhausted, a buyer per request`,
        target: {
          url: stack.apiUrl,
          requests: [
            {
              method: 'POST',
              path: `/coupons/${coupon.code}/claims`,
              setupRequest: (request) => ({ ...request, headers: { ...request.headers, ...buyerAuth(`read-late-${tag}-${++lateBuyer}`) } }),
            },
          ],
        },
        expected: 409,
      },
    };
    const health: Read['target'] = { url: healthUrl };

    // Warm-up (JIT, MySQL pool).
    await measure(reads.product.target, 10, 2);
    const machineBefore = await waitForQuietMachine();
    const results = [];
    for (const name of phases) {
      const read = reads[name];
      if (!read) throw new Error(`unknown phase ${name} (phases: ${PHASES.join(', ')})`);
      const soloRead = await measure(read.target, connections, soloSeconds, stack.pids.api);
      const soloHealth = await measure(health, connections, soloSeconds, stack.pids.api);
      console.log(`[read] ${read.describe}: ${connections} + ${connections} connections for ${seconds}s`);
      const cpuBefore = cpuSnapshot(stack.pids);
      const started = performance.now();
      const [sideRead, sideHealth] = await Promise.all([measure(read.target, connections, seconds), measure(health, connections, seconds)]);
      const cpu = cpuDelta(cpuBefore, cpuSnapshot(stack.pids), (performance.now() - started) / 1000);
      const answered = Object.values(sideRead.statuses).reduce((sum, count) => sum + count, 0);
      results.push({
        ...read,
        target: undefined,
        sideBySide: { read: sideRead, healthz: sideHealth, ratioRps: round(sideRead.requestsPerSecond / sideHealth.requestsPerSecond, 3), cpu },
        alone: {
          read: soloRead,
          healthz: soloHealth,
          ratioRps: round(soloRead.requestsPerSecond / soloHealth.requestsPerSecond, 3),
          ratioApiCpu: round(soloHealth.apiCpuMicrosPerAnswer! / soloRead.apiCpuMicrosPerAnswer!, 3),
        },
        /** Every answer the expected status: else the phase measured something else. */
        valid: answered > 0 && (sideRead.statuses[read.expected] ?? 0) === answered && (soloRead.statuses[read.expected] ?? 0) > 0,
        loadAverage: loadavg().map((load) => load.toFixed(2)).join(' '),
      });
    }

    const invariants = await checkBenchInvariants({
      orm,
      redis,
      paymentsUrl: stack.paymentsUrl,
      temporal: { address: stack.temporalAddress, namespace: stack.namespace },
      stocked: new Map([[product.id, stock]]),
      quietTimeoutMs: 5_000,
    });
    const summary = {
      benchmark: 'read',
      at: new Date().toISOString(),
      code,
      machine: { cores: 2, note: 'the API, MariaDB, Redis and the load generator share the machine (Temporal, worker and payments idle)' },
      parameters: { seconds, soloSeconds, connectionsEach: connections, productId: product.id, coupon: coupon.code, phases },
      machineBefore,
      stack: { api: stack.apiUrl, logs: stack.logDir, cpuProfiled: stack.cpuProfiled },
      phases: results,
      targets: Object.fromEntries(
        results.map((phase) => [
          phase.name,
          { target: '>= 0.95 of GET /healthz req/s, side by side (issue 28)', measured: phase.sideBySide.ratioRps, met: phase.valid && phase.sideBySide.ratioRps >= 0.95 },
        ]),
      ),
      invariants,
    };
    failed = !invariants.ok || results.some((phase) => !phase.valid);

    console.log(JSON.stringify(summary, null, 2));
    const row = (name: string, result: EndpointResult): [string, ...Array<string | number>] => [
      name,
      result.requestsPerSecond,
      result.latencyMs.p50,
      result.latencyMs.p99,
      JSON.stringify(result.statuses),
    ];
    for (const phase of results) {
      printTable(`Read ${phase.name}: side by side, ${connections} + ${connections} connections, ${seconds}s (load average ${phase.loadAverage})`, [
        ['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'statuses'],
        row(phase.describe, phase.sideBySide.read),
        row('GET /healthz', phase.sideBySide.healthz),
        ['ratio (read / bare)', phase.sideBySide.ratioRps, '', '', ''],
        row(`alone: ${phase.describe}`, phase.alone.read),
        row('alone: GET /healthz', phase.alone.healthz),
        ['alone: ratio (read / bare)', phase.alone.ratioRps, '', '', ''],
        ['alone: API CPU µs per answer, bare ÷ read', `${phase.alone.healthz.apiCpuMicrosPerAnswer} ÷ ${phase.alone.read.apiCpuMicrosPerAnswer} = ${phase.alone.ratioApiCpu}`, '', '', ''],
      ]);
    }
    printTable('Targets', [
      ['target', 'side by side', 'alone', 'verdict'],
      ...results.map((phase): [string, ...Array<string | number>] => [
        `${phase.name} >= 0.95 of bare${phase.valid ? '' : ` (INVALID: not every answer ${phase.expected})`}`,
        phase.sideBySide.ratioRps,
        phase.alone.ratioRps,
        verdict(summary.targets[phase.name].met),
      ]),
    ]);
    for (const phase of results) {
      printTable(`CPU seconds side by side, ${phase.name}`, [
        ['process', 'cpu s', 'cores'],
        ...phase.sideBySide.cpu.byProcess.map((entry): [string, number, number] => [entry.process, entry.cpuSeconds, entry.coresUsed]),
      ]);
    }
    printInvariants(invariants);
    console.log(`\nresults: ${writeResults('read', summary)}`);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
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
