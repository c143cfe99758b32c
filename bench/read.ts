/**
 * `npm run bench:read`: GET /products/:id under autocannon load beside GET /healthz of the same API, in one run.
 *
 *   --seconds=10 (READ_SECONDS)   --connections=50 per endpoint (READ_CONNECTIONS)
 *
 * Both autocannon runs start together with the same number of connections, so they share the API's event loop and
 * the machine; the ratio of their req/s is what a product read costs next to a bare answer. Before that, each
 * endpoint runs alone for a short while (READ_SOLO_SECONDS, 3) as context. Ends with the invariant check on the
 * product (nothing changes it) and writes bench/results/read-<timestamp>.json.
 */
import './databases';
import { checkBenchInvariants, printInvariants } from './invariants';
import { onFreshStack } from './fresh-stack';
import { codeVersion, countInto, cpuDelta, cpuSnapshot, jsonRequest, numberArg, percentiles, printTable, responseTally, round, runAutocannon, verdict, waitForQuietMachine, writeResults } from './lib';
import { buyerAuth } from './tokens';

interface EndpointResult {
  requestsPerSecond: number;
  latencyMs: ReturnType<typeof percentiles>;
  statuses: Record<string, number>;
  errors: number;
}

async function measure(url: string, connections: number, seconds: number): Promise<EndpointResult> {
  const { latencies, statuses } = responseTally();
  // A buyer's token on every request (the catalogue needs an authenticated caller; /healthz ignores it).
  const result = await runAutocannon({ url, connections, duration: seconds, headers: buyerAuth('bench-reader') }, countInto({ latencies, statuses }));
  return { requestsPerSecond: round(latencies.length / result.duration), latencyMs: percentiles(latencies), statuses, errors: result.errors };
}

async function main(): Promise<void> {
  const seconds = numberArg('seconds', 'READ_SECONDS', 10);
  const connections = numberArg('connections', 'READ_CONNECTIONS', 50);
  const soloSeconds = numberArg('solo-seconds', 'READ_SOLO_SECONDS', 3);
  // The code the stack runs is the code on disk when it starts.
  const code = codeVersion();
  await onFreshStack('read', async ({ stack, orm, redis }) => {
    const tag = Date.now().toString(36);
    const stock = 1_000;
    const product = await jsonRequest<{ id: number }>('POST', `${stack.apiUrl}/products`, { sku: `read-${tag}`, name: 'Read bench', priceCents: 1_000, stock }, 201);
    const productUrl = `${stack.apiUrl}/products/${product.id}`;
    const healthUrl = `${stack.apiUrl}/healthz`;

    // Warm-up (JIT, MySQL pool), then each endpoint alone, then both together (the measured figure).
    await measure(productUrl, 10, 2);
    const machineBefore = await waitForQuietMachine();
    const soloProduct = await measure(productUrl, connections, soloSeconds);
    const soloHealth = await measure(healthUrl, connections, soloSeconds);

    console.log(`[read] ${connections} + ${connections} connections for ${seconds}s`);
    const cpuBefore = cpuSnapshot(stack.pids);
    const started = performance.now();
    const [productResult, healthResult] = await Promise.all([measure(productUrl, connections, seconds), measure(healthUrl, connections, seconds)]);
    const cpu = cpuDelta(cpuBefore, cpuSnapshot(stack.pids), (performance.now() - started) / 1000);
    const ratio = round(productResult.requestsPerSecond / healthResult.requestsPerSecond, 3);

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
      parameters: { seconds, connectionsEach: connections, productId: product.id },
      machineBefore,
      stack: { api: stack.apiUrl, logs: stack.logDir, cpuProfiled: stack.cpuProfiled },
      sideBySide: { product: productResult, healthz: healthResult, ratioRps: ratio, cpu },
      alone: { seconds: soloSeconds, product: soloProduct, healthz: soloHealth, ratioRps: round(soloProduct.requestsPerSecond / soloHealth.requestsPerSecond, 3) },
      targets: { readVsBare: { target: '>= 0.9 of bare req/s (side by side; issue 14)', measured: ratio, met: ratio >= 0.9 } },
      invariants,
    };
    const failed = !invariants.ok;

    console.log(JSON.stringify(summary, null, 2));
    const row = (name: string, result: EndpointResult): [string, ...Array<string | number>] => [
      name,
      result.requestsPerSecond,
      result.latencyMs.p50,
      result.latencyMs.p99,
      JSON.stringify(result.statuses),
    ];
    printTable(`Read: side by side, ${connections} + ${connections} connections, ${seconds}s`, [
      ['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'statuses'],
      row(`GET /products/${product.id}`, productResult),
      row('GET /healthz', healthResult),
      ['ratio (product / bare)', ratio, '', '', ''],
      row(`alone: GET /products/${product.id}`, soloProduct),
      row('alone: GET /healthz', soloHealth),
    ]);
    printTable('Target', [['target', 'measured', 'verdict'], ['read >= 0.9 of bare', ratio, verdict(ratio >= 0.9)]]);
    printTable('CPU seconds side by side', [['process', 'cpu s', 'cores'], ...cpu.byProcess.map((entry): [string, number, number] => [entry.process, entry.cpuSeconds, entry.coresUsed])]);
    printInvariants(invariants);
    console.log(`\nresults: ${writeResults('read', summary)}`);
    return failed;
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
