/**
 * I8, after the sale (docs/DESIGN.md §9), as a pure function of the snapshot (see invariants.ts for the list):
 * never more money back than was taken, each refund made once, never a unit back in stock that was not sold and
 * received sellable.
 */
import type { Finding, OrderSnapshot, Snapshot } from './invariants';

/** What the order's SUCCEEDED refunds add up to (MySQL). */
export const succeededRefundCents = (order: Pick<OrderSnapshot, 'refunds'>): number =>
  (order.refunds ?? []).filter((refund) => refund.status === 'SUCCEEDED').reduce((sum, refund) => sum + refund.amountCents, 0);

export function checkI8(snapshot: Snapshot): Finding[] {
  const findings: Finding[] = [];
  const providerRefunds = snapshot.payments.status === 'ok' ? snapshot.payments.refunds : undefined;
  for (const order of snapshot.orders) {
    const add = (message: string, productId?: number) =>
      findings.push({ invariant: 'I8', severity: 'breach', orderId: order.id, orderStatus: order.status, message, ...(productId !== undefined ? { productId } : {}) });
    checkRefunds(order, add);
    if (providerRefunds) checkProviderRefunds(order, providerRefunds.filter((refund) => refund.reference === order.id), add);
    checkReturns(order, add);
  }
  return findings;
}

type Add = (message: string, productId?: number) => void;

function checkRefunds(order: OrderSnapshot, add: Add): void {
  const refunds = order.refunds ?? [];
  if (refunds.length > 0 && order.status !== 'CONFIRMED') add(`${refunds.length} refund(s) of an order that is ${order.status}, not CONFIRMED`);
  const refunded = succeededRefundCents(order);
  if (refunded > order.totalCents) add(`refunded ${refunded} cents of the ${order.totalCents} captured`);
}

/**
 * The provider's refunds made under the service's refund ids (the saga's own compensation names none). A refund made
 * at the provider names none either: the order's row for it is matched by the provider's refund id.
 */
function checkProviderRefunds(order: OrderSnapshot, made: Array<{ id: string; merchantReference: string | null; amountCents: number }>, add: Add): void {
  const byRefundId = new Map<string, number>();
  for (const refund of made) if (refund.merchantReference !== null) byRefundId.set(refund.merchantReference, (byRefundId.get(refund.merchantReference) ?? 0) + 1);
  const known = new Map((order.refunds ?? []).map((refund) => [refund.id, refund]));
  let total = 0;
  for (const [refundId, times] of byRefundId) {
    if (times > 1) add(`refund ${refundId} was made ${times} times at the provider`);
    const ours = known.get(refundId);
    if (!ours) add(`the provider made refund ${refundId}, which MySQL does not know`);
    else if (ours.status === 'FAILED') add(`refund ${refundId} is FAILED in MySQL, yet the provider made it`);
  }
  for (const refund of made) if (refund.merchantReference !== null) total += refund.amountCents;
  if (total > order.totalCents) add(`the provider refunded ${total} cents of the ${order.totalCents} captured`);
  const madeIds = new Set(made.map((refund) => refund.id));
  for (const refund of order.refunds ?? []) {
    const atProvider = byRefundId.has(refund.id) || (typeof refund.providerRefundId === 'string' && madeIds.has(refund.providerRefundId));
    if (refund.status === 'SUCCEEDED' && !atProvider) add(`refund ${refund.id} is SUCCEEDED in MySQL, yet the provider has no such refund`);
  }
}

function checkReturns(order: OrderSnapshot, add: Add): void {
  const sold = new Map<number, number>();
  for (const movement of order.movements) sold.set(movement.productId, (sold.get(movement.productId) ?? 0) - movement.delta);
  const returned = new Map<number, number>();
  const returns = new Map((order.returns ?? []).map((ret) => [ret.id, ret]));
  const seen = new Set<string>();
  for (const movement of order.returnMovements ?? []) {
    returned.set(movement.productId, (returned.get(movement.productId) ?? 0) + movement.delta);
    const key = `${movement.ref}\n${movement.productId}`;
    if (seen.has(key)) add(`return ${movement.ref} restocked product ${movement.productId} more than once`, movement.productId);
    seen.add(key);
    const ret = returns.get(movement.ref);
    const sellable = ret?.sellable.filter((line) => line.productId === movement.productId).reduce((sum, line) => sum + line.quantity, 0) ?? 0;
    if (!ret || ret.status !== 'RECEIVED') add(`${movement.delta} unit(s) restocked for ${movement.ref}, which is no received return of the order`, movement.productId);
    else if (sellable !== movement.delta) add(`return ${movement.ref} restocked ${movement.delta} unit(s) of product ${movement.productId}, but ${sellable} arrived sellable`, movement.productId);
  }
  for (const [productId, units] of returned) {
    const net = sold.get(productId) ?? 0;
    if (units > net) add(`${units} unit(s) of product ${productId} returned to stock, but ${net} were sold`, productId);
  }
}
