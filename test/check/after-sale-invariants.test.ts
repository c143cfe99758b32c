/** I8, after the sale, on hand-made snapshots: no services needed. */
import { checkI8 } from '../../check/after-sale-invariants';
import { checkInvariants, type OrderSnapshot, type Snapshot } from '../../check/invariants';
import type { Authorization, Refund } from '../../payments/types';

const NOW = new Date('2026-12-06T12:00:00.000Z');

/** A CONFIRMED order of 2 units of product 1 for 2000 cents. */
function sold(overrides: Partial<OrderSnapshot> = {}): OrderSnapshot {
  return {
    id: 'A',
    status: 'CONFIRMED',
    totalCents: 2_000,
    reservedUntil: null,
    createdAt: NOW,
    updatedAt: NOW,
    lines: [{ productId: 1, quantity: 2 }],
    movements: [{ productId: 1, kind: 'SALE', delta: -2 }],
    notifications: [],
    hold: 'settled',
    refunds: [],
    returns: [],
    returnMovements: [],
    ...overrides,
  };
}

const providerRefund = (merchantReference: string | null, amountCents: number): Refund => ({
  id: `re_${Math.random()}`,
  authorizationId: 'auth_A',
  amountCents,
  currency: 'EUR',
  reference: 'A',
  merchantReference,
  status: 'succeeded',
});

function snapshotOf(order: OrderSnapshot, refunds: Refund[] = [], authorizationStatus: Authorization['status'] = 'captured'): Snapshot {
  const refunded = refunds.reduce((sum, refund) => sum + refund.amountCents, 0);
  return {
    takenAt: NOW,
    products: [],
    orders: [order],
    inFlight: [],
    payments: {
      status: 'ok',
      source: 'ledger',
      authorizations: [{ id: 'auth_A', status: authorizationStatus, amountCents: 2_000, currency: 'EUR', reference: 'A', capturedAmountCents: 2_000, refundedAmountCents: refunded }],
      refunds,
      otherOrderIds: [],
      checkOrphans: true,
    },
    temporal: { status: 'skipped', reason: 'not needed' },
  };
}

const messages = (snapshot: Snapshot) => checkI8(snapshot).map((finding) => finding.message);

test('a refunded order whose refunds add up to its capture, each made once, and a received return restocked once is clean', () => {
  const order = sold({
    refunds: [
      { id: 'rf_1', status: 'SUCCEEDED', amountCents: 1_000 },
      { id: 'rf_2', status: 'SUCCEEDED', amountCents: 1_000 },
      { id: 'rf_3', status: 'FAILED', amountCents: 500 },
    ],
    returns: [{ id: 'ret_1', status: 'RECEIVED', sellable: [{ productId: 1, quantity: 1 }] }],
    returnMovements: [{ ref: 'ret_1', productId: 1, delta: 1 }],
  });
  const snapshot = snapshotOf(order, [providerRefund('rf_1', 1_000), providerRefund('rf_2', 1_000)], 'refunded');
  expect(messages(snapshot)).toEqual([]);
  // A CONFIRMED order refunded in full after the sale is not a missing capture (I3).
  expect(checkInvariants(snapshot, { stuckAfterMs: 60_000, quietRequired: true }).summary.I3.status).toBe('ok');
});

test('a refund made at the provider is matched by its provider refund id; one the provider does not have is a breach', () => {
  const atProvider = { ...providerRefund(null, 700), id: 're_dashboard' };
  const order = sold({
    refunds: [
      { id: 'rf_1', status: 'SUCCEEDED', amountCents: 500, providerRefundId: 're_own' },
      { id: 'rf_p1', status: 'SUCCEEDED', amountCents: 700, providerRefundId: 're_dashboard' },
      { id: 'rf_p2', status: 'SUCCEEDED', amountCents: 100, providerRefundId: 're_unknown' },
    ],
  });
  expect(messages(snapshotOf(order, [providerRefund('rf_1', 500), atProvider]))).toEqual(['refund rf_p2 is SUCCEEDED in MySQL, yet the provider has no such refund']);
});

test('more refunded than captured, a refund made twice, and a refund the provider made but MySQL calls FAILED are breaches', () => {
  const order = sold({
    refunds: [
      { id: 'rf_1', status: 'SUCCEEDED', amountCents: 1_500 },
      { id: 'rf_2', status: 'FAILED', amountCents: 600 },
      { id: 'rf_3', status: 'SUCCEEDED', amountCents: 600 },
    ],
  });
  expect(messages(snapshotOf(order, [providerRefund('rf_1', 1_500), providerRefund('rf_1', 1_500), providerRefund('rf_2', 600), providerRefund('rf_x', 1)]))).toEqual(
    expect.arrayContaining([
      'refunded 2100 cents of the 2000 captured',
      'refund rf_1 was made 2 times at the provider',
      'refund rf_2 is FAILED in MySQL, yet the provider made it',
      'the provider made refund rf_x, which MySQL does not know',
      'the provider refunded 3601 cents of the 2000 captured',
      'refund rf_3 is SUCCEEDED in MySQL, yet the provider has no such refund',
    ]),
  );
});

test('units returned beyond those sold, restocked without a received sellable return, or twice, are breaches', () => {
  const order = sold({
    returns: [
      { id: 'ret_1', status: 'RECEIVED', sellable: [{ productId: 1, quantity: 1 }] },
      { id: 'ret_2', status: 'REQUESTED', sellable: [] },
    ],
    returnMovements: [
      { ref: 'ret_1', productId: 1, delta: 1 },
      { ref: 'ret_1', productId: 1, delta: 1 },
      { ref: 'ret_2', productId: 1, delta: 1 },
    ],
  });
  expect(messages(snapshotOf(order))).toEqual(
    expect.arrayContaining([
      'return ret_1 restocked product 1 more than once',
      '1 unit(s) restocked for ret_2, which is no received return of the order',
      '3 unit(s) of product 1 returned to stock, but 2 were sold',
    ]),
  );
});

test('an order that is not CONFIRMED has no refunds', () => {
  expect(messages(snapshotOf(sold({ status: 'FAILED', refunds: [{ id: 'rf_1', status: 'PENDING', amountCents: 1 }] })))).toEqual([
    '1 refund(s) of an order that is FAILED, not CONFIRMED',
  ]);
});
