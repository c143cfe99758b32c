/** The fault run's summary for people: a few tables, then the verdict. The JSON is the summary object itself. */
import { OUTCOMES, type ChaosSummary } from './verdict';

function table(header: string[], rows: string[][], right: Set<number> = new Set()): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => (right.has(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].map((text) => `  ${text}`);
}

const s = (ms: number) => `${Math.round(ms / 1000)}s`;

export function formatSummary(summary: ChaosSummary): string {
  const out: string[] = [];
  const { options, orders, faults, verdict } = summary;
  out.push(
    `Fault run (seed ${summary.seed}): ${orders.buyers} buyers over ${s(options.durationMs)}, concurrency ${options.concurrency}, ` +
      `${options.workers} workers, ${options.apis} APIs, ${options.products} products × ${options.stockPerProduct} units, hold ${s(options.holdMs)}`,
  );
  out.push(
    `phases: setup ${s(summary.phasesMs.setup)}, load ${s(summary.phasesMs.load)}, quiet ${s(summary.phasesMs.quiet)}, ` +
      `verdict ${s(summary.phasesMs.verdict)}, total ${s(summary.phasesMs.total)}`,
  );

  out.push('', 'Orders');
  out.push(
    ...table(
      ['placed', 'answered RESERVED', 'refused at gate', '(yet placed)', 'placement gave up', 'requests retried', 'double checkouts (one order)'],
      [[orders.placed, orders.reservedAnswers, orders.refusedAtGate, orders.refusedButPlaced, orders.placementGaveUp, orders.retriedRequests, `${orders.doubleCheckouts.buyers} (${orders.doubleCheckouts.answeredOneOrder})`].map(String)],
      new Set([0, 1, 2, 3, 4, 5]),
    ),
  );

  out.push('', 'Outcomes (final status of each buyer\'s order)');
  const shown = OUTCOMES.filter((outcome) => summary.outcomes[outcome] > 0 || ['CONFIRMED', 'REJECTED', 'CANCELLED', 'EXPIRED', 'FAILED'].includes(outcome));
  out.push(...table(shown, [shown.map((outcome) => String(summary.outcomes[outcome]))], new Set(shown.map((_, i) => i))));

  out.push('', 'Paying buyers by first token');
  const tokenOutcomes = ['CONFIRMED', 'FAILED', 'EXPIRED', 'CANCELLED', 'REJECTED', 'UNKNOWN'] as const;
  out.push(
    ...table(
      ['token', ...tokenOutcomes],
      Object.entries(summary.outcomesByToken).map(([token, counts]) => [token, ...tokenOutcomes.map((outcome) => String(counts[outcome] ?? 0))]),
      new Set(tokenOutcomes.map((_, i) => i + 1)),
    ),
  );

  out.push('', 'Faults injected');
  const payment = faults.payment;
  out.push(
    ...table(
      ['worker kills', 'Temporal restarts', 'Redis flushes', 'API kills', 'provider restarts', 'MySQL kills', 'payment: delayed', '503s', 'answers lost', 'skipped'],
      [
        [
          faults.injected['worker-kill'],
          faults.injected['temporal-restart'],
          faults.injected['redis-flush'],
          faults.injected['api-kill'],
          faults.injected['payments-restart'],
          faults.injected['mysql-kill'],
          payment?.delayed ?? 0,
          payment?.failed ?? 0,
          payment?.lostAnswers ?? 0,
          faults.skipped,
        ].map(String),
      ],
      new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
    ),
  );
  for (const fault of faults.log) out.push(`    ${fault.atS.toFixed(1).padStart(6)}s  ${fault.detail}`);
  const exits = Object.entries(faults.unexpectedExits).filter(([, count]) => count > 0);
  if (exits.length > 0) out.push(`  unexpected exits (restarted): ${exits.map(([name, count]) => `${name} ${count}`).join(', ')}`);

  out.push('', 'Products');
  out.push(
    ...table(
      ['sku', 'initial', 'sold', 'final stock', 'available', 'oversold', 'drift'],
      summary.products.map((product) => [
        product.sku,
        String(product.initialStock),
        String(product.soldUnits),
        String(product.finalStock),
        product.available === null ? '-' : String(product.available),
        String(product.oversoldUnits),
        String(product.stockDrift),
      ]),
      new Set([1, 2, 3, 4, 5, 6]),
    ),
  );

  const { coupons } = summary;
  const i7 = coupons.invariant ? `${coupons.invariant.status} (${coupons.invariant.breaches} breaches, ${coupons.invariant.warnings} warnings)` : 'not checked';
  out.push('', `Coupons (checker I7: ${i7}; ordered again after a cancel gave the claim back: ${coupons.orderedAgain.accepted} of ${coupons.orderedAgain.buyers} accepted)`);
  out.push(
    ...table(
      ['code', 'quantity', 'per buyer', 'issued', 'redeemed', 'remaining', 'claims answered', 'exhausted answers', 'orders with it', 'CONFIRMED'],
      coupons.coupons.map((coupon) =>
        [coupon.code, coupon.quantity, coupon.perBuyer, coupon.issued, coupon.redeemed, coupon.remaining, coupon.claimsAnswered, coupon.exhaustedAnswers, coupon.orders, coupon.confirmed].map(String),
      ),
      new Set([1, 2, 3, 4, 5, 6, 7, 8, 9]),
    ),
  );
  out.push(`  reconciler: ${coupons.reconciler.rebuilt} count(s) rebuilt after a flush, ${coupons.reconciler.repairs.length} drift repair(s)`);
  for (const repair of coupons.reconciler.repairs) out.push(`    ${repair.code}: left ${repair.before} → ${repair.after ?? '-'}`);
  for (const breach of coupons.breaches) out.push(`    BREACH ${breach.code} ${breach.subject}: ${breach.problem}`);

  const { queue } = summary;
  const i9 = queue.invariant ? `${queue.invariant.status} (${queue.invariant.breaches} breaches, ${queue.invariant.warnings} warnings)` : 'not checked';
  const endings = Object.entries(queue.endings).map(([ending, count]) => `${count} ${ending}`).join(', ');
  out.push('', `Queued drop (checker I9: ${i9}): product ${queue.productId}, ${queue.units} units, ${queue.admitPerSecond}/s, maxAdmitted ${queue.maxAdmitted}`);
  out.push(`  ${queue.buyers} buyers in its queue (${queue.lottery} in the lottery before the start): ${endings}`);
  out.push(`  ${queue.admissions} admission(s) recorded, ${queue.confirmed} order(s) CONFIRMED; ${queue.flushesDuringDrop} Redis flush(es) during the drop`);
  out.push(`  admitted at once (Redis, ${queue.admittedSamples.samples} samples): at most ${queue.admittedSamples.most} of ${queue.admittedSamples.bound} allowed; line skipped ${queue.skips} time(s) (${queue.cameBackLate} admission(s) ahead of a buyer not back since a flush)`);
  for (const breach of queue.breaches.slice(0, 20)) out.push(`    BREACH ${breach.subject}: ${breach.problem}`);

  const byStatus = Object.entries(summary.money.byStatus).map(([status, count]) => `${count} ${status}`).join(', ');
  out.push('', `Money: ${summary.money.authorizations} authorization(s) (${byStatus || 'none'}); double captures ${summary.money.doubleCaptures}; ${summary.money.refunds} refund(s) after the sale, double refunds ${summary.money.doubleRefunds}`);
  out.push(`Quiet: ${summary.quiet.reached ? 'reached' : 'NOT reached'} after ${summary.quiet.waitedS}s; ${summary.checker.summary}`);

  const breaches = summary.checker.findings.filter((finding) => finding.severity === 'breach');
  if (breaches.length > 0) {
    out.push('', 'Checker breaches');
    out.push(...table(['inv', 'subject', 'problem'], breaches.map((f) => [f.invariant, f.orderId ? `${f.orderId} (${f.orderStatus})` : f.productId !== undefined ? `product ${f.productId}` : '-', f.message])));
  }
  if (summary.contradictions.length > 0) {
    out.push('', 'Answers the final state contradicts');
    for (const c of summary.contradictions) out.push(`  ${c.orderId} (buyer ${c.buyer}): ${c.problem}\n      ${c.events.join(' → ')}`);
  }
  if (summary.stuckOrders.length > 0) {
    out.push('', 'Stuck orders');
    out.push(...table(['order', 'status', 'reserved until', 'created'], summary.stuckOrders.map((o) => [o.id, o.status, o.reservedUntil ?? '-', o.createdAt])));
    for (const diagnosis of summary.stuckDiagnoses) {
      out.push(`  ${diagnosis.orderId}: workflow ${diagnosis.workflowStatus}`);
      for (const step of diagnosis.pending) out.push(`      retrying ${step.activity}, attempt ${step.attempt}: ${step.lastFailure ?? 'no failure yet'}`);
    }
  }

  if (summary.unexplainedFailures.length > 0) {
    out.push('', 'FAILED orders the token does not explain (compensated, not a breach)');
    out.push(...table(['order', 'tokens', 'failure reason'], summary.unexplainedFailures.map((f) => [f.orderId, f.tokens.join(','), f.failureReason])));
  }

  const { reconciler } = summary;
  out.push(
    reconciler
      ? `Reconciler: ${reconciler.runs} run(s), ${reconciler.repairs.length} drift repair(s), ${reconciler.swept.length} order(s) swept`
      : 'Reconciler: its runs could not be read from Temporal',
  );
  for (const repair of reconciler?.repairs ?? []) out.push(`    product ${repair.productId}: availability ${repair.before} → ${repair.after} (stock ${repair.stock})`);
  for (const orderId of reconciler?.swept ?? []) out.push(`    swept ${orderId}`);

  out.push('', 'Verdict');
  out.push(
    ...table(
      ['breaches', 'orders stuck', 'double captures', 'double refunds', '(checker', 'oversold', 'stock drift', 'contradicted answers', 'reconciler repairs', 'coupons', 'queue)'],
      [
        [
          verdict.breaches,
          verdict.stuck,
          verdict.doubleCaptures,
          verdict.doubleRefunds,
          verdict.checkerBreaches,
          verdict.oversoldUnits,
          verdict.stockDrift,
          verdict.contradictions,
          verdict.reconcilerRepairs,
          verdict.couponBreaches,
          verdict.queueBreaches,
        ].map(String),
      ],
      new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
    ),
  );
  const logs = summary.logsKept ? `logs in ${summary.logDir}` : 'logs removed';
  out.push(`result: ${summary.ok ? 'ok' : 'FAILED'}   (${logs}; database ${summary.database} ${options.keep ? 'kept' : 'dropped'})`);
  return out.join('\n');
}
