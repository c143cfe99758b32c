/**
 * What a quiet run adds up to: each buyer's final order (GET /orders/:id), the invariant checker run unscoped against
 * the run's own MySQL/Redis/provider/Temporal (`--strict`), and the harness's own cross-checks, which know things the
 * checker cannot: the initial stock (oversell in units), every capture the provider ever made (double captures, even
 * refunded ones), and what the API told each buyer (an answer the final state contradicts).
 */
import { run as runChecker } from '../check/main';
import type { Finding } from '../check/invariants';
import { summaryLine } from '../check/report';
import { forkSql, select } from '../db/sql';
import { availabilityKey } from '../inventory/keys';
import type { Authorization, Refund } from '../payments/types';
import type { FaultCounts } from '../payments/faults';
import { ApiClient, PAYMENT_TOKENS, type BuyerRecord } from './buyers';
import { judgeCoupons, type CouponVerdict } from './coupon-verdict';
import type { RunCoupon } from './coupons';
import type { QueueBuyerRecord, RunDrop } from './queue-drop';
import { judgeQueue, type QueueVerdict } from './queue-verdict';
import { FAULT_KINDS, type FaultKind, type FaultRecord } from './faults';
import { reconcilerFindings, type ReconcilerFindings } from './reconciler-findings';
import type { ChaosOptions } from './options';
import { openOrders, type OpenOrder, type QuietResult } from './quiet';
import { diagnoseStuck, type StuckDiagnosis } from './stuck-diagnosis';
import type { ChaosStack } from './stack';

export const OUTCOMES = ['CONFIRMED', 'REJECTED', 'CANCELLED', 'EXPIRED', 'FAILED', 'PENDING', 'RESERVED', 'NO_ORDER', 'UNKNOWN'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface ProductVerdict {
  id: number;
  sku: string;
  initialStock: number;
  finalStock: number;
  /** Units on lines of CONFIRMED orders. */
  soldUnits: number;
  /** Redis availability at the end (null: not loaded, e.g. flushed and not needed since). */
  available: number | null;
  /** Units sold beyond the initial stock. */
  oversoldUnits: number;
  /** finalStock - (initialStock - soldUnits): at rest MySQL's stock is exactly what was not sold. */
  stockDrift: number;
}

export interface Contradiction {
  orderId: string;
  buyer: number;
  problem: string;
  events: string[];
}

export interface ChaosSummary {
  ok: boolean;
  seed: number;
  startedAt: string;
  options: Omit<ChaosOptions, 'resultsFile' | 'json'>;
  phasesMs: { setup: number; load: number; quiet: number; verdict: number; total: number };
  orders: {
    buyers: number;
    /** Orders that exist (MySQL), whatever became of them. */
    placed: number;
    /** Buyers whose POST /orders was answered 201 (RESERVED). */
    reservedAnswers: number;
    /** Refused by the sold-out gate (no order named in the answer). */
    refusedAtGate: number;
    /** ...of which an order exists all the same (an earlier, unanswered try of the same key had placed it). */
    refusedButPlaced: number;
    /** POST /orders never answered within the buyer's tries. */
    placementGaveUp: number;
    /** Requests buyers had to repeat (connection lost, 5xx). */
    retriedRequests: number;
    /** Cart buyers who checked one cart version out twice at once, and how many of them were answered one order. */
    doubleCheckouts: { buyers: number; answeredOneOrder: number };
  };
  outcomes: Record<Outcome, number>;
  /** Final status by the first payment token of paying buyers that got a reservation. */
  outcomesByToken: Record<string, Partial<Record<Outcome, number>>>;
  faults: {
    planned: number;
    injected: Record<FaultKind, number>;
    skipped: number;
    payment: FaultCounts | null;
    /** Exits of parts nobody asked for (each was restarted, as a process manager would). */
    unexpectedExits: Record<string, number>;
    log: Array<{ atS: number; kind: FaultKind; detail: string }>;
  };
  quiet: { reached: boolean; waitedS: number; runningWorkflows: number; pendingRefunds: number };
  checker: { exitCode: number; summary: string; breaches: number; warnings: number; findings: Finding[] };
  money: {
    authorizations: number;
    byStatus: Record<string, number>;
    doubleCaptures: number;
    doubleCaptureOrders: string[];
    /** After the sale: refunds the provider made, and refund ids it made more than once. */
    refunds: number;
    doubleRefunds: number;
    doubleRefundIds: string[];
  };
  products: ProductVerdict[];
  /** The run's coupons: their figures, I7 as the checker found it, and the run's own coupon cross-checks. */
  coupons: CouponVerdict;
  /** The run's queued drop: its figures, I9 as the checker found it, and the run's own queue cross-checks. */
  queue: QueueVerdict;
  /** The headline numbers; every one must be 0. */
  verdict: {
    breaches: number;
    checkerBreaches: number;
    oversoldUnits: number;
    stockDrift: number;
    contradictions: number;
    /** Drift repairs and sweeps the reconciler made during the run: each hid a fault the saga left behind. */
    reconcilerRepairs: number;
    /** The run's own coupon cross-checks (chaos/coupon-verdict.ts); I7's breaches are among the checker's. */
    couponBreaches: number;
    /** The run's own queue cross-checks (chaos/queue-verdict.ts); I9's breaches are among the checker's. */
    queueBreaches: number;
    stuck: number;
    doubleCaptures: number;
    doubleRefunds: number;
  };
  /** What the reconciler's runs during the fault run repaired (chaos/reconciler-findings.ts). */
  reconciler: ReconcilerFindings | null;
  stuckOrders: OpenOrder[];
  /** What each stuck order's workflow is still waiting on (chaos/stuck-diagnosis.ts). */
  stuckDiagnoses: StuckDiagnosis[];
  contradictions: Contradiction[];
  /** FAILED orders whose tokens do not fail by design: not a breach (they are compensated), but worth a look. */
  unexplainedFailures: Array<{ orderId: string; tokens: string[]; failureReason: string }>;
  /** Answers buyers got, by route and status. */
  answers: Record<string, number>;
  logDir: string;
  /** Logs are kept with --keep or when the run failed. */
  logsKept: boolean;
  database: string;
}

const sumFaultCounts = (counts: FaultCounts[]): FaultCounts =>
  counts.reduce((sum, count) => ({ delayed: sum.delayed + count.delayed, failed: sum.failed + count.failed, lostAnswers: sum.lostAnswers + count.lostAnswers }), {
    delayed: 0,
    failed: 0,
    lostAnswers: 0,
  });

async function finalStatuses(stack: ChaosStack, records: BuyerRecord[]): Promise<{ statuses: Map<string, Outcome>; reasons: Map<string, string> }> {
  const api = new ApiClient(stack.apiUrl, stack.env.AUTH_JWT_SECRET!, 10_000);
  const staff = await api.authorization('operator');
  const statuses = new Map<string, Outcome>();
  const reasons = new Map<string, string>();
  let next = 0;
  const lane = async () => {
    for (;;) {
      const record = records[next++];
      if (!record) return;
      let outcome: Outcome = 'UNKNOWN';
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const answer = await api.request('GET', `/orders/${record.plan.orderId}`, undefined, staff);
        if (typeof answer !== 'string' && answer.status === 200) {
          outcome = answer.body.status as Outcome;
          if (answer.body.failureReason) reasons.set(record.plan.orderId, String(answer.body.failureReason));
          break;
        }
        if (typeof answer !== 'string' && answer.status === 404) {
          outcome = 'NO_ORDER';
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 500 * (attempt + 1)));
      }
      statuses.set(record.plan.orderId, outcome);
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  return { statuses, reasons };
}

function contradictionsOf(records: BuyerRecord[], finals: Map<string, Outcome>): Contradiction[] {
  const found: Contradiction[] = [];
  for (const record of records) {
    const final = finals.get(record.plan.orderId) ?? 'UNKNOWN';
    const add = (problem: string) => found.push({ orderId: record.plan.orderId, buyer: record.plan.index, problem, events: record.events });
    const terminalAnswer = record.answeredStatus && record.answeredStatus !== 'RESERVED' && record.answeredStatus !== 'PENDING';
    if (terminalAnswer && final !== record.answeredStatus) add(`the API answered ${record.answeredStatus}, the order ended ${final}`);
    if (record.placement === 'RESERVED' && final === 'NO_ORDER') add('the API answered 201 RESERVED, yet there is no such order');
    if ((record.checkoutOrderIds?.length ?? 0) > 1) add(`a double checkout of one cart version answered ${record.checkoutOrderIds!.length} orders: ${record.checkoutOrderIds!.join(', ')}`);
    const paid = record.payments.length > 0;
    if (final === 'CONFIRMED' && !paid) add('CONFIRMED though the buyer never sent a payment');
    if (final === 'CANCELLED' && record.cancel === undefined) add('CANCELLED though the buyer never asked to cancel');
    if ((final === 'FAILED' || final === 'CONFIRMED') && record.plan.intent !== 'pay') add(`${final} though the buyer never paid`);
  }
  return found;
}

export async function judge(input: {
  options: ChaosOptions;
  stack: ChaosStack;
  records: BuyerRecord[];
  coupons: RunCoupon[];
  queue: { drop: RunDrop; buyers: QueueBuyerRecord[]; sampled: { samples: number; most: number }; loadStartedAt: number };
  faultRecords: FaultRecord[];
  quiet: QuietResult;
  answers: Map<string, number>;
  startedAt: number;
  phasesMs: { setup: number; load: number; quiet: number };
}): Promise<ChaosSummary> {
  const { options, stack, records, faultRecords, quiet } = input;
  const verdictStarted = Date.now();

  const { statuses: finals, reasons } = await finalStatuses(stack, records);
  // FAILED orders the token mix does not explain (tok_captureFails fails by design): how the faults ended them.
  const unexplainedFailures = records
    .filter((record) => finals.get(record.plan.orderId) === 'FAILED' && !record.plan.tokens.includes('tok_captureFails'))
    .map((record) => ({
      orderId: record.plan.orderId,
      tokens: record.plan.tokens,
      failureReason: reasons.get(record.plan.orderId) ?? '-',
    }));
  const outcomes = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as Record<Outcome, number>;
  for (const outcome of finals.values()) outcomes[outcome] += 1;
  const outcomesByToken: Record<string, Partial<Record<Outcome, number>>> = Object.fromEntries(PAYMENT_TOKENS.map((token) => [token, {}]));
  for (const record of records) {
    if (record.plan.intent !== 'pay' || record.placement !== 'RESERVED') continue;
    const byOutcome = outcomesByToken[record.plan.tokens[0]];
    const final = finals.get(record.plan.orderId) ?? 'UNKNOWN';
    byOutcome[final] = (byOutcome[final] ?? 0) + 1;
  }

  // The checker, unscoped, strict, against the run's own stores (CHECK_* of the caller's shell must not narrow it).
  const checkerEnv = Object.fromEntries(Object.entries(stack.env).filter(([name]) => !name.startsWith('CHECK_')));
  const checked = await runChecker(['--strict', `--stuck-after=${options.stuckAfterMs}ms`, '--timeout=15s'], checkerEnv);
  const findings = checked.result?.findings ?? [];
  const checkerBreaches = checked.result ? findings.filter((finding) => finding.severity === 'breach').length : 0;

  const ledgerResponse = await fetch(`${stack.paymentsUrl}/v1/ledger`, { headers: { authorization: `Bearer ${stack.env.PAYMENTS_API_KEY}` }, signal: AbortSignal.timeout(15_000) });
  const ledger = (await ledgerResponse.json()) as { authorizations: Authorization[]; refunds?: Refund[] };
  const authorizations = ledger.authorizations;
  const providerRefunds = ledger.refunds ?? [];
  const refundsById = new Map<string, number>();
  for (const refund of providerRefunds) if (refund.merchantReference) refundsById.set(refund.merchantReference, (refundsById.get(refund.merchantReference) ?? 0) + 1);
  const doubleRefundIds = [...refundsById].filter(([, count]) => count > 1).map(([refundId]) => refundId);
  const byStatus: Record<string, number> = {};
  const captures = new Map<string, number>();
  for (const authorization of authorizations) {
    byStatus[authorization.status] = (byStatus[authorization.status] ?? 0) + 1;
    if (authorization.capturedAmountCents > 0) captures.set(authorization.reference, (captures.get(authorization.reference) ?? 0) + 1);
  }
  const doubleCaptureOrders = [...captures].filter(([, count]) => count > 1).map(([reference]) => reference);
  let paymentFaults: FaultCounts | null = null;
  if (options.paymentFaults !== 'off') {
    // The stand-in counts since its last start: add what each restart took with it.
    const sinceLastStart = await stack.paymentFaultCounts();
    const counts = [...faultRecords.map((fault) => fault.paymentCounts), sinceLastStart].filter((count): count is FaultCounts => count !== undefined);
    if (sinceLastStart) paymentFaults = sumFaultCounts(counts);
  }

  const em = forkSql(stack.orm);
  const productRows = await select<{ id: number; sku: string; stock: number }>(em, 'SELECT id, sku, stock FROM product ORDER BY id');
  const soldRows = await select<{ product_id: number; units: string | number }>(
    em,
    "SELECT line.product_id, SUM(line.quantity) AS units FROM order_line line JOIN orders o ON o.id = line.order_id WHERE o.status = 'CONFIRMED' GROUP BY line.product_id",
  );
  const sold = new Map(soldRows.map((row) => [Number(row.product_id), Number(row.units)]));
  // Units received back sellable from returns are in stock again, by design.
  const returnedRows = await select<{ product_id: number; units: string | number }>(em, "SELECT product_id, SUM(delta) AS units FROM stock_movement WHERE kind = 'RETURN' GROUP BY product_id");
  const returned = new Map(returnedRows.map((row) => [Number(row.product_id), Number(row.units)]));
  const [{ n: placed }] = await select<{ n: number | string }>(em, 'SELECT COUNT(*) AS n FROM orders');
  const available = await stack.redis.mget(productRows.map((row) => availabilityKey(Number(row.id))));
  const products = productRows.map((row, index): ProductVerdict => {
    const soldUnits = sold.get(Number(row.id)) ?? 0;
    // The queued drop was added through the API with its own units (chaos/queue-drop.ts).
    const initialStock = Number(row.id) === input.queue.drop.productId ? input.queue.drop.units : (stack.products.find((product) => product.id === Number(row.id))?.stock ?? 0);
    return {
      id: Number(row.id),
      sku: row.sku,
      initialStock,
      finalStock: Number(row.stock),
      soldUnits,
      available: available[index] === null ? null : Number(available[index]),
      oversoldUnits: Math.max(0, soldUnits - initialStock) + Math.max(0, -Number(row.stock)),
      stockDrift: Number(row.stock) - (initialStock - soldUnits + (returned.get(Number(row.id)) ?? 0)),
    };
  });

  const now = Date.now();
  const stillOpen = await openOrders(stack);
  const stuckOrders = stillOpen.filter((order) => {
    const deadline = new Date(`${(order.reservedUntil ?? order.createdAt).replace(' ', 'T')}Z`).getTime();
    return now - deadline > options.stuckAfterMs || !quiet.reached;
  });
  const stuckDiagnoses = await diagnoseStuck(stack, stuckOrders.map((order) => order.id)).catch((error: Error) =>
    stuckOrders.map((order) => ({ orderId: order.id, workflowStatus: `UNKNOWN (${error.message})`, pending: [] })),
  );
  const contradictions = contradictionsOf(records, finals);
  const oversoldUnits = products.reduce((sum, product) => sum + product.oversoldUnits, 0);
  const stockDrift = products.reduce((sum, product) => sum + Math.abs(product.stockDrift), 0);
  // Temporal may be unreachable (it was restarted on its file): then the repairs are unknown, not zero.
  const reconciler = await reconcilerFindings(stack).catch(() => null);
  const reconcilerRepairs = reconciler ? reconciler.repairs.length + reconciler.swept.length : 0;
  const coupons = await judgeCoupons(stack, records, input.coupons, checked.result?.summary.I7 ?? null);
  const queue = await judgeQueue(stack, { ...input.queue, faults: faultRecords, invariant: checked.result?.summary.I9 ?? null });
  const verdict = {
    breaches: checkerBreaches + oversoldUnits + stockDrift + contradictions.length + reconcilerRepairs + coupons.breaches.length + queue.breaches.length,
    checkerBreaches,
    oversoldUnits,
    stockDrift,
    contradictions: contradictions.length,
    reconcilerRepairs,
    couponBreaches: coupons.breaches.length,
    queueBreaches: queue.breaches.length,
    stuck: stuckOrders.length,
    doubleCaptures: doubleCaptureOrders.length,
    doubleRefunds: doubleRefundIds.length,
  };
  const injected = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, faultRecords.filter((fault) => fault.kind === kind && fault.injected).length])) as Record<FaultKind, number>;
  const ok = checked.exitCode === 0 && verdict.breaches === 0 && verdict.stuck === 0 && verdict.doubleCaptures === 0 && verdict.doubleRefunds === 0 && quiet.reached;

  const verdictMs = Date.now() - verdictStarted;
  const { resultsFile: _resultsFile, json: _json, ...shownOptions } = options;
  return {
    ok,
    seed: options.seed,
    startedAt: new Date(input.startedAt).toISOString(),
    options: shownOptions,
    phasesMs: { ...input.phasesMs, verdict: verdictMs, total: Date.now() - input.startedAt },
    orders: {
      buyers: records.length,
      placed: Number(placed),
      reservedAnswers: records.filter((record) => record.placement === 'RESERVED').length,
      refusedAtGate: records.filter((record) => record.refusedBy === 'gate').length,
      refusedButPlaced: records.filter((record) => record.refusedBy === 'gate' && !['NO_ORDER', 'UNKNOWN'].includes(finals.get(record.plan.orderId) ?? 'UNKNOWN')).length,
      placementGaveUp: records.filter((record) => record.placement === 'GAVE_UP').length,
      retriedRequests: records.reduce((sum, record) => sum + record.retries, 0),
      doubleCheckouts: {
        buyers: records.filter((record) => record.plan.viaCart).length,
        answeredOneOrder: records.filter((record) => record.checkoutOrderIds?.length === 1).length,
      },
    },
    outcomes,
    outcomesByToken,
    faults: {
      planned: faultRecords.length,
      injected,
      skipped: faultRecords.filter((fault) => !fault.injected).length,
      payment: paymentFaults,
      unexpectedExits: stack.supervisor.unexpectedExits(),
      log: faultRecords.map((fault) => ({ atS: Math.round(fault.firedAtMs / 100) / 10, kind: fault.kind, detail: fault.detail })),
    },
    quiet: { reached: quiet.reached, waitedS: Math.round(quiet.waitedMs / 1000), runningWorkflows: quiet.runningWorkflows, pendingRefunds: quiet.pendingRefunds },
    checker: {
      exitCode: checked.exitCode,
      summary: checked.result ? summaryLine(checked.result) : checked.output,
      breaches: checkerBreaches,
      warnings: findings.filter((finding) => finding.severity === 'warning').length,
      findings: findings.slice(0, 50),
    },
    money: {
      authorizations: authorizations.length,
      byStatus,
      doubleCaptures: doubleCaptureOrders.length,
      doubleCaptureOrders,
      refunds: providerRefunds.length,
      doubleRefunds: doubleRefundIds.length,
      doubleRefundIds,
    },
    products,
    coupons,
    queue,
    verdict,
    reconciler,
    stuckOrders,
    stuckDiagnoses,
    contradictions,
    unexplainedFailures,
    answers: Object.fromEntries([...input.answers].sort(([a], [b]) => a.localeCompare(b))),
    logDir: stack.logDir,
    logsKept: true,
    database: stack.databaseName,
  };
}
