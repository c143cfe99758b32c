/**
 * I9 the waiting room: first on hand-made snapshots (every rule, no services), then against the real MariaDB and Redis,
 * where the broken states are written into the tables directly and the checker reads them as `npm run check` does.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import { checkInvariants, type Snapshot } from '../../check/invariants';
import { checkI9, type QueueAdmissionSnapshot, type QueuedProductSnapshot } from '../../check/queue-invariants';
import { takeSnapshot } from '../../check/snapshot';
import { forkSql, run } from '../../db/sql';
import { availabilityKey } from '../../inventory/keys';
import { createTestProduct, openTestOrm, uniqueOrderId, uniqueSuffix } from '../support/db';
import { openTestRedis } from '../support/redis';

const NOW = new Date('2026-12-06T07:00:00.000Z');
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1_000);

const admission = (customerId: string, overrides: Partial<QueueAdmissionSnapshot> = {}): QueueAdmissionSnapshot => ({
  customerId,
  admittedAt: at(-60),
  admittedUntil: at(60),
  usedAt: null,
  orderId: null,
  order: null,
  ...overrides,
});
const usedBy = (customerId: string, orderId: string, givenAt = -60): QueueAdmissionSnapshot =>
  admission(customerId, { admittedAt: at(givenAt), usedAt: at(givenAt + 5), orderId, order: { customerId, productIds: [7] } });
const drop = (overrides: Partial<QueuedProductSnapshot> = {}): QueuedProductSnapshot => ({
  productId: 7,
  maxAdmitted: 2,
  openedAt: at(-120),
  available: 3,
  admissions: [usedBy('ann', 'ord_ann'), admission('bob')],
  orders: [{ id: 'ord_ann', customerId: 'ann', createdAt: at(-50) }],
  ...overrides,
});
const findingsOf = (product: QueuedProductSnapshot, factor = 1) => checkI9({ admissionFactor: factor, products: [product] }, NOW);
const severities = (product: QueuedProductSnapshot, factor = 1) => findingsOf(product, factor).map((finding) => finding.severity);

test('a drop whose orders each used their buyer’s admission, within maxAdmitted and availability, is ok', () => {
  expect(findingsOf(drop())).toEqual([]);
});

test.each([
  ['an order placed without an admission', drop({ orders: [{ id: 'ord_ann', customerId: 'ann', createdAt: at(-50) }, { id: 'ord_eve', customerId: 'eve', createdAt: at(-10) }] })],
  ['an admission used by another buyer’s order', drop({ admissions: [{ ...usedBy('ann', 'ord_ann'), order: { customerId: 'eve', productIds: [7] } }] })],
  ['an admission used by an order without the product', drop({ admissions: [{ ...usedBy('ann', 'ord_ann'), order: { customerId: 'ann', productIds: [8] } }] })],
  ['one order using two admissions', drop({ admissions: [usedBy('ann', 'ord_ann'), { ...usedBy('bob', 'ord_ann'), order: { customerId: 'ann', productIds: [7] } }] })],
  ['an admission used by no order', drop({ admissions: [admission('ann', { usedAt: at(-30) })], orders: [] })],
  ['more admissions live at once than maxAdmitted', drop({ admissions: [admission('ann', { admittedAt: at(-30) }), admission('bob', { admittedAt: at(-20) }), admission('cid', { admittedAt: at(-10) })], orders: [] })],
])('%s is a breach', (_case, product) => {
  expect(severities(product)).toContain('breach');
});

test('maxAdmitted counts admissions live together: lapsed and used ones free their place', () => {
  const inTurn = [
    admission('ann', { admittedAt: at(-90), admittedUntil: at(-60) }),
    usedBy('bob', 'ord_bob', -80),
    admission('cid', { admittedAt: at(-50) }),
    admission('dan', { admittedAt: at(-40) }),
  ];
  expect(findingsOf(drop({ admissions: inTurn, orders: [{ id: 'ord_bob', customerId: 'bob', createdAt: at(-74) }] }))).toEqual([]);
});

test('orders from before the waiting room opened, and used admissions whose placement was refused, are no finding', () => {
  const before = drop({ orders: [{ id: 'ord_old', customerId: 'old', createdAt: at(-500) }], admissions: [{ ...usedBy('ann', 'ord_refused'), order: null }] });
  expect(findingsOf(before)).toEqual([]);
});

test('more live admissions than availability × factor now is a warning that says it is checked at this moment only', () => {
  const crowded = drop({ available: 1, admissions: [admission('ann'), admission('bob')], orders: [] });
  const findings = findingsOf(crowded);
  expect(findings.map((finding) => finding.severity)).toEqual(['warning']);
  expect(findings[0].message).toMatch(/at this moment only/);
  expect(findingsOf(crowded, 2)).toEqual([]);
});

test('I9 is summarised with the other invariants', () => {
  const snapshot: Snapshot = {
    takenAt: NOW,
    products: [],
    orders: [],
    inFlight: [],
    payments: { status: 'skipped', reason: 'test' },
    temporal: { status: 'skipped', reason: 'test' },
    queue: { admissionFactor: 1, products: [drop({ orders: [{ id: 'ord_eve', customerId: 'eve', createdAt: at(-10) }] })] },
  };
  const result = checkInvariants(snapshot, { stuckAfterMs: 120_000, quietRequired: true });
  expect(result.ok).toBe(false);
  expect(result.summary.I9).toEqual({ status: 'BREACH', breaches: 1, warnings: 0 });
});

describe('I9 read from the real stores', () => {
  let orm: MikroORM;
  let redis: Redis;
  let productId: number;

  beforeAll(async () => {
    orm = await openTestOrm();
    redis = await openTestRedis();
  });
  afterAll(async () => {
    await redis.quit();
    await orm.close();
  });

  beforeEach(async () => {
    productId = (await createTestProduct(orm, { stock: 5, label: 'qdrop' })).id;
    const sql = forkSql(orm);
    await run(sql, 'UPDATE product SET queue_admit_per_second = 2, queue_max_admitted = 2, queue_opened_at = NOW(3) - INTERVAL 2 MINUTE WHERE id = ?', [productId]);
    await redis.set(availabilityKey(productId), 4);
  });

  const sql = () => forkSql(orm);
  const placeOrder = async (customerId: string, products: number[] = [productId]): Promise<string> => {
    const orderId = uniqueOrderId('qdrop');
    await run(sql(), "INSERT INTO orders (id, customer_id, status, total_cents, request_hash) VALUES (?, ?, 'CANCELLED', 1000, 'x')", [orderId, customerId]);
    for (const id of products) await run(sql(), "INSERT INTO order_line (order_id, product_id, sku, quantity, unit_price_cents) VALUES (?, ?, 'QDROP', 1, 1000)", [orderId, id]);
    return orderId;
  };
  const admit = (customerId: string, orderId: string | null, secondsAgo = 60) =>
    run(
      sql(),
      `INSERT INTO queue_admission (product_id, customer_id, place, admitted_at, admitted_until, used_at, order_id)
       VALUES (?, ?, 'p', NOW(3) - INTERVAL ? SECOND, NOW(3) + INTERVAL 60 SECOND, ${orderId ? 'NOW(3) - INTERVAL 1 SECOND' : 'NULL'}, ?)`,
      [productId, customerId, secondsAgo, orderId],
    );
  const i9 = async () => {
    const snapshot = await takeSnapshot({ orm, redis, paymentsUrl: null, temporal: null, admissionFactor: 1 }, { productIds: [productId] });
    const result = checkInvariants(snapshot, { stuckAfterMs: 120_000, quietRequired: true });
    return { summary: result.summary.I9, findings: result.findings.filter((finding) => finding.invariant === 'I9') };
  };

  it('passes on a clean drop: each order used its buyer’s admission, one buyer still admitted', async () => {
    const buyer = `ann-${uniqueSuffix()}`;
    await admit(buyer, await placeOrder(buyer));
    await admit(`bob-${uniqueSuffix()}`, null);
    expect(await i9()).toEqual({ summary: { status: 'ok', breaches: 0, warnings: 0 }, findings: [] });
  });

  it('fails on an order for the queued product that used no admission, and names it', async () => {
    const orderId = await placeOrder(`eve-${uniqueSuffix()}`);
    const { summary, findings } = await i9();
    expect(summary.status).toBe('BREACH');
    expect(findings).toEqual([expect.objectContaining({ severity: 'breach', productId, orderId, message: expect.stringMatching(/without an admission/) })]);
  });

  it('fails on an admission used by another buyer’s order, or by an order without the product', async () => {
    const other = (await createTestProduct(orm, { label: 'qother' })).id;
    const stolen = await placeOrder(`eve-${uniqueSuffix()}`);
    await admit(`ann-${uniqueSuffix()}`, stolen);
    const buyer = `bob-${uniqueSuffix()}`;
    await admit(buyer, await placeOrder(buyer, [other]));
    const { findings } = await i9();
    expect(findings.map((finding) => finding.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/used by order .* of buyer eve-/), expect.stringMatching(/which has no line on product/)]),
    );
  });

  it('fails when more admissions were live at once than maxAdmitted', async () => {
    for (const name of ['ann', 'bob', 'cid']) await admit(`${name}-${uniqueSuffix()}`, null, 30);
    const { summary, findings } = await i9();
    expect(summary.breaches).toBe(1);
    expect(findings[0].message).toMatch(/3 admissions were live at .*, more than maxAdmitted 2/);
  });

  it('warns, at this moment only, when live admissions outnumber the units Redis has left', async () => {
    await redis.set(availabilityKey(productId), 1);
    await admit(`ann-${uniqueSuffix()}`, null);
    await admit(`bob-${uniqueSuffix()}`, null);
    const { summary, findings } = await i9();
    expect(summary).toEqual({ status: 'ok', breaches: 0, warnings: 1 });
    expect(findings[0].message).toMatch(/2 unused admissions live now, more than ⌊1 available × 1⌋ = 1 \(checked at this moment only/);
  });
});
