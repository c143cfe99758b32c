/**
 * The invariants of docs/DESIGN.md §3 as pure functions: given a snapshot of MySQL, Redis, the payment
 * provider's books and Temporal (see snapshot.ts), they return findings. No I/O here, so every rule
 * is unit-tested on hand-made snapshots (test/check/invariants.test.ts).
 *
 * What is checked, exactly:
 *
 * I1 no oversell (per product, over all orders; per order, in scope)
 *   - product.stock >= 0, and the Redis availability (when loaded) >= 0.
 *   - The initial stock is not stored, so "units sold <= units stocked" cannot be checked on its own
 *     (it reduces to stock >= 0). What is checked instead is that no sold unit bypassed the stock
 *     ledger: units on lines of CONFIRMED orders == net units (SALE - RESTORE) the ledger took for
 *     CONFIRMED orders, and units still taken for orders that are neither CONFIRMED nor in flight
 *     (or that MySQL does not know) == 0.
 *   - Per order in scope: a terminal order that is not CONFIRMED has no unrestored SALE.
 * I2 conservation (per product with availability loaded in Redis)
 *   - available == stock - held, where held counts the units of each line of a PENDING/RESERVED order
 *     whose sale is not in MySQL's stock (no SALE, or one undone by a RESTORE) and whose Redis hold is
 *     'held' or 'committed', or missing for a RESERVED order (MySQL says it holds them). At rest (nothing in flight)
 *     this is db/holds.ts's unitsHeldByOpenOrders, which is 0; in flight it follows each saga step
 *     (released-but-not-yet-EXPIRED, sold-but-not-yet-settled...) as the Redis rebuild does. The stores
 *     are still read one after the other, so a mismatch on a product that in-flight orders touch is a
 *     breach when quiet is required (the default) and a warning otherwise; with nothing in flight on
 *     the product it is always a breach.
 *   - Per order in scope (Redis hold {inv}:hold:<id>): a terminal order that is not CONFIRMED must not
 *     still be 'held' or 'committed' (units leaked in Redis); a CONFIRMED order must not be 'released' (units given
 *     back although sold), and one still 'held' (settle missed) is a warning, as is a RESERVED order
 *     without a hold while its products' availability is loaded.
 * I3 money (per order in scope, from the provider's books; skipped when the provider is unreachable)
 *   - at most one authorization in status 'captured' per order (more = double charge); more than one
 *     ever captured but the extras refunded is a warning;
 *   - an authorization 'captured' (not refunded) belongs to a CONFIRMED order (in-flight orders: as I2);
 *   - a CONFIRMED order has exactly one capture, of its total, and no other authorization left 'authorized';
 *   - a terminal order that is not CONFIRMED has no authorization left 'authorized' or 'captured';
 *   - unscoped by product: an authorization 'authorized' or 'captured' whose reference is no order in MySQL.
 * I4 liveness (per order in scope)
 *   - no PENDING/RESERVED order whose deadline (reservedUntil, or createdAt for a PENDING order that
 *     has none) is older than now - stuckAfter;
 *   - when Temporal answers: an order open in MySQL (created over 10 s before the workflow list was
 *     read) must have a Running workflow; a Running order workflow started over 10 s before the list was read must
 *     have an order in MySQL (one with none is stuck before its first step and invisible to the API); a Running
 *     workflow of an order terminal in MySQL for longer than
 *     stuckAfter is a warning (notification retries keep it running a while). Skipped, not passed,
 *     when Temporal is unreachable.
 * I5 recovery (report only): a product without availability in Redis is a warning saying what the
 *   rebuild from MySQL would load (stock - held).
 * I6 idempotency (per order in scope)
 *   - at most one SALE and one RESTORE movement per (order, product); no RESTORE without a SALE, and a
 *     RESTORE puts back exactly what the SALE took;
 *   - a CONFIRMED order has exactly one SALE per line, of the line's quantity, none for other products, no RESTORE;
 *   - at most one notification per (order, kind).
 * I8 after the sale (per order in scope; check/after-sale-invariants.ts)
 *   - refunded (SUCCEEDED refunds in MySQL, and what the provider refunded under the service's refund ids) <=
 *     captured; only a CONFIRMED order has refunds;
 *   - each refund id refunded at most once at the provider, and each such refund is one MySQL knows, not FAILED;
 *     a SUCCEEDED refund the provider does not have (under its refund id, or its provider refund id for one made
 *     at the provider) is a breach (when the provider's refunds are listed);
 *   - units returned to stock (RETURN movements) <= units sold (SALE - RESTORE) per order and product, and each
 *     RETURN belongs to a RECEIVED return of the order with exactly that many SELLABLE units of the product;
 *   - stock and availability agreeing after returns is I2's rule (a RETURN adds to MySQL's stock like a restock).
 * I10 one order per cart version (carts, api/routes/carts.ts)
 *   - a CHECKED_OUT cart names an order that exists in MySQL (one checked out less than stuckAfter ago whose order
 *     is not recorded yet, the placement answered 202, is a warning);
 *   - no two orders were placed from one version of one cart (cart_checkout).
 * I9 the waiting room (check/queue-invariants.ts): a used admission names one order, of its buyer, with the product; no
 *   order for a queued product without a used admission of its buyer; at most maxAdmitted admissions live at any
 *   admission over the drop's history; ⌊available × QUEUE_ADMISSION_FACTOR⌋ at the snapshot's moment only (a warning).
 * I7 coupons (check/coupon-invariants.ts): issued <= quantity, redeemed <= issued, every redeemed claim belongs to one
 *   order CONFIRMED or in flight, and Redis's count agrees with MySQL's.
 */
import type { PaymentStatus, OrderStatus } from '../workflows/order-types';
import { TERMINAL_STATUSES } from '../workflows/order-types';
import type { Authorization, Refund } from '../payments/types';
import type { RefundStatus, ReturnStatus } from '../workflows/after-sale-types';
import { checkI8, succeededRefundCents } from './after-sale-invariants';
import { checkI7, type CouponSnapshot } from './coupon-invariants';
import { checkI9, type QueueSnapshot } from './queue-invariants';

export const INVARIANTS = ['I1', 'I2', 'I3', 'I4', 'I5', 'I6', 'I7', 'I8', 'I9', 'I10'] as const;
export type InvariantId = (typeof INVARIANTS)[number];

export const INVARIANT_TITLES: Record<InvariantId, string> = {
  I1: 'no oversell',
  I2: 'conservation',
  I3: 'money',
  I4: 'liveness',
  I5: 'recovery',
  I6: 'idempotency',
  I7: 'coupons',
  I8: 'after the sale',
  I9: 'waiting room',
  I10: 'one order per cart version',
};

export type Severity = 'breach' | 'warning';

export interface Finding {
  invariant: InvariantId;
  severity: Severity;
  productId?: number;
  orderId?: string;
  orderStatus?: OrderStatus | 'UNKNOWN';
  message: string;
}

export interface ProductSnapshot {
  id: number;
  sku: string;
  stock: number;
  /** Redis `{inv}:available:<id>`; null when not loaded. */
  available: number | null;
  /** Units held by in-flight orders whose sale is not in MySQL's stock yet: see unitsHeld(). */
  held: number;
  /** Units of all SALE movements of the product. */
  soldUnits: number;
  /** Units of all RESTORE movements. */
  restoredUnits: number;
  /** Units of all RESTOCK movements. */
  restockedUnits: number;
  /** Units on lines of CONFIRMED orders. */
  confirmedUnits: number;
  /** Net units (SALE - RESTORE) of movements whose order is CONFIRMED. */
  netSoldConfirmed: number;
  /** Net units (SALE - RESTORE) of movements whose order is PENDING/RESERVED. */
  netSoldOpen: number;
  /** Net units (SALE - RESTORE) of movements whose order id is no order in MySQL. */
  netSoldUnknown: number;
}

/** 'committed': a hold a rebuild recreated for an order whose sale MySQL had committed (inventory/scripts.ts). */
export type HoldState = 'held' | 'committed' | 'released' | 'settled';

/** A hold that still holds its order's units: its order's settle or release is still to come. */
const isLive = (hold: HoldState | null): boolean => hold === 'held' || hold === 'committed';

export interface OrderSnapshot {
  id: string;
  status: OrderStatus;
  totalCents: number;
  reservedUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
  lines: Array<{ productId: number; quantity: number }>;
  /** Every stock movement of the order, one entry per row (so duplicates show). */
  movements: Array<{ productId: number; kind: 'SALE' | 'RESTORE'; delta: number }>;
  /** Notification rows per kind (more than 1 is a duplicate). */
  notifications: Array<{ kind: string; count: number }>;
  /** State of the Redis hold; null when the key does not exist (never made, expired tombstone, or Redis lost it). */
  hold: HoldState | null;
  /** The payments MySQL records for the order (id: the provider's authorisation id); absent: not read. */
  recordedPayments?: Array<{ id: string; status: PaymentStatus }>;
  /**
   * After the sale (absent: none read): the order's refunds in MySQL; `providerRefundId`, when read, names the
   * provider's refund (a refund made at the provider has no merchant reference, only this).
   */
  refunds?: Array<{ id: string; status: RefundStatus; amountCents: number; providerRefundId?: string | null }>;
  /** Its returns, with the SELLABLE units each received. */
  returns?: Array<{ id: string; status: ReturnStatus; sellable: Array<{ productId: number; quantity: number }> }>;
  /** Its RETURN stock movements, one entry per row (`ref`: the return id). */
  returnMovements?: Array<{ ref: string; productId: number; delta: number }>;
}

/** An order PENDING/RESERVED in MySQL (every one of the product scope, whatever the order scope). */
export interface InFlightOrder {
  id: string;
  status: OrderStatus;
  productIds: number[];
  /** sold: the line's SALE is in MySQL's stock (and not undone by a RESTORE). */
  lines: Array<{ productId: number; quantity: number; sold: boolean }>;
  /** State of its Redis hold; null when there is none. */
  hold: HoldState | null;
}

/**
 * Units per product that in-flight orders hold in Redis but MySQL's stock still counts: lines not sold yet
 * whose hold is 'held' or 'committed' (or missing, for a RESERVED order: MySQL says it holds them, as the rebuild assumes).
 * A PENDING order without a hold has not reserved yet; a 'released' hold has given its units back already.
 */
export function unitsHeld(inFlight: InFlightOrder[]): Map<number, number> {
  const held = new Map<number, number>();
  for (const order of inFlight) {
    if (!(isLive(order.hold) || (order.hold === null && order.status === 'RESERVED'))) continue;
    for (const line of order.lines) if (!line.sold) held.set(line.productId, (held.get(line.productId) ?? 0) + line.quantity);
  }
  return held;
}

export type PaymentsSnapshot =
  | {
      status: 'ok';
      /** Where the authorizations came from: the whole ledger, or the provider asked per order. */
      source: 'ledger' | 'by-reference';
      authorizations: Authorization[];
      /** The provider's refunds of those authorizations; absent when the provider could not list them. */
      refunds?: Refund[];
      /** References that are orders in MySQL outside the scope: not checked. */
      otherOrderIds: string[];
      /** Whether an authorization whose reference is no order at all is reported (only when not scoped by product). */
      checkOrphans: boolean;
    }
  | { status: 'skipped'; reason: string };

export type TemporalSnapshot =
  | {
      status: 'ok';
      listedAt: Date;
      runningWorkflowIds: string[];
      /** Running order workflows that have no order row in MySQL (read after the listing), with their start time. */
      unrecorded?: Array<{ id: string; startedAt: Date }>;
    }
  | { status: 'skipped'; reason: string };

/** Only what breaks I10, read by SQL (carts are many; the anomalies few). */
export interface CartsSnapshot {
  /** CHECKED_OUT carts whose order_id is no order in MySQL, with when the cart last changed. */
  checkedOutWithoutOrder: Array<{ cartId: string; orderId: string; updatedAt: Date }>;
  /** Cart versions from which more than one order was placed. */
  versionsWithSeveralOrders: Array<{ cartId: string; version: number; orderIds: string[] }>;
}

export interface Snapshot {
  takenAt: Date;
  /** Absent: I10 was not read (a snapshot made by hand). */
  carts?: CartsSnapshot;
  products: ProductSnapshot[];
  orders: OrderSnapshot[];
  inFlight: InFlightOrder[];
  payments: PaymentsSnapshot;
  temporal: TemporalSnapshot;
  /** Every coupon (they are not scoped by product or order); absent: none to check. */
  coupons?: CouponSnapshot[];
  /** Every product with a waiting room (those of the scope), its admissions and orders; absent: none to check. */
  queue?: QueueSnapshot;
}

export interface CheckOptions {
  /** I4 bound: how long past its deadline an open order may stay open. */
  stuckAfterMs: number;
  /** When true (default) a mismatch that in-flight orders could explain is still a breach. */
  quietRequired: boolean;
}

export type InvariantStatus = 'ok' | 'BREACH' | 'skipped';

export interface InvariantSummary {
  status: InvariantStatus;
  breaches: number;
  warnings: number;
  /** What part was not checked, and why. */
  skipped?: string;
}

export interface ProductReport {
  id: number;
  sku: string;
  stock: number;
  available: number | null;
  held: number;
  /** Net units sold: SALE - RESTORE. */
  sold: number;
  status: 'ok' | 'warning' | 'BREACH';
}

export interface CheckResult {
  ok: boolean;
  takenAt: string;
  summary: Record<InvariantId, InvariantSummary>;
  products: ProductReport[];
  findings: Finding[];
  inFlight: InFlightOrder[];
}

const isTerminal = (status: OrderStatus): boolean => TERMINAL_STATUSES.includes(status);
const isOpen = (status: OrderStatus): boolean => !isTerminal(status);

/** Runs every check and summarises. */
export function checkInvariants(snapshot: Snapshot, options: CheckOptions): CheckResult {
  const findings = [
    ...checkI1(snapshot),
    ...checkI2(snapshot, options),
    ...checkI3(snapshot, options),
    ...checkI4(snapshot, options),
    ...checkI5(snapshot),
    ...checkI6(snapshot),
    ...checkI7(snapshot.coupons ?? [], snapshot.takenAt),
    ...checkI8(snapshot),
    ...checkI9(snapshot.queue, snapshot.takenAt),
    ...checkI10(snapshot, options),
  ];
  const skipped: Partial<Record<InvariantId, string>> = {};
  if (snapshot.payments.status === 'skipped') skipped.I3 = `payment provider: ${snapshot.payments.reason}`;
  if (snapshot.temporal.status === 'skipped') skipped.I4 = `Temporal cross-check: ${snapshot.temporal.reason}`;

  const summary = Object.fromEntries(
    INVARIANTS.map((id): [InvariantId, InvariantSummary] => {
      const breaches = findings.filter((finding) => finding.invariant === id && finding.severity === 'breach').length;
      const warnings = findings.filter((finding) => finding.invariant === id && finding.severity === 'warning').length;
      // I3 has no part that runs without the provider; I4's MySQL part still runs without Temporal.
      const status: InvariantStatus = breaches > 0 ? 'BREACH' : id === 'I3' && skipped.I3 ? 'skipped' : 'ok';
      return [id, { status, breaches, warnings, ...(skipped[id] ? { skipped: skipped[id] } : {}) }];
    }),
  ) as Record<InvariantId, InvariantSummary>;

  const products = snapshot.products.map((product): ProductReport => {
    const own = findings.filter((finding) => finding.productId === product.id);
    const status = own.some((finding) => finding.severity === 'breach') ? 'BREACH' : own.length > 0 ? 'warning' : 'ok';
    return {
      id: product.id,
      sku: product.sku,
      stock: product.stock,
      available: product.available,
      held: product.held,
      sold: product.soldUnits - product.restoredUnits,
      status,
    };
  });

  return {
    ok: findings.every((finding) => finding.severity !== 'breach'),
    takenAt: snapshot.takenAt.toISOString(),
    summary,
    products,
    findings,
    inFlight: snapshot.inFlight,
  };
}

/** In-flight orders per product id. */
function inFlightByProduct(inFlight: InFlightOrder[]): Map<number, InFlightOrder[]> {
  const byProduct = new Map<number, InFlightOrder[]>();
  for (const order of inFlight) {
    for (const productId of new Set(order.productIds)) byProduct.set(productId, [...(byProduct.get(productId) ?? []), order]);
  }
  return byProduct;
}

const describeOrders = (orders: InFlightOrder[], max = 5): string =>
  orders
    .slice(0, max)
    .map((order) => `${order.id} (${order.status})`)
    .join(', ') + (orders.length > max ? ` and ${orders.length - max} more` : '');

/** Net units the order's movements took from a product: SALE (delta < 0) minus RESTORE (delta > 0). */
function netSoldByProduct(order: OrderSnapshot): Map<number, number> {
  const net = new Map<number, number>();
  for (const movement of order.movements) net.set(movement.productId, (net.get(movement.productId) ?? 0) - movement.delta);
  return net;
}

export function checkI1(snapshot: Snapshot): Finding[] {
  const findings: Finding[] = [];
  for (const product of snapshot.products) {
    const breach = (message: string) => findings.push({ invariant: 'I1', severity: 'breach', productId: product.id, message });
    if (product.stock < 0) breach(`MySQL stock is negative (${product.stock})`);
    if (product.available !== null && product.available < 0) breach(`Redis availability is negative (${product.available})`);
    if (product.confirmedUnits !== product.netSoldConfirmed) {
      breach(
        `CONFIRMED orders hold ${product.confirmedUnits} unit(s) but the stock ledger took ${product.netSoldConfirmed} for them` +
          (product.confirmedUnits > product.netSoldConfirmed ? ' (units sold without leaving stock: oversell)' : ''),
      );
    }
    const netSold = product.soldUnits - product.restoredUnits;
    const unfinished = netSold - product.netSoldConfirmed - product.netSoldOpen - product.netSoldUnknown;
    if (unfinished !== 0) breach(`${unfinished} unit(s) taken from stock, and never restored, for orders that ended without being CONFIRMED`);
    if (product.netSoldUnknown !== 0) breach(`${product.netSoldUnknown} unit(s) taken from stock for order ids MySQL has no order for`);
  }
  for (const order of snapshot.orders) {
    if (!isTerminal(order.status) || order.status === 'CONFIRMED') continue;
    for (const [productId, units] of netSoldByProduct(order)) {
      if (units !== 0) {
        findings.push({
          invariant: 'I1',
          severity: 'breach',
          orderId: order.id,
          orderStatus: order.status,
          productId,
          message: `${units} unit(s) of product ${productId} taken from stock and not restored, though the order is ${order.status}`,
        });
      }
    }
  }
  return findings;
}

export function checkI2(snapshot: Snapshot, options: CheckOptions): Finding[] {
  const findings: Finding[] = [];
  const inFlight = inFlightByProduct(snapshot.inFlight);
  for (const product of snapshot.products) {
    if (product.available === null) continue; // I5
    const expected = product.stock - product.held;
    if (product.available === expected) continue;
    const busy = inFlight.get(product.id) ?? [];
    const severity: Severity = busy.length === 0 || options.quietRequired ? 'breach' : 'warning';
    const flight = busy.length > 0 ? `; ${busy.length} order(s) in flight: ${describeOrders(busy)}` : '';
    findings.push({
      invariant: 'I2',
      severity,
      productId: product.id,
      message: `Redis availability ${product.available} != MySQL stock ${product.stock} - held ${product.held} = ${expected} (off by ${product.available - expected})${flight}`,
    });
  }
  const loaded = new Set(snapshot.products.filter((product) => product.available !== null).map((product) => product.id));
  for (const order of snapshot.orders) {
    const base = { invariant: 'I2' as const, orderId: order.id, orderStatus: order.status };
    if (isTerminal(order.status) && order.status !== 'CONFIRMED' && isLive(order.hold)) {
      findings.push({ ...base, severity: 'breach', message: `its Redis reservation is still held though the order is ${order.status} (units leaked)` });
    }
    if (order.status === 'CONFIRMED' && order.hold === 'released') {
      findings.push({ ...base, severity: 'breach', message: 'its Redis reservation was released though the order is CONFIRMED (sold units given back)' });
    }
    if (order.status === 'CONFIRMED' && order.hold === 'held') {
      findings.push({ ...base, severity: 'warning', message: 'its Redis reservation is still held, not settled, though the order is CONFIRMED' });
    }
    if (order.status === 'RESERVED' && order.hold === null && order.lines.every((line) => loaded.has(line.productId))) {
      findings.push({ ...base, severity: 'warning', message: 'RESERVED in MySQL but Redis has no hold for it, though its products are loaded' });
    }
  }
  return findings;
}

export function checkI3(snapshot: Snapshot, options: CheckOptions): Finding[] {
  const payments = snapshot.payments;
  if (payments.status !== 'ok') return [];
  const findings: Finding[] = [];
  const byReference = new Map<string, Authorization[]>();
  for (const authorization of payments.authorizations) {
    byReference.set(authorization.reference, [...(byReference.get(authorization.reference) ?? []), authorization]);
  }
  const ids = (list: Authorization[]) => list.map((authorization) => authorization.id).join(', ');

  for (const order of snapshot.orders) {
    const authorizations = byReference.get(order.id) ?? [];
    byReference.delete(order.id);
    const base = { invariant: 'I3' as const, orderId: order.id, orderStatus: order.status };
    const add = (severity: Severity, message: string) => findings.push({ ...base, severity, message });
    const captured = authorizations.filter((authorization) => authorization.status === 'captured');
    const everCaptured = authorizations.filter((authorization) => authorization.capturedAmountCents > 0);
    const authorized = authorizations.filter((authorization) => authorization.status === 'authorized');

    if (captured.length > 1) add('breach', `${captured.length} authorizations captured and not refunded (double charge): ${ids(captured)}`);
    else if (everCaptured.length > 1) add('warning', `${everCaptured.length} authorizations were captured (extras refunded): ${ids(everCaptured)}`);

    // A void or refund at the provider must be on the order too: made outside the service, it arrives by a provider
    // event (POST /payments/events); one the service has not recorded is money it does not know it no longer has.
    const recorded = new Map((order.recordedPayments ?? []).map((payment) => [payment.id, payment.status]));
    for (const one of authorizations) {
      const status = recorded.get(one.id);
      // The service's own refunds after the sale are recorded as refunds of the order (I8), not on the payment row.
      const refundUnrecorded = one.status === 'refunded' && status !== 'REFUNDED' && one.refundedAmountCents !== succeededRefundCents(order);
      const reversed = refundUnrecorded || (one.status === 'voided' && (status === 'AUTHORIZED' || status === 'CAPTURED'));
      if (status === undefined || !reversed) continue;
      const severity = isTerminal(order.status) || options.quietRequired ? 'breach' : 'warning';
      add(severity, `${one.id} is ${one.status} at the provider but recorded ${status}: a change made at the provider the service has not recorded`);
    }
    // A refund of the order's own payment explains a CONFIRMED order without a capture (recorded, or reported above).
    const refundRecorded = authorizations.some((one) => one.status === 'refunded' && recorded.has(one.id));

    if (order.status === 'CONFIRMED') {
      // Refunded in full after the sale (I8 checks that those refunds are the order's own): still the sale's capture.
      const refundedAfterSale = authorizations.filter((one) => one.status === 'refunded' && one.refundedAmountCents === succeededRefundCents(order));
      if (captured.length === 0 && refundedAfterSale.length === 0 && !refundRecorded) add('breach', `CONFIRMED but no captured payment at the provider (${authorizations.length} authorization(s))`);
      for (const one of [...captured, ...refundedAfterSale]) {
        if (one.capturedAmountCents !== order.totalCents) add('breach', `captured ${one.capturedAmountCents} cents on ${one.id}, order total is ${order.totalCents}`);
      }
      if (authorized.length > 0) add('breach', `CONFIRMED with ${authorized.length} other authorization(s) left 'authorized': ${ids(authorized)}`);
    } else if (isTerminal(order.status)) {
      if (captured.length > 0) add('breach', `captured (not refunded) though the order is ${order.status}: ${ids(captured)}`);
      if (authorized.length > 0) add('breach', `dangling authorization(s) left 'authorized' though the order is ${order.status}: ${ids(authorized)}`);
    } else if (captured.length > 0) {
      add(options.quietRequired ? 'breach' : 'warning', `captured while the order is still ${order.status} (in flight): ${ids(captured)}`);
    }
  }

  if (payments.checkOrphans) {
    const others = new Set(payments.otherOrderIds);
    for (const [reference, authorizations] of byReference) {
      if (others.has(reference)) continue;
      const live = authorizations.filter((authorization) => authorization.status === 'authorized' || authorization.status === 'captured');
      if (live.length === 0) continue;
      findings.push({
        invariant: 'I3',
        severity: 'breach',
        orderId: reference,
        orderStatus: 'UNKNOWN',
        message: `no such order in MySQL, yet the provider has ${live.length} authorization(s) ${live.map((one) => `${one.id} (${one.status})`).join(', ')}`,
      });
    }
  }
  return findings;
}

const formatAge = (ms: number): string => {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 120 ? `${minutes}m` : `${Math.round(minutes / 60)}h`;
};

/**
 * Temporal's list is eventually consistent (a workflow started a moment ago may not be listed yet), and the
 * order's created_at comes from another clock: only orders older than this before the listing are judged.
 */
export const VISIBILITY_GRACE_MS = 10_000;

export function checkI4(snapshot: Snapshot, options: CheckOptions): Finding[] {
  const findings: Finding[] = [];
  const now = snapshot.takenAt.getTime();
  for (const order of snapshot.orders) {
    if (!isOpen(order.status)) continue;
    // The same deadline as the reconciler's sweep (db/reconcile-queries.ts HOLD_END_SQL).
    const deadline = order.reservedUntil ?? order.createdAt;
    const late = now - deadline.getTime();
    if (late > options.stuckAfterMs) {
      const what = order.reservedUntil ? `its hold ended at ${order.reservedUntil.toISOString()}` : `it was created at ${order.createdAt.toISOString()} and never reserved`;
      findings.push({
        invariant: 'I4',
        severity: 'breach',
        orderId: order.id,
        orderStatus: order.status,
        message: `stuck: still ${order.status}, ${what} (${formatAge(late)} ago, bound ${formatAge(options.stuckAfterMs)})`,
      });
    }
  }

  const temporal = snapshot.temporal;
  if (temporal.status === 'ok') {
    const running = new Set(temporal.runningWorkflowIds);
    for (const order of snapshot.orders) {
      const base = { invariant: 'I4' as const, orderId: order.id, orderStatus: order.status };
      if (isOpen(order.status) && !running.has(order.id) && order.createdAt.getTime() < temporal.listedAt.getTime() - VISIBILITY_GRACE_MS) {
        // The reconciler's sweep applies the same rule (activities/order-sweep.ts), once the hold ended RECONCILE_SWEEP_AFTER ago.
        findings.push({
          ...base,
          severity: 'breach',
          message: `${order.status} in MySQL but no Running workflow: only the reconciler's sweep will end it (FAILED, WORKFLOW_CLOSED)`,
        });
      }
      if (isTerminal(order.status) && running.has(order.id) && now - order.updatedAt.getTime() > options.stuckAfterMs) {
        findings.push({
          ...base,
          severity: 'warning',
          message: `workflow still Running ${formatAge(now - order.updatedAt.getTime())} after the order became ${order.status}`,
        });
      }
    }
    for (const workflow of temporal.unrecorded ?? []) {
      // A workflow records its order PENDING first thing; one running this long without a record is stuck before it.
      if (workflow.startedAt.getTime() >= temporal.listedAt.getTime() - VISIBILITY_GRACE_MS) continue;
      findings.push({
        invariant: 'I4',
        severity: 'breach',
        orderId: workflow.id,
        orderStatus: 'UNKNOWN',
        message: `workflow Running since ${workflow.startedAt.toISOString()} with no order in MySQL: the API cannot see it and nothing will finish it`,
      });
    }
  }
  return findings;
}

export function checkI5(snapshot: Snapshot): Finding[] {
  return snapshot.products
    .filter((product) => product.available === null)
    .map((product) => ({
      invariant: 'I5' as const,
      severity: 'warning' as const,
      productId: product.id,
      message: `availability not loaded in Redis; would be rebuilt from MySQL as stock ${product.stock} - held ${product.held} = ${Math.max(0, product.stock - product.held)}`,
    }));
}

export function checkI6(snapshot: Snapshot): Finding[] {
  const findings: Finding[] = [];
  for (const order of snapshot.orders) {
    const add = (message: string, productId?: number) =>
      findings.push({ invariant: 'I6', severity: 'breach', orderId: order.id, orderStatus: order.status, message, ...(productId !== undefined ? { productId } : {}) });
    const sales = new Map<number, number[]>();
    const restores = new Map<number, number[]>();
    for (const movement of order.movements) {
      const into = movement.kind === 'SALE' ? sales : restores;
      into.set(movement.productId, [...(into.get(movement.productId) ?? []), movement.delta]);
    }
    for (const [productId, deltas] of sales) if (deltas.length > 1) add(`${deltas.length} SALE movements for product ${productId} (at most 1)`, productId);
    for (const [productId, deltas] of restores) {
      if (deltas.length > 1) add(`${deltas.length} RESTORE movements for product ${productId} (at most 1)`, productId);
      const sold = sales.get(productId);
      if (!sold) add(`RESTORE of product ${productId} without a SALE`, productId);
      else if (deltas.length === 1 && sold.length === 1 && deltas[0] !== -sold[0]) {
        add(`RESTORE of product ${productId} put back ${deltas[0]} unit(s), the SALE took ${-sold[0]}`, productId);
      }
    }
    if (order.status === 'CONFIRMED') {
      const lineProducts = new Set(order.lines.map((line) => line.productId));
      for (const line of order.lines) {
        const sold = sales.get(line.productId) ?? [];
        if (sold.length === 0) add(`CONFIRMED but no SALE for its line of product ${line.productId}`, line.productId);
        else if (sold.length === 1 && -sold[0] !== line.quantity) {
          add(`SALE of product ${line.productId} took ${-sold[0]} unit(s), the line has ${line.quantity}`, line.productId);
        }
        if (restores.has(line.productId)) add(`CONFIRMED but its sale of product ${line.productId} was restored`, line.productId);
      }
      for (const productId of sales.keys()) if (!lineProducts.has(productId)) add(`SALE of product ${productId}, which is on no line of the order`, productId);
    }
    for (const notification of order.notifications) {
      if (notification.count > 1) add(`${notification.count} ${notification.kind} notifications (at most 1)`);
    }
  }
  return findings;
}

export function checkI10(snapshot: Snapshot, options: CheckOptions): Finding[] {
  if (!snapshot.carts) return [];
  const findings: Finding[] = [];
  for (const cart of snapshot.carts.checkedOutWithoutOrder) {
    const recent = snapshot.takenAt.getTime() - cart.updatedAt.getTime() < options.stuckAfterMs;
    findings.push({
      invariant: 'I10',
      severity: recent ? 'warning' : 'breach',
      orderId: cart.orderId,
      orderStatus: 'UNKNOWN',
      message: `cart ${cart.cartId} is CHECKED_OUT as order ${cart.orderId}, which MySQL does not have${recent ? ' (yet: checked out moments ago)' : ''}`,
    });
  }
  for (const version of snapshot.carts.versionsWithSeveralOrders) {
    findings.push({
      invariant: 'I10',
      severity: 'breach',
      orderId: version.orderIds[0],
      message: `version ${version.version} of cart ${version.cartId} was checked out as ${version.orderIds.length} orders: ${version.orderIds.join(', ')}`,
    });
  }
  return findings;
}
