/**
 * I9 the waiting room, a pure check on a snapshot (check/queue-snapshot.ts reads it), as the other invariants are.
 * For every product with a queue (queue_admit_per_second set):
 *   - a used admission names one order, and no other admission names it (one ticket admits one buyer to one drop);
 *     when MySQL has that order, it is the admission's buyer's and has a line on the product. A used admission whose
 *     order MySQL does not have is no finding: the admission is used before the order is placed, and a placement
 *     refused after it (sold out in Redis, the buyer's caps) leaves it so;
 *   - every order with a line on the product created since its waiting room opened (product.queue_opened_at; an order
 *     before it may predate the queue) is named by a used admission of its buyer for that product;
 *   - maxAdmitted through the drop: at every moment an admission was given, the admissions live then (given, not
 *     lapsed, not used) number at most maxAdmitted. MySQL keeps when each was given, lapses and was used, so this
 *     bound is checked over the drop's whole history (a used admission counts until its use: the API counts it a
 *     little longer, until its order is answered, so this count is never above the API's);
 *   - ⌊available × QUEUE_ADMISSION_FACTOR⌋ can only be checked at the snapshot's moment, since availability's past is
 *     not stored: live unused admissions above it now are a warning, not a breach, because the bound holds when an
 *     admission is given and availability then falls by a whole order's units while its admission counts one.
 */
import type { Finding } from './invariants';

export interface QueueAdmissionSnapshot {
  customerId: string;
  admittedAt: Date;
  admittedUntil: Date;
  usedAt: Date | null;
  orderId: string | null;
  /** The order it names as MySQL has it (its buyer, the products of its lines); null: MySQL has no such order. */
  order: { customerId: string; productIds: number[] } | null;
}

export interface QueuedProductSnapshot {
  productId: number;
  maxAdmitted: number;
  /** product.queue_opened_at: when Redis first held the waiting room; null: never opened. */
  openedAt: Date | null;
  /** Redis's availability, read after MySQL; null when not loaded. */
  available: number | null;
  admissions: QueueAdmissionSnapshot[];
  /** Orders with a line on the product (whatever their status). */
  orders: Array<{ id: string; customerId: string; createdAt: Date }>;
}

export interface QueueSnapshot {
  /** QUEUE_ADMISSION_FACTOR of the checker's environment (the API's, when run beside it). */
  admissionFactor: number;
  products: QueuedProductSnapshot[];
}

const liveAt = (admission: QueueAdmissionSnapshot, at: number): boolean =>
  admission.admittedAt.getTime() <= at && admission.admittedUntil.getTime() > at && (admission.usedAt === null || admission.usedAt.getTime() > at);

/** The most admissions live at once, looked at each moment one was given. */
export function mostLiveAdmissions(admissions: readonly QueueAdmissionSnapshot[]): { count: number; at: Date | null } {
  let most = { count: 0, at: null as Date | null };
  for (const given of admissions) {
    const at = given.admittedAt.getTime();
    const count = admissions.filter((admission) => liveAt(admission, at)).length;
    if (count > most.count) most = { count, at: given.admittedAt };
  }
  return most;
}

export function checkI9(queue: QueueSnapshot | undefined, takenAt: Date): Finding[] {
  const findings: Finding[] = [];
  for (const product of queue?.products ?? []) {
    const { productId } = product;
    const breach = (message: string, orderId?: string): void =>
      void findings.push({ invariant: 'I9', severity: 'breach', productId, ...(orderId ? { orderId } : {}), message });

    const namedBy = new Map<string, string[]>();
    for (const admission of product.admissions) {
      if (admission.usedAt === null) continue;
      if (admission.orderId === null) {
        breach(`buyer ${admission.customerId}'s admission is used by no order`);
        continue;
      }
      namedBy.set(admission.orderId, [...(namedBy.get(admission.orderId) ?? []), admission.customerId]);
      const { order } = admission;
      if (!order) continue;
      if (order.customerId !== admission.customerId) breach(`buyer ${admission.customerId}'s admission is used by order ${admission.orderId} of buyer ${order.customerId}`, admission.orderId);
      if (!order.productIds.includes(productId)) breach(`buyer ${admission.customerId}'s admission is used by order ${admission.orderId}, which has no line on product ${productId}`, admission.orderId);
    }
    for (const [orderId, buyers] of namedBy) {
      if (buyers.length > 1) breach(`order ${orderId} used ${buyers.length} admissions (buyers ${buyers.join(', ')})`, orderId);
    }

    const opened = product.openedAt?.getTime();
    for (const order of product.orders) {
      if (opened === undefined || order.createdAt.getTime() < opened) continue;
      const admission = product.admissions.find((candidate) => candidate.orderId === order.id && candidate.usedAt !== null);
      // An admission of another buyer naming the order is reported above, from the admission's side.
      if (!admission) breach(`order ${order.id} of buyer ${order.customerId} was placed without an admission to the queued product`, order.id);
    }

    const most = mostLiveAdmissions(product.admissions);
    if (most.count > product.maxAdmitted) {
      breach(`${most.count} admissions were live at ${most.at!.toISOString()}, more than maxAdmitted ${product.maxAdmitted}`);
    }

    const liveNow = product.admissions.filter((admission) => liveAt(admission, takenAt.getTime())).length;
    if (product.available !== null) {
      const bound = Math.floor(Math.max(0, product.available) * (queue?.admissionFactor ?? 1));
      if (liveNow > bound) {
        findings.push({
          invariant: 'I9',
          severity: 'warning',
          productId,
          message: `${liveNow} unused admissions live now, more than ⌊${product.available} available × ${queue?.admissionFactor ?? 1}⌋ = ${bound} (checked at this moment only: the bound holds when an admission is given; an order of several units lowers availability by more than the one admission it uses)`,
        });
      }
    }
  }
  return findings;
}
