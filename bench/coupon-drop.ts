/**
 * `npm run bench:coupons`: N buyers at concurrency C race to claim a drop of Q coupons.
 *
 *   --buyers=N (COUPON_BUYERS, 10000)   --concurrency=C (COUPON_CONCURRENCY, 500)   --quantity=Q (COUPON_QUANTITY, 100)
 *   --exhausted-seconds (COUPON_EXHAUSTED_SECONDS, 5)   --exhausted-connections per endpoint (COUPON_EXHAUSTED_CONNECTIONS, 4)
 *
 * Phase 1 (the race): autocannon sends exactly N POST /coupons/:code/claims over C connections, each from a distinct
 * buyer with a token of their own. Every answer must be 201 or 409; MySQL must record exactly Q claims.
 *
 * Phase 2 (exhausted answers): claims of the exhausted coupon and GET /healthz of the same API, side by side in one
 * run (as bench/flash-sale.ts measures sold-out orders): the exhausted answer is given from the API's memory, so its
 * throughput should be close to the bare endpoint's (goal >= 0.9).
 *
 * Ends with invariant I7 on the drop (check/coupon-invariants.ts) and writes bench/results/coupon-drop-<timestamp>.json.
 */
import './databases';
import { forkSql, type Sql } from '../db/sql';
import { checkI7 } from '../check/coupon-invariants';
import { readCouponTables, withCouponCounts } from '../check/coupon-snapshot';
import { onFreshStack } from './fresh-stack';
import { codeVersion, countInto, cpuDelta, cpuSnapshot, dropArgs, jsonRequest, percentiles, printTable, responseTally, round, runAutocannon, verdict, waitForQuietMachine, writeResults } from './lib';
import { buyerAuth } from './tokens';

async function main(): Promise<void> {
  const { buyers, concurrency, units: quantity, refusedSeconds: exhaustedSeconds, refusedConnections: exhaustedConnections } = dropArgs('COUPON', 'quantity', 'exhausted');

  const code = codeVersion();
  await onFreshStack('coupons', async ({ stack, orm, redis }) => {
    const tag = Date.now().toString(36).toUpperCase();
    const createCoupon = (couponCode: string, units: number) =>
      jsonRequest<{ code: string }>('POST', `${stack.apiUrl}/coupons`, { code: couponCode, name: `Bench drop ${couponCode}`, percentOff: 20, quantity: units }, 201);
    const claimsOf = (couponCode: string, customer: () => string) => ({
      method: 'POST' as const,
      path: `/coupons/${couponCode}/claims`,
      setupRequest: <R extends { headers?: object }>(request: R): R => ({ ...request, headers: { ...request.headers, ...buyerAuth(customer()) } }),
    });

    // Warm-up on a coupon of its own: JIT and connection pools, not measured.
    const warm = await createCoupon(`WARM-${tag}`, 20);
    let warmed = 0;
    await runAutocannon({ url: stack.apiUrl, connections: 10, amount: 200, requests: [claimsOf(warm.code, () => `warm-${tag}-${++warmed}`)] });

    // Phase 1: the race.
    const machineBeforeRace = await waitForQuietMachine();
    const drop = await createCoupon(`DROP-${tag}`, quantity);
    console.log(`[coupons] race: ${buyers} buyers, ${concurrency} connections, ${quantity} coupons ${drop.code}`);
    const race = responseTally();
    const refusalCodes: Record<string, number> = {};
    const otherBodies: string[] = [];
    let claimed = 0;
    let racer = 0;
    const cpuBefore = cpuSnapshot(stack.pids);
    const t0 = performance.now();
    const raceResult = await runAutocannon(
      {
        url: stack.apiUrl,
        connections: concurrency,
        amount: buyers,
        timeout: 120,
        requests: [
          {
            ...claimsOf(drop.code, () => `buyer-${tag}-${++racer}`),
            onResponse: (status: number, body: string) => {
              if (status === 201) claimed += 1;
              else if (status === 409) {
                const problem = String(JSON.parse(body).code);
                refusalCodes[problem] = (refusalCodes[problem] ?? 0) + 1;
              } else if (otherBodies.length < 10) otherBodies.push(`${status}: ${body.slice(0, 300)}`);
            },
          },
        ],
      },
      countInto(race),
    );
    const raceMs = performance.now() - t0;
    const cpuRace = cpuDelta(cpuBefore, cpuSnapshot(stack.pids), raceMs / 1000);

    // Phase 2: exhausted answers beside the bare endpoint.
    console.log(`[coupons] exhausted answers: ${exhaustedConnections}+${exhaustedConnections} connections for ${exhaustedSeconds}s`);
    const machineBeforeExhausted = await waitForQuietMachine();
    const exhausted = responseTally();
    const bare = responseTally();
    // Tokens signed before the phase, so the load generator does as little for a claim as for a health check.
    const lateBuyers = Array.from({ length: exhaustedSeconds * 10_000 }, (_, i) => buyerAuth(`late-${tag}-${i + 1}`));
    let late = 0;
    const cpuBefore2 = cpuSnapshot(stack.pids);
    const t2 = performance.now();
    const [exhaustedResult, bareResult] = await Promise.all([
      runAutocannon(
        {
          url: stack.apiUrl,
          connections: exhaustedConnections,
          duration: exhaustedSeconds,
          requests: [
            {
              method: 'POST',
              path: `/coupons/${drop.code}/claims`,
              setupRequest: (request) => ({ ...request, headers: { ...request.headers, ...(lateBuyers[late++] ?? buyerAuth(`late-${tag}-${late}`)) } }),
            },
          ],
        },
        countInto(exhausted),
      ),
      runAutocannon({ url: `${stack.apiUrl}/healthz`, connections: exhaustedConnections, duration: exhaustedSeconds }, countInto(bare)),
    ]);
    const cpuExhausted = cpuDelta(cpuBefore2, cpuSnapshot(stack.pids), (performance.now() - t2) / 1000);

    // The record and I7 on it.
    const coupons = await withCouponCounts(redis, await forkSql(orm).transactional((em) => readCouponTables(em as Sql)));
    const dropSnapshot = coupons.find((coupon) => coupon.code === drop.code)!;
    const findings = checkI7([dropSnapshot], new Date());
    const overIssued = Math.max(0, dropSnapshot.claims - quantity);
    const refusalsNot409 = Object.entries(race.statuses).filter(([status]) => status !== '201' && status !== '409').reduce((sum, [, n]) => sum + n, 0);
    const exhaustedRps = round(exhausted.latencies.length / exhaustedResult.duration);
    const bareRps = round(bare.latencies.length / bareResult.duration);

    const summary = {
      benchmark: 'coupon-drop',
      at: new Date().toISOString(),
      code,
      machine: { cores: 2, note: 'API, worker, payments, Temporal dev server, MariaDB, Redis and the load generator share the machine' },
      parameters: { buyers, concurrency, quantity, coupon: drop.code },
      machineBeforeRace,
      machineBeforeExhausted,
      race: {
        claimed201: claimed,
        refused409: race.statuses[409] ?? 0,
        refusalCodes,
        otherStatuses: Object.fromEntries(Object.entries(race.statuses).filter(([status]) => status !== '201' && status !== '409')),
        otherBodies,
        autocannonErrors: raceResult.errors,
        autocannonTimeouts: raceResult.timeouts,
        mysql: { issued: dropSnapshot.issued, claims: dropSnapshot.claims, redisLeft: dropSnapshot.left },
        overIssued,
        raceSeconds: round(raceMs / 1000),
        requestsPerSecond: round(buyers / (raceMs / 1000)),
        latencyMs: percentiles(race.latencies),
        cpu: cpuRace,
      },
      exhaustedAnswers: {
        connectionsEach: exhaustedConnections,
        seconds: exhaustedSeconds,
        exhaustedClaims: { requestsPerSecond: exhaustedRps, latencyMs: percentiles(exhausted.latencies), statuses: exhausted.statuses, errors: exhaustedResult.errors },
        healthz: { requestsPerSecond: bareRps, latencyMs: percentiles(bare.latencies), statuses: bare.statuses, errors: bareResult.errors },
        ratioRps: round(exhaustedRps / bareRps, 3),
        cpu: cpuExhausted,
      },
      targets: {
        issuedExactly: { target: `${quantity}`, measured: dropSnapshot.claims, met: dropSnapshot.claims === quantity && claimed === quantity },
        overIssued: { target: '0', measured: overIssued, met: overIssued === 0 },
        everyRefusal409: { target: '0 other statuses', measured: refusalsNot409, met: refusalsNot409 === 0 && raceResult.errors === 0 },
        exhaustedVsBare: { target: '>= 0.9', measured: round(exhaustedRps / bareRps, 3), met: exhaustedRps / bareRps >= 0.9 },
      },
      invariantI7: findings,
    };
    const failed = overIssued > 0 || findings.some((finding) => finding.severity === 'breach');

    console.log(JSON.stringify(summary, null, 2));
    printTable('Coupon drop: the race', [
      ['metric', 'value'],
      ['buyers / connections / coupons', `${buyers} / ${concurrency} / ${quantity}`],
      ['claimed (201)', claimed],
      ['refused (409)', `${race.statuses[409] ?? 0} ${JSON.stringify(refusalCodes)}`],
      ['other statuses', JSON.stringify(summary.race.otherStatuses)],
      ['MySQL claims / issued / Redis left', `${dropSnapshot.claims} / ${dropSnapshot.issued} / ${dropSnapshot.left}`],
      ['req/s overall', summary.race.requestsPerSecond],
      ['latency p50/p99 ms', `${summary.race.latencyMs.p50} / ${summary.race.latencyMs.p99}`],
    ]);
    printTable('Exhausted claims beside GET /healthz', [
      ['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'statuses'],
      ['POST /coupons/:code/claims (exhausted)', exhaustedRps, summary.exhaustedAnswers.exhaustedClaims.latencyMs.p50, summary.exhaustedAnswers.exhaustedClaims.latencyMs.p99, JSON.stringify(exhausted.statuses)],
      ['GET /healthz', bareRps, summary.exhaustedAnswers.healthz.latencyMs.p50, summary.exhaustedAnswers.healthz.latencyMs.p99, JSON.stringify(bare.statuses)],
      ['ratio (exhausted / bare)', round(exhaustedRps / bareRps, 3), '', '', ''],
    ]);
    printTable('Targets', [['target', 'measured', 'verdict'], ...Object.entries(summary.targets).map(([name, t]): [string, string, string] => [`${name} ${t.target}`, String(t.measured), verdict(t.met)])]);
    console.log(`I7 on the drop: ${findings.length === 0 ? 'ok' : JSON.stringify(findings)}`);
    console.log(`\nresults: ${writeResults('coupon-drop', summary)}`);
    return failed;
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
