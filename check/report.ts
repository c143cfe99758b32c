/** Formats a CheckResult for people (a text report) or machines (JSON). */
import { INVARIANTS, INVARIANT_TITLES, type CheckResult, type Finding, type InvariantId } from './invariants';

export interface ReportContext {
  /** One line describing what was checked (scope and options). */
  scope: string;
}

/** `invariants: I1 ok, I2 ok, I3 BREACH (2), I4 ok (Temporal skipped), I5 ok (1 warning), I6 ok, I8 ok` */
export function summaryLine(result: CheckResult): string {
  const parts = INVARIANTS.map((id) => {
    const { status, breaches, warnings, skipped } = result.summary[id];
    const notes: string[] = [];
    if (status === 'BREACH') return `${id} BREACH (${breaches})`;
    if (status === 'skipped') return `${id} skipped`;
    if (skipped) notes.push(id === 'I4' ? 'Temporal skipped' : 'partly skipped');
    if (warnings > 0) notes.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
    return `${id} ok${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
  });
  return `invariants: ${parts.join(', ')}`;
}

function table(header: string[], rows: string[][], rightAligned: Set<number> = new Set()): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const format = (row: string[]) =>
    row
      .map((cell, column) => (rightAligned.has(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  return [format(header), ...rows.map(format)].map((line) => `  ${line}`);
}

const byInvariant = (a: Finding, b: Finding) => a.invariant.localeCompare(b.invariant);

export function formatText(result: CheckResult, context: ReportContext): string {
  const out: string[] = [];
  out.push(`Invariant check at ${result.takenAt} (${context.scope})`);
  out.push('');

  out.push(`Products (${result.products.length})`);
  if (result.products.length === 0) out.push('  (none)');
  else {
    out.push(
      ...table(
        ['id', 'sku', 'stock', 'available', 'held', 'sold', 'status'],
        result.products.map((product) => [
          String(product.id),
          product.sku,
          String(product.stock),
          product.available === null ? '-' : String(product.available),
          String(product.held),
          String(product.sold),
          product.status,
        ]),
        new Set([0, 2, 3, 4, 5]),
      ),
    );
  }

  const productFindings = result.findings.filter((finding) => finding.orderId === undefined).sort(byInvariant);
  const productBreaches = productFindings.filter((finding) => finding.severity === 'breach');
  if (productBreaches.length > 0) {
    out.push('', 'Product breaches');
    out.push(...table(['product', 'inv', 'problem'], productBreaches.map((finding) => [String(finding.productId ?? '-'), finding.invariant, finding.message])));
  }

  const orderBreaches = result.findings.filter((finding) => finding.orderId !== undefined && finding.severity === 'breach').sort(byInvariant);
  if (orderBreaches.length > 0) {
    out.push('', 'Order breaches');
    out.push(
      ...table(
        ['order', 'status', 'inv', 'problem'],
        orderBreaches.map((finding) => [finding.orderId!, finding.orderStatus ?? '-', finding.invariant, finding.message]),
      ),
    );
  }

  const warnings = result.findings.filter((finding) => finding.severity === 'warning').sort(byInvariant);
  if (warnings.length > 0) {
    out.push('', 'Warnings');
    out.push(
      ...table(
        ['inv', 'subject', 'problem'],
        warnings.map((finding) => [
          finding.invariant,
          finding.orderId ? `order ${finding.orderId} (${finding.orderStatus ?? '-'})` : `product ${finding.productId ?? '-'}`,
          finding.message,
        ]),
      ),
    );
  }

  out.push('');
  if (result.inFlight.length === 0) out.push('In flight: none (the system is quiet: I2 is exact)');
  else {
    const shown = result.inFlight.slice(0, 20).map((order) => `${order.id} (${order.status}; products ${order.productIds.join(',')})`);
    const more = result.inFlight.length > shown.length ? `, and ${result.inFlight.length - shown.length} more` : '';
    out.push(`In flight: ${result.inFlight.length} order(s) PENDING/RESERVED: ${shown.join(', ')}${more}`);
  }

  const skipped = INVARIANTS.filter((id) => result.summary[id].skipped);
  for (const id of skipped) out.push(`Skipped: ${id} (${INVARIANT_TITLES[id as InvariantId]}) ${result.summary[id].skipped}`);

  out.push('', summaryLine(result), result.ok ? 'result: ok' : 'result: BREACH');
  return out.join('\n');
}

export function formatJson(result: CheckResult, context: ReportContext): string {
  return JSON.stringify({ ...result, scope: context.scope, summaryLine: summaryLine(result) }, null, 2);
}
