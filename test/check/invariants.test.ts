/** The pure invariant checks on hand-made snapshots: no services needed. */
import { checkInvariants, unitsHeld, type CheckOptions, type InFlightOrder, type Finding, type OrderSnapshot, type ProductSnapshot, type Snapshot } from '../../check/invariants';
import { formatJson, formatText, summaryLine } from '../../check/report';
import type { Authorization } from '../../payments/types';

const NOW = new Date('2026-11-21T12:00:00.000Z');
const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);
const OPTIONS: CheckOptions = { stuckAfterMs: 2 * 60_000, quietRequired: true };

function product(overrides: Partial<ProductSnapshot> & Pick<ProductSnapshot, 'id'>): ProductSnapshot {
  return {
    sku: `sku-${overrides.id}`,
    stock: 10,
    available: 10,
    held: 0,
    soldUnits: 0,
    restoredUnits: 0,
    restockedUnits: 0,
    confirmedUnits: 0,
    netSoldConfirmed: 0,
    netSoldOpen: 0,
    netSoldUnknown: 0,
    ...overrides,
  };
}

function order(overrides: Partial<OrderSnapshot> & Pick<OrderSnapshot, 'id' | 'status'>): OrderSnapshot {
  return {
    totalCents: 2_000,
    reservedUntil: null,
    createdAt: minutes(-60),
    updatedAt: minutes(-59),
    lines: [],
    movements: [],
    notifications: [],
    hold: null,
    ...overrides,
  };
}

function authorization(overrides: Partial<Authorization> & Pick<Authorization, 'id' | 'reference' | 'status'>): Authorization {
  const captured = overrides.status === 'captured' || overrides.status === 'refunded';
  return {
    amountCents: 2_000,
    currency: 'EUR',
    capturedAmountCents: captured ? (overrides.amountCents ?? 2_000) : 0,
    refundedAmountCents: overrides.status === 'refunded' ? (overrides.amountCents ?? 2_000) : 0,
    ...overrides,
  };
}

/**
 * A consistent shop: product 1 sold 2 units to CONFIRMED order A and holds 1 for RESERVED order C (in flight);
 * product 2's sale to order B was compensated (FAILED), order D expired, order E was rejected.
 */
function consistent(): Snapshot {
  return {
    takenAt: NOW,
    products: [
      product({ id: 1, stock: 8, available: 7, held: 1, soldUnits: 2, confirmedUnits: 2, netSoldConfirmed: 2 }),
      product({ id: 2, stock: 5, available: 5, soldUnits: 1, restoredUnits: 1, restockedUnits: 2 }),
    ],
    orders: [
      order({
        id: 'A',
        status: 'CONFIRMED',
        lines: [{ productId: 1, quantity: 2 }],
        movements: [{ productId: 1, kind: 'SALE', delta: -2 }],
        notifications: [{ kind: 'ORDER_CONFIRMED', count: 1 }],
        hold: 'settled',
      }),
      order({
        id: 'B',
        status: 'FAILED',
        totalCents: 1_000,
        lines: [{ productId: 2, quantity: 1 }],
        movements: [
          { productId: 2, kind: 'SALE', delta: -1 },
          { productId: 2, kind: 'RESTORE', delta: 1 },
        ],
        notifications: [{ kind: 'ORDER_FAILED', count: 1 }],
        hold: 'released',
      }),
      order({ id: 'C', status: 'RESERVED', lines: [{ productId: 1, quantity: 1 }], reservedUntil: minutes(20), createdAt: minutes(-10), hold: 'held' }),
      order({ id: 'D', status: 'EXPIRED', lines: [{ productId: 2, quantity: 3 }], reservedUntil: minutes(-30), hold: 'released', notifications: [{ kind: 'ORDER_EXPIRED', count: 1 }] }),
      order({ id: 'E', status: 'REJECTED', lines: [{ productId: 2, quantity: 9 }] }),
    ],
    inFlight: [{ id: 'C', status: 'RESERVED', productIds: [1], lines: [{ productId: 1, quantity: 1, sold: false }], hold: 'held' }],
    payments: {
      status: 'ok',
      source: 'ledger',
      authorizations: [
        authorization({ id: 'auth_a', reference: 'A', status: 'captured' }),
        authorization({ id: 'auth_b', reference: 'B', status: 'refunded', amountCents: 1_000 }),
        authorization({ id: 'auth_c', reference: 'C', status: 'authorized' }),
        authorization({ id: 'auth_d', reference: 'D', status: 'voided' }),
        authorization({ id: 'auth_x', reference: 'someone-elses-order', status: 'captured' }),
      ],
      otherOrderIds: ['someone-elses-order'],
      checkOrphans: true,
    },
    temporal: { status: 'ok', listedAt: minutes(-0.01), runningWorkflowIds: ['C'] },
    carts: { checkedOutWithoutOrder: [], versionsWithSeveralOrders: [] },
  };
}

/** Applies a change to a fresh consistent snapshot. */
function broken(change: (snapshot: Snapshot) => void): Snapshot {
  const snapshot = consistent();
  change(snapshot);
  return snapshot;
}

const findOrder = (snapshot: Snapshot, id: string) => snapshot.orders.find((one) => one.id === id)!;
const breaches = (findings: Finding[]) => findings.filter((finding) => finding.severity === 'breach');

describe('checkInvariants', () => {
  it('passes a consistent snapshot', () => {
    const result = checkInvariants(consistent(), OPTIONS);
    expect(result.findings).toEqual([]);
    expect(result.ok).toBe(true);
    expect(summaryLine(result)).toBe('invariants: I1 ok, I2 ok, I3 ok, I4 ok, I5 ok, I6 ok, I7 ok, I8 ok, I9 ok, I10 ok');
    expect(result.products).toEqual([
      { id: 1, sku: 'sku-1', stock: 8, available: 7, held: 1, sold: 2, status: 'ok' },
      { id: 2, sku: 'sku-2', stock: 5, available: 5, held: 0, sold: 0, status: 'ok' },
    ]);
  });

  describe('I1 no oversell', () => {
    it('detects negative stock', () => {
      const result = checkInvariants(broken((s) => (s.products[1].stock = -1)), OPTIONS);
      expect(result.findings.filter((f) => f.invariant === 'I1')).toEqual([
        expect.objectContaining({ invariant: 'I1', severity: 'breach', productId: 2, message: 'MySQL stock is negative (-1)' }),
      ]);
      expect(result.products[1].status).toBe('BREACH');
      expect(result.ok).toBe(false);
    });

    it('detects a negative Redis availability', () => {
      const snapshot = broken((s) => {
        s.products[1].available = -1;
        s.products[1].stock = -1;
        s.products[1].held = 0;
      });
      const result = checkInvariants(snapshot, OPTIONS);
      expect(result.findings.filter((f) => f.invariant === 'I1').map((f) => f.message)).toEqual([
        'MySQL stock is negative (-1)',
        'Redis availability is negative (-1)',
      ]);
    });

    it('detects CONFIRMED units that never left stock', () => {
      const result = checkInvariants(broken((s) => (s.products[0].netSoldConfirmed = 1)), OPTIONS);
      expect(result.findings).toEqual([
        expect.objectContaining({ invariant: 'I1', severity: 'breach', productId: 1, message: expect.stringContaining('oversell') }),
        expect.objectContaining({ invariant: 'I1', severity: 'breach', productId: 1, message: expect.stringContaining('ended without being CONFIRMED') }),
      ]);
    });

    it('detects units taken from stock for an order MySQL does not know', () => {
      const result = checkInvariants(
        broken((s) => {
          s.products[1].soldUnits += 2;
          s.products[1].netSoldUnknown = 2;
        }),
        OPTIONS,
      );
      expect(result.findings).toEqual([
        expect.objectContaining({ invariant: 'I1', productId: 2, message: '2 unit(s) taken from stock for order ids MySQL has no order for' }),
      ]);
    });

    it('detects an unrestored sale of an order that did not complete', () => {
      const snapshot = broken((s) => {
        findOrder(s, 'B').movements.pop();
        s.products[1].restoredUnits = 0;
      });
      const result = checkInvariants(snapshot, OPTIONS);
      expect(breaches(result.findings)).toEqual([
        expect.objectContaining({ invariant: 'I1', productId: 2, message: expect.stringContaining('ended without being CONFIRMED') }),
        expect.objectContaining({ invariant: 'I1', productId: 2, orderId: 'B', orderStatus: 'FAILED', message: expect.stringContaining('not restored') }),
      ]);
    });
  });

  describe('I2 conservation', () => {
    it('detects an availability mismatch', () => {
      const result = checkInvariants(broken((s) => (s.products[1].available = 6)), OPTIONS);
      expect(result.findings).toEqual([
        expect.objectContaining({ invariant: 'I2', severity: 'breach', productId: 2, message: 'Redis availability 6 != MySQL stock 5 - held 0 = 5 (off by 1)' }),
      ]);
      expect(summaryLine(result)).toBe('invariants: I1 ok, I2 BREACH (1), I3 ok, I4 ok, I5 ok, I6 ok, I7 ok, I8 ok, I9 ok, I10 ok');
    });

    it('names the in-flight orders, and makes their mismatch a warning only when quiet is not required', () => {
      const snapshot = broken((s) => (s.products[0].available = 8));
      const strict = checkInvariants(snapshot, OPTIONS);
      expect(strict.findings).toEqual([expect.objectContaining({ invariant: 'I2', severity: 'breach', productId: 1, message: expect.stringContaining('in flight: C (RESERVED)') })]);

      const lenient = checkInvariants(snapshot, { ...OPTIONS, quietRequired: false });
      expect(lenient.findings).toEqual([expect.objectContaining({ invariant: 'I2', severity: 'warning', productId: 1 })]);
      expect(lenient.ok).toBe(true);
      expect(lenient.products[0].status).toBe('warning');
    });

    it('keeps a mismatch on a product with nothing in flight a breach even when quiet is not required', () => {
      const result = checkInvariants(broken((s) => (s.products[1].available = 4)), { ...OPTIONS, quietRequired: false });
      expect(breaches(result.findings)).toHaveLength(1);
    });

    it('detects a leaked Redis hold of a finished order and a released hold of a CONFIRMED one', () => {
      const snapshot = broken((s) => {
        findOrder(s, 'D').hold = 'held';
        findOrder(s, 'A').hold = 'released';
      });
      const result = checkInvariants(snapshot, OPTIONS);
      expect(breaches(result.findings)).toEqual([
        expect.objectContaining({ invariant: 'I2', orderId: 'A', message: expect.stringContaining('released') }),
        expect.objectContaining({ invariant: 'I2', orderId: 'D', message: expect.stringContaining('still held') }),
      ]);
    });
    it('warns about a RESERVED order without a Redis hold while its products are loaded', () => {
      const missing = broken((s) => (findOrder(s, 'C').hold = null));
      expect(checkInvariants(missing, OPTIONS).findings).toEqual([expect.objectContaining({ invariant: 'I2', severity: 'warning', orderId: 'C' })]);
      // Redis lost everything: the rebuild recreates the hold, so this is I5's to report.
      const lost = broken((s) => {
        findOrder(s, 'C').hold = null;
        s.products[0].available = null;
      });
      expect(checkInvariants(lost, OPTIONS).findings).toEqual([expect.objectContaining({ invariant: 'I5', productId: 1 })]);
    });
  });

  describe('I3 money', () => {
    it('detects a double capture', () => {
      const result = checkInvariants(
        broken((s) => s.payments.status === 'ok' && s.payments.authorizations.push(authorization({ id: 'auth_a2', reference: 'A', status: 'captured' }))),
        OPTIONS,
      );
      expect(result.findings).toEqual([
        expect.objectContaining({ invariant: 'I3', severity: 'breach', orderId: 'A', message: expect.stringContaining('(double charge): auth_a, auth_a2') }),
      ]);
      expect(summaryLine(result)).toBe('invariants: I1 ok, I2 ok, I3 BREACH (1), I4 ok, I5 ok, I6 ok, I7 ok, I8 ok, I9 ok, I10 ok');
    });

    it('only warns about an extra capture that was refunded', () => {
      const result = checkInvariants(
        broken((s) => s.payments.status === 'ok' && s.payments.authorizations.push(authorization({ id: 'auth_a2', reference: 'A', status: 'refunded' }))),
        OPTIONS,
      );
      expect(result.findings).toEqual([expect.objectContaining({ invariant: 'I3', severity: 'warning', orderId: 'A' })]);
      expect(result.ok).toBe(true);
    });

    it('detects money captured for an order that is not CONFIRMED', () => {
      const result = checkInvariants(
        broken((s) => s.payments.status === 'ok' && (s.payments.authorizations[3] = authorization({ id: 'auth_d', reference: 'D', status: 'captured' }))),
        OPTIONS,
      );
      expect(result.findings).toEqual([
        expect.objectContaining({ invariant: 'I3', severity: 'breach', orderId: 'D', orderStatus: 'EXPIRED', message: expect.stringContaining('captured (not refunded)') }),
      ]);
    });

    it('detects a dangling authorization of a finished order', () => {
      const result = checkInvariants(
        broken((s) => s.payments.status === 'ok' && (s.payments.authorizations[1] = authorization({ id: 'auth_b', reference: 'B', status: 'authorized' }))),
        OPTIONS,
      );
      expect(result.findings).toEqual([
        expect.objectContaining({ invariant: 'I3', severity: 'breach', orderId: 'B', message: expect.stringContaining("dangling authorization(s) left 'authorized'") }),
      ]);
    });

    it('detects a CONFIRMED order without a capture, and one with a stray authorization', () => {
      const noCapture = checkInvariants(broken((s) => s.payments.status === 'ok' && s.payments.authorizations.shift()), OPTIONS);
      expect(noCapture.findings).toEqual([expect.objectContaining({ invariant: 'I3', orderId: 'A', message: expect.stringContaining('no captured payment') })]);

      const stray = checkInvariants(
        broken((s) => s.payments.status === 'ok' && s.payments.authorizations.push(authorization({ id: 'auth_a0', reference: 'A', status: 'authorized' }))),
        OPTIONS,
      );
      expect(stray.findings).toEqual([expect.objectContaining({ invariant: 'I3', orderId: 'A', message: expect.stringContaining('auth_a0') })]);
    });

    it('reports a refund at the provider the service has not recorded, and nothing once it has (finding 1 of the hostile probe)', () => {
      const refundedAtTheProvider = (recorded: 'CAPTURED' | 'REFUNDED') =>
        broken((s) => {
          if (s.payments.status !== 'ok') return;
          const captured = s.payments.authorizations.find((one) => one.id === 'auth_a')!;
          Object.assign(captured, { status: 'refunded', refundedAmountCents: captured.capturedAmountCents });
          findOrder(s, 'A').recordedPayments = [{ id: 'auth_a', status: recorded }];
        });
      expect(checkInvariants(refundedAtTheProvider('CAPTURED'), OPTIONS).findings).toEqual([
        expect.objectContaining({ invariant: 'I3', severity: 'breach', orderId: 'A', message: 'auth_a is refunded at the provider but recorded CAPTURED: a change made at the provider the service has not recorded' }),
      ]);
      expect(checkInvariants(refundedAtTheProvider('REFUNDED'), OPTIONS).findings).toEqual([]);
    });

    it('detects a capture of the wrong amount', () => {
      const result = checkInvariants(broken((s) => (findOrder(s, 'A').totalCents = 2_500)), OPTIONS);
      expect(result.findings).toEqual([expect.objectContaining({ invariant: 'I3', orderId: 'A', message: 'captured 2000 cents on auth_a, order total is 2500' })]);
    });

    it('treats a capture of an in-flight order as quiet-dependent', () => {
      const snapshot = broken((s) => s.payments.status === 'ok' && (s.payments.authorizations[2] = authorization({ id: 'auth_c', reference: 'C', status: 'captured' })));
      expect(breaches(checkInvariants(snapshot, OPTIONS).findings)).toHaveLength(1);
      expect(checkInvariants(snapshot, { ...OPTIONS, quietRequired: false }).findings).toEqual([expect.objectContaining({ severity: 'warning', orderId: 'C' })]);
    });

    it('detects live money for an order MySQL does not know, unless orphans are not checked', () => {
      const orphan = (checkOrphans: boolean) =>
        broken((s) => {
          if (s.payments.status !== 'ok') return;
          s.payments.authorizations.push(authorization({ id: 'auth_z', reference: 'ghost', status: 'captured' }));
          s.payments.authorizations.push(authorization({ id: 'auth_y', reference: 'ghost-voided', status: 'voided' }));
          s.payments.checkOrphans = checkOrphans;
        });
      expect(checkInvariants(orphan(true), OPTIONS).findings).toEqual([
        expect.objectContaining({ invariant: 'I3', severity: 'breach', orderId: 'ghost', orderStatus: 'UNKNOWN', message: expect.stringContaining('auth_z (captured)') }),
      ]);
      expect(checkInvariants(orphan(false), OPTIONS).findings).toEqual([]);
    });

    it('reports I3 as skipped, not passed, when the provider was not read', () => {
      const result = checkInvariants(broken((s) => (s.payments = { status: 'skipped', reason: 'not reachable' })), OPTIONS);
      expect(result.summary.I3).toEqual({ status: 'skipped', breaches: 0, warnings: 0, skipped: 'payment provider: not reachable' });
      expect(summaryLine(result)).toBe('invariants: I1 ok, I2 ok, I3 skipped, I4 ok, I5 ok, I6 ok, I7 ok, I8 ok, I9 ok, I10 ok');
      expect(result.ok).toBe(true);
    });
  });

  describe('I4 liveness', () => {
    it('detects an order stuck past its hold plus the bound', () => {
      const snapshot = broken((s) => (findOrder(s, 'C').reservedUntil = minutes(-3)));
      const result = checkInvariants(snapshot, OPTIONS);
      expect(result.findings).toEqual([
        expect.objectContaining({ invariant: 'I4', severity: 'breach', orderId: 'C', orderStatus: 'RESERVED', message: expect.stringContaining('stuck: still RESERVED') }),
      ]);
      expect(checkInvariants(snapshot, { ...OPTIONS, stuckAfterMs: 5 * 60_000 }).findings).toEqual([]);
    });

    it('detects a PENDING order that was never reserved, from its creation time', () => {
      const snapshot = broken((s) => {
        s.orders.push(order({ id: 'P', status: 'PENDING', createdAt: minutes(-5) }));
        if (s.temporal.status === 'ok') s.temporal.runningWorkflowIds.push('P');
      });
      expect(checkInvariants(snapshot, OPTIONS).findings).toEqual([expect.objectContaining({ invariant: 'I4', orderId: 'P', message: expect.stringContaining('never reserved') })]);
    });

    it('detects an open order without a Running workflow, but not one created just before the workflows were listed', () => {
      const snapshot = broken((s) => {
        if (s.temporal.status === 'ok') s.temporal.runningWorkflowIds = [];
        s.orders.push(order({ id: 'N', status: 'PENDING', createdAt: minutes(-0.1), reservedUntil: null }));
      });
      const result = checkInvariants(snapshot, OPTIONS);
      expect(result.findings).toEqual([expect.objectContaining({ invariant: 'I4', severity: 'breach', orderId: 'C', message: expect.stringContaining('no Running workflow') })]);
    });

    it('detects a Running workflow with no order in MySQL, but not one started just before the workflows were listed', () => {
      const snapshot = broken((s) => {
        if (s.temporal.status !== 'ok') return;
        s.temporal.unrecorded = [
          { id: 'W', startedAt: minutes(-5) },
          { id: 'V', startedAt: minutes(-0.05) },
        ];
      });
      const result = checkInvariants(snapshot, OPTIONS);
      expect(result.findings).toEqual([
        expect.objectContaining({ invariant: 'I4', severity: 'breach', orderId: 'W', orderStatus: 'UNKNOWN', message: expect.stringContaining('no order in MySQL') }),
      ]);
    });

    it('warns about a workflow still running long after its order finished', () => {
      const snapshot = broken((s) => s.temporal.status === 'ok' && s.temporal.runningWorkflowIds.push('A'));
      const result = checkInvariants(snapshot, OPTIONS);
      expect(result.findings).toEqual([expect.objectContaining({ invariant: 'I4', severity: 'warning', orderId: 'A' })]);
      expect(summaryLine(result)).toBe('invariants: I1 ok, I2 ok, I3 ok, I4 ok (1 warning), I5 ok, I6 ok, I7 ok, I8 ok, I9 ok, I10 ok');
    });

    it('says the Temporal part was skipped instead of passing it', () => {
      const result = checkInvariants(broken((s) => (s.temporal = { status: 'skipped', reason: 'unreachable' })), OPTIONS);
      expect(result.summary.I4).toMatchObject({ status: 'ok', skipped: 'Temporal cross-check: unreachable' });
      expect(summaryLine(result)).toBe('invariants: I1 ok, I2 ok, I3 ok, I4 ok (Temporal skipped), I5 ok, I6 ok, I7 ok, I8 ok, I9 ok, I10 ok');
    });
  });

  describe('I5 recovery', () => {
    it('reports a missing availability as a warning with what the rebuild would load', () => {
      const result = checkInvariants(broken((s) => (s.products[0].available = null)), OPTIONS);
      expect(result.findings).toEqual([
        expect.objectContaining({ invariant: 'I5', severity: 'warning', productId: 1, message: expect.stringContaining('stock 8 - held 1 = 7') }),
      ]);
      expect(result.ok).toBe(true);
      expect(summaryLine(result)).toBe('invariants: I1 ok, I2 ok, I3 ok, I4 ok, I5 ok (1 warning), I6 ok, I7 ok, I8 ok, I9 ok, I10 ok');
    });
  });

  describe('I6 idempotency', () => {
    it('detects a duplicate sale', () => {
      const result = checkInvariants(broken((s) => findOrder(s, 'A').movements.push({ productId: 1, kind: 'SALE', delta: -2 })), OPTIONS);
      expect(result.findings).toEqual([
        expect.objectContaining({ invariant: 'I6', severity: 'breach', orderId: 'A', productId: 1, message: '2 SALE movements for product 1 (at most 1)' }),
      ]);
    });

    it('detects a duplicate or mismatched restore', () => {
      const twice = checkInvariants(broken((s) => findOrder(s, 'B').movements.push({ productId: 2, kind: 'RESTORE', delta: 1 })), OPTIONS);
      expect(twice.findings).toEqual(
        expect.arrayContaining([expect.objectContaining({ invariant: 'I6', orderId: 'B', message: '2 RESTORE movements for product 2 (at most 1)' })]),
      );
      const orphan = checkInvariants(broken((s) => findOrder(s, 'D').movements.push({ productId: 2, kind: 'RESTORE', delta: 3 })), OPTIONS);
      expect(orphan.findings).toEqual(expect.arrayContaining([expect.objectContaining({ invariant: 'I6', orderId: 'D', message: 'RESTORE of product 2 without a SALE' })]));
    });

    it('detects a CONFIRMED order whose sale does not match its lines', () => {
      const result = checkInvariants(
        broken((s) => {
          const a = findOrder(s, 'A');
          a.movements = [{ productId: 1, kind: 'SALE', delta: -1 }, { productId: 2, kind: 'SALE', delta: -1 }];
          a.lines.push({ productId: 3, quantity: 1 });
        }),
        OPTIONS,
      );
      expect(result.findings.filter((f) => f.invariant === 'I6').map((f) => f.message)).toEqual([
        'SALE of product 1 took 1 unit(s), the line has 2',
        'CONFIRMED but no SALE for its line of product 3',
        'SALE of product 2, which is on no line of the order',
      ]);
    });

    it('detects a duplicate notification', () => {
      const result = checkInvariants(broken((s) => (findOrder(s, 'A').notifications = [{ kind: 'ORDER_CONFIRMED', count: 2 }])), OPTIONS);
      expect(result.findings).toEqual([expect.objectContaining({ invariant: 'I6', orderId: 'A', message: '2 ORDER_CONFIRMED notifications (at most 1)' })]);
    });
  });

  describe('I10 one order per cart version', () => {
    it('detects a CHECKED_OUT cart whose order MySQL does not have', () => {
      const result = checkInvariants(broken((s) => s.carts!.checkedOutWithoutOrder.push({ cartId: 'crt_1', orderId: 'ord_gone', updatedAt: minutes(-60) })), OPTIONS);
      expect(result.ok).toBe(false);
      expect(result.findings).toEqual([expect.objectContaining({ invariant: 'I10', severity: 'breach', orderId: 'ord_gone', message: 'cart crt_1 is CHECKED_OUT as order ord_gone, which MySQL does not have' })]);
    });

    it('only warns about a cart checked out moments ago (its order may not be recorded yet)', () => {
      const result = checkInvariants(broken((s) => s.carts!.checkedOutWithoutOrder.push({ cartId: 'crt_1', orderId: 'ord_new', updatedAt: minutes(-0.01) })), OPTIONS);
      expect(result.ok).toBe(true);
      expect(result.findings).toEqual([expect.objectContaining({ invariant: 'I10', severity: 'warning', orderId: 'ord_new' })]);
    });

    it('detects two orders placed from one cart version', () => {
      const result = checkInvariants(broken((s) => s.carts!.versionsWithSeveralOrders.push({ cartId: 'crt_1', version: 3, orderIds: ['ord_a', 'ord_b'] })), OPTIONS);
      expect(result.summary.I10).toEqual({ status: 'BREACH', breaches: 1, warnings: 0 });
      expect(result.findings).toEqual([expect.objectContaining({ invariant: 'I10', severity: 'breach', message: 'version 3 of cart crt_1 was checked out as 2 orders: ord_a, ord_b' })]);
    });
  });
});

describe('unitsHeld', () => {
  const inFlight = (status: InFlightOrder['status'], hold: InFlightOrder['hold'], sold = false): InFlightOrder => ({
    id: `${status}-${hold}-${sold}`,
    status,
    productIds: [1, 2],
    lines: [
      { productId: 1, quantity: 2, sold },
      { productId: 2, quantity: 1, sold: false },
    ],
    hold,
  });

  it('counts unsold lines of orders whose Redis hold is held', () => {
    expect(unitsHeld([inFlight('RESERVED', 'held'), inFlight('PENDING', 'held')])).toEqual(new Map([[1, 4], [2, 2]]));
  });

  it('counts a RESERVED order whose hold is missing, but not a PENDING one (it has not reserved yet)', () => {
    expect(unitsHeld([inFlight('RESERVED', null), inFlight('PENDING', null)])).toEqual(new Map([[1, 2], [2, 1]]));
  });

  it('skips a hold already released, and lines whose sale is in MySQL stock', () => {
    expect(unitsHeld([inFlight('RESERVED', 'released'), inFlight('RESERVED', 'held', true)])).toEqual(new Map([[2, 1]]));
  });

  it('counts a hold a rebuild recreated committed as held: only its lines whose sale was restored since hold units', () => {
    expect(unitsHeld([inFlight('RESERVED', 'committed', true), inFlight('RESERVED', 'committed')])).toEqual(new Map([[1, 2], [2, 2]]));
  });
});

describe('report', () => {
  it('prints the products, the order breaches and the summary line', () => {
    const snapshot = broken((s) => {
      s.products[1].available = 6;
      if (s.payments.status === 'ok') s.payments.authorizations.push(authorization({ id: 'auth_a2', reference: 'A', status: 'captured' }));
    });
    const result = checkInvariants(snapshot, OPTIONS);
    const text = formatText(result, { scope: 'test scope' });
    expect(text).toContain('Invariant check at 2026-11-21T12:00:00.000Z (test scope)');
    expect(text).toMatch(/id +sku +stock +available +held +sold +status/);
    expect(text).toMatch(/ 2 +sku-2 +5 +6 +0 +0 +BREACH/);
    expect(text).toMatch(/Product breaches\n.*\n {2}2 +I2 +Redis availability 6/);
    expect(text).toMatch(/Order breaches\n.*\n {2}A +CONFIRMED +I3 +2 authorizations captured/);
    expect(text).toContain('In flight: 1 order(s) PENDING/RESERVED: C (RESERVED; products 1)');
    expect(text).toContain('invariants: I1 ok, I2 BREACH (1), I3 BREACH (1), I4 ok, I5 ok, I6 ok, I7 ok, I8 ok, I9 ok, I10 ok');
    expect(text.endsWith('result: BREACH')).toBe(true);

    const json = JSON.parse(formatJson(result, { scope: 'test scope' }));
    expect(json).toMatchObject({ ok: false, scope: 'test scope', summary: { I2: { status: 'BREACH', breaches: 1 } } });
    expect(json.findings).toHaveLength(2);
  });
});
