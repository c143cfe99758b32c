/**
 * The fault run of `npm run chaos`, smaller: 60 buyers over 25 s spread over two API instances, with at least one
 * fault of each kind (worker SIGKILL, Temporal dev server stop/restart on its SQLite file, Redis FLUSHALL, one API
 * instance killed mid-request, the payment stand-in SIGKILLed and restarted on its ledger, KILL CONNECTION of the
 * parts' MySQL connections) and a slow, flaky, answer-losing payment provider throughout. Everything runs on its own
 * ports, Redis, database and Temporal data. Some buyers' confirmed orders then get refunds (a concurrent pair of full
 * refunds included) and returns, received sellable or damaged. One product is a queued drop that 18 more buyers wait for.
 */
import { defaultOptions } from '../../chaos/options';
import { formatSummary } from '../../chaos/report';
import { runChaos } from '../../chaos/run';

jest.setTimeout(240_000);

it('keeps every invariant through worker kills, Temporal restarts, Redis flushes, API kills, provider restarts, killed MySQL connections and a faulty provider', async () => {
  const lines: string[] = [];
  const summary = await runChaos(
    defaultOptions({
      orders: 60,
      durationMs: 25_000,
      seed: 20261121,
      workerKills: 2,
      temporalRestarts: 1,
      redisFlushes: 2,
      apiKills: 1,
      paymentsRestarts: 1,
      mysqlKills: 2,
      quietTimeoutMs: 100_000,
      stuckAfterMs: 60_000,
      resultsFile: null,
    }),
    { log: (line) => lines.push(line) },
  );
  const report = `${lines.join('\n')}\n\n${formatSummary(summary)}`;
  if (!summary.ok) throw new Error(`the fault run found problems:\n${report}`);

  expect(summary.faults.injected['worker-kill']).toBeGreaterThanOrEqual(1);
  expect(summary.faults.injected['temporal-restart']).toBeGreaterThanOrEqual(1);
  expect(summary.faults.injected['redis-flush']).toBeGreaterThanOrEqual(1);
  expect(summary.faults.injected['api-kill']).toBeGreaterThanOrEqual(1);
  expect(summary.faults.injected['payments-restart']).toBeGreaterThanOrEqual(1);
  expect(summary.faults.injected['mysql-kill']).toBeGreaterThanOrEqual(1);
  expect(summary.faults.payment?.delayed).toBeGreaterThan(0);
  expect(summary.verdict).toEqual({ breaches: 0, checkerBreaches: 0, oversoldUnits: 0, stockDrift: 0, contradictions: 0, reconcilerRepairs: 0, couponBreaches: 0, queueBreaches: 0, stuck: 0, doubleCaptures: 0, doubleRefunds: 0 });
  expect(summary.reconciler).not.toBeNull();
  expect(summary.quiet.reached).toBe(true);
  expect(summary.checker.exitCode).toBe(0);
  // Every tenth buyer checked a cart out twice at once; each of those that got answers got one order.
  expect(summary.orders.doubleCheckouts.buyers).toBe(6);
  expect(summary.orders.doubleCheckouts.answeredOneOrder).toBeGreaterThan(0);
  // Every buyer's order was settled one way or another, and the mix produced more than one kind of ending.
  expect(summary.outcomes.PENDING + summary.outcomes.RESERVED + summary.outcomes.UNKNOWN).toBe(0);
  expect(summary.outcomes.CONFIRMED).toBeGreaterThan(0);
  expect(summary.outcomes.EXPIRED + summary.outcomes.CANCELLED + summary.outcomes.FAILED).toBeGreaterThan(0);
  // After the sale: refunds (concurrent pairs included) and returns ran through the same faults.
  expect(summary.money.refunds).toBeGreaterThan(0);
  expect(Object.keys(summary.answers).some((answer) => answer.startsWith('POST /returns/:id/receive 200'))).toBe(true);
  // The queued drop: I9 held, and every one of its buyers (18 of them, some in the lottery) ended ordered, sold out,
  // or still waiting at the deadline; buyers were ordered with their tickets and others told SOLD_OUT.
  const { queue } = summary;
  expect(queue.invariant?.status).toBe('ok');
  expect(queue.buyers).toBe(18);
  expect(queue.lottery).toBeGreaterThan(0);
  expect(queue.endings.ORDERED + queue.endings.SOLD_OUT + queue.endings.UNANSWERED).toBe(18);
  expect(queue.endings.ORDERED).toBeGreaterThan(0);
  // Whether the drop sells out before its buyers' deadline depends on the run's timing (it did not in one of three
  // quiet-machine runs): every ending is accounted for above, and the seeds' runs (docs/RELIABILITY.md) show SOLD_OUT.
  expect(queue.confirmed).toBeGreaterThan(0);
  expect(queue.admittedSamples.samples).toBeGreaterThan(0);
  expect(queue.admittedSamples.most).toBeLessThanOrEqual(queue.admittedSamples.bound);
  expect(queue.skips).toBe(0);
  expect(queue.flushesDuringDrop).toBeGreaterThanOrEqual(1);
});
