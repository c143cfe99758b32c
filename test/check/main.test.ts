/**
 * The checker against the real MariaDB and Redis, a fresh payment stand-in and (for the Temporal part) a
 * throwaway dev server. The test makes its own products and orders, the way the saga's activities would,
 * and limits the checker to them with --products; it never touches anyone else's keys or rows.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import { createNotifyActivities } from '../../activities/notify';
import { createOrderRecordActivities } from '../../activities/order-record';
import { createStockActivities } from '../../activities/stock';
import { EXIT_BREACH, EXIT_ERROR, EXIT_OK, parseOptions, run, UsageError } from '../../check/main';
import type { Product } from '../../db/catalogue';
import { forkSql, run as runSql } from '../../db/sql';
import { Inventory } from '../../inventory/inventory';
import { availabilityKey, holdKey } from '../../inventory/keys';
import { createPaymentsClient, type PaymentsClient } from '../../payments/client';
import type { OrderStatus, OrderView, PaymentView } from '../../workflows/order-types';
import { createTestProduct, openTestOrm, uniqueOrderId } from '../support/db';
import { takeSnapshot } from '../../check/snapshot';
import { startDevServerEnv } from '../support/dev-server';
import { openTestRedis } from '../support/redis';
import { startStandIn, type StandIn } from '../payments/stand-in';
import { TEST_PAYMENTS_API_KEY } from '../support/payments-keys';

const ROOT = path.resolve(__dirname, '..', '..');
const OK_SUMMARY = 'invariants: I1 ok, I2 ok, I3 ok, I4 ok (Temporal skipped), I5 ok, I6 ok, I7 ok, I8 ok, I9 ok, I10 ok';

describe('parseOptions', () => {
  const now = new Date('2026-11-21T12:00:00.000Z');

  it('has defaults', () => {
    expect(parseOptions([], {}, now)).toEqual({ stuckAfterMs: 120_000, timeoutMs: 5_000, quietRequired: true, temporal: true, payments: true, strict: false, json: false, help: false });
  });

  it('reads argv over the CHECK_* environment', () => {
    const options = parseOptions(
      ['--products=3,1,3', '--orders-since', '2026-11-20T00:00:00Z', '--stuck-after=5m', '--timeout=1500ms', '--quiet-required=false', '--no-temporal', '--json'],
      { CHECK_PRODUCTS: '9', CHECK_PAYMENTS: 'false', CHECK_STRICT: '1' },
      now,
    );
    expect(options).toEqual({
      productIds: [3, 1],
      ordersSince: new Date('2026-11-20T00:00:00Z'),
      stuckAfterMs: 300_000,
      timeoutMs: 1_500,
      quietRequired: false,
      temporal: false,
      payments: false,
      strict: true,
      json: true,
      help: false,
    });
    expect(parseOptions(['--orders-since=90m'], {}, now).ordersSince).toEqual(new Date('2026-11-21T10:30:00.000Z'));
  });

  it('refuses what it does not understand', () => {
    expect(() => parseOptions(['--product=1'], {})).toThrow(UsageError);
    expect(() => parseOptions(['--products=a'], {})).toThrow(/--products/);
    expect(() => parseOptions(['--stuck-after=soon'], {})).toThrow(/--stuck-after/);
    expect(() => parseOptions(['--timeout=0'], {})).toThrow(/--timeout/);
    expect(() => parseOptions(['--no-products'], {})).toThrow(/not an option/);
    expect(() => parseOptions(['--orders-since=yesterday'], {})).toThrow(/--orders-since/);
    expect(() => parseOptions(['--quiet-required=maybe'], {})).toThrow(/not a boolean/);
  });
});

describe('npm run check against the real stores', () => {
  let orm: MikroORM;
  let redis: Redis;
  let inventory: Inventory;
  let standIn: StandIn;
  let payments: PaymentsClient;
  let product: Product;
  const orderIds: string[] = [];
  const productIds: number[] = [];
  const record = () => createOrderRecordActivities(orm);
  const stock = () => createStockActivities(orm);
  const notify = () => createNotifyActivities(orm, { channel: 'test', send: async () => undefined });

  /** The environment the checker runs with: the test's stand-in as the provider. */
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, PAYMENTS_URL: standIn.baseUrl, ...extra });
  const check = (args: string[], extra: NodeJS.ProcessEnv = {}) => run([`--products=${product.id}`, '--no-temporal', ...args], env(extra));

  function view(orderId: string, status: OrderStatus, quantity: number, payment: PaymentView | null = null, reservedUntil: string | null = null): OrderView {
    return {
      id: orderId,
      customerId: 'check-test',
      status,
      items: [{ productId: product.id, sku: product.sku, quantity, unitPriceCents: product.priceCents }],
      totalCents: quantity * product.priceCents,
      reservedUntil,
      payment,
      notifications: [],
      requestHash: 'sha256:check-test',
    };
  }

  /** One order through the saga's steps, done by hand: confirmed, expired, or failed after payment (compensated). */
  async function placeOrder(outcome: 'CONFIRMED' | 'EXPIRED' | 'FAILED', quantity: number): Promise<string> {
    const orderId = uniqueOrderId('check');
    orderIds.push(orderId);
    const lines = [{ productId: product.id, quantity }];
    const hold = new Date(Date.now() + 30 * 60_000).toISOString();
    await record().saveOrder(view(orderId, 'PENDING', quantity));
    expect(await inventory.reserve(orderId, lines)).toEqual({ outcome: 'RESERVED' });
    await record().saveOrder(view(orderId, 'RESERVED', quantity, null, hold));
    if (outcome === 'EXPIRED') {
      await inventory.release(orderId, lines);
      await record().saveOrder(view(orderId, 'EXPIRED', quantity, null, hold));
      await notify().notifyCustomer({ orderId, customerId: 'check-test', kind: 'ORDER_EXPIRED' });
      return orderId;
    }
    const amountCents = quantity * product.priceCents;
    const authorization = await payments.authorize({ amountCents, paymentToken: 'tok_visa', reference: orderId }, `${orderId}:authorize:1`);
    await stock().commitStock({ orderId, lines });
    if (outcome === 'CONFIRMED') {
      await payments.capture(authorization.id, `${orderId}:capture`);
      await inventory.settle(orderId, lines);
      await record().saveOrder(view(orderId, 'CONFIRMED', quantity, { status: 'CAPTURED', amountCents, authorizationId: authorization.id }, hold));
      await notify().notifyCustomer({ orderId, customerId: 'check-test', kind: 'ORDER_CONFIRMED' });
    } else {
      await stock().restoreStock({ orderId });
      await payments.void(authorization.id, `${orderId}:void:${authorization.id}`);
      await inventory.release(orderId, lines);
      await record().saveOrder(view(orderId, 'FAILED', quantity, { status: 'VOIDED', amountCents, authorizationId: authorization.id }, hold));
      await notify().notifyCustomer({ orderId, customerId: 'check-test', kind: 'ORDER_FAILED' });
    }
    return orderId;
  }

  async function newProduct(stockUnits: number): Promise<Product> {
    const created = await createTestProduct(orm, { stock: stockUnits, label: 'check' });
    productIds.push(created.id);
    await inventory.load(created.id, stockUnits);
    return created;
  }

  beforeAll(async () => {
    orm = await openTestOrm();
    redis = await openTestRedis();
    inventory = new Inventory(redis);
    standIn = await startStandIn();
    payments = createPaymentsClient({ apiKey: TEST_PAYMENTS_API_KEY, baseUrl: standIn.baseUrl, timeoutMs: 5_000 });
    product = await newProduct(10);
    await placeOrder('CONFIRMED', 2);
    await placeOrder('EXPIRED', 1);
    await placeOrder('FAILED', 3);
  });

  afterAll(async () => {
    await redis.del(...productIds.map(availabilityKey), ...orderIds.map(holdKey));
    await redis.quit();
    await standIn.close();
    await orm.close();
  });

  it('passes on a consistent state', async () => {
    const outcome = await check([]);
    expect(outcome.output).toContain(OK_SUMMARY);
    expect(outcome.exitCode).toBe(EXIT_OK);
    expect(outcome.result?.products).toEqual([{ id: product.id, sku: product.sku, stock: 8, available: 8, held: 0, sold: 2, status: 'ok' }]);
    expect(outcome.output).toContain('Skipped: I4 (liveness) Temporal cross-check: disabled (--no-temporal)');
  });

  it('fails and names the product when its Redis availability is off by one, and passes again once restored', async () => {
    await redis.incr(availabilityKey(product.id));
    try {
      const outcome = await check([]);
      expect(outcome.exitCode).toBe(EXIT_BREACH);
      expect(outcome.output).toContain('invariants: I1 ok, I2 BREACH (1), I3 ok');
      expect(outcome.output).toMatch(new RegExp(`\\b${product.id} +${product.sku} +8 +9 +0 +2 +BREACH`));
      expect(outcome.output).toMatch(new RegExp(`${product.id} +I2 +Redis availability 9 != MySQL stock 8 - held 0 = 8 \\(off by 1\\)`));
    } finally {
      await redis.decr(availabilityKey(product.id));
    }
    expect((await check([])).exitCode).toBe(EXIT_OK);
  });

  it('exits non-zero as a process too, with the JSON report on stdout', async () => {
    await redis.decr(availabilityKey(product.id));
    try {
      const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['check/main.ts', `--products=${product.id}`, '--no-temporal', '--json'], {
        cwd: ROOT,
        env: env(),
      });
      let stdout = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code).toBe(EXIT_BREACH);
      const report = JSON.parse(stdout);
      expect(report.ok).toBe(false);
      expect(report.products).toEqual([expect.objectContaining({ id: product.id, sku: product.sku, available: 7, status: 'BREACH' })]);
      expect(report.findings).toEqual([expect.objectContaining({ invariant: 'I2', productId: product.id })]);
    } finally {
      await redis.incr(availabilityKey(product.id));
    }
  });

  it('fails on a dangling authorization of a CONFIRMED order and names the order', async () => {
    const [confirmed] = orderIds;
    const stray = await payments.authorize({ amountCents: 100, paymentToken: 'tok_visa', reference: confirmed }, `${confirmed}:authorize:stray`);
    try {
      const outcome = await check([]);
      expect(outcome.exitCode).toBe(EXIT_BREACH);
      expect(outcome.output).toContain('I3 BREACH (1)');
      expect(outcome.output).toMatch(new RegExp(`${confirmed} +CONFIRMED +I3 +CONFIRMED with 1 other authorization\\(s\\) left 'authorized': ${stray.id}`));
    } finally {
      await payments.void(stray.id, `${confirmed}:void:${stray.id}`);
    }
    expect((await check([])).exitCode).toBe(EXIT_OK);
  });

  it('limits orders with --orders-since', async () => {
    const outcome = await check(['--orders-since=2099-01-01T00:00:00Z', '--json']);
    expect(outcome.exitCode).toBe(EXIT_OK);
    // Products are still checked; no order is.
    expect(outcome.result?.products).toHaveLength(1);
    expect(JSON.parse(outcome.output).summaryLine).toBe(OK_SUMMARY);
  });

  it('reports unreachable sources as skipped, which fails only with --strict', async () => {
    const unreachable = { PAYMENTS_URL: 'http://127.0.0.1:9', TEMPORAL_ADDRESS: '127.0.0.1:9' };
    const lenient = await run([`--products=${product.id}`, '--timeout=1s'], env(unreachable));
    expect(lenient.exitCode).toBe(EXIT_OK);
    expect(lenient.output).toContain('invariants: I1 ok, I2 ok, I3 skipped, I4 ok (Temporal skipped), I5 ok, I6 ok, I7 ok, I8 ok, I9 ok, I10 ok');
    expect(lenient.output).toMatch(/Skipped: I3 \(money\) payment provider: not reachable at http:\/\/127.0.0.1:9/);
    expect(lenient.output).toMatch(/Skipped: I4 \(liveness\) Temporal cross-check: Temporal not reachable at 127.0.0.1:9/);

    const strict = await run([`--products=${product.id}`, '--timeout=1s', '--strict'], env(unreachable));
    expect(strict.exitCode).toBe(EXIT_BREACH);
  });

  it('says what is wrong when it cannot run', async () => {
    expect(await run(['--products=x'], env())).toEqual({ exitCode: EXIT_ERROR, output: expect.stringContaining('--products') });
    const missing = await run(['--products=4000000000', '--no-temporal'], env());
    expect(missing).toEqual({ exitCode: EXIT_ERROR, output: 'check failed: no such product(s) in MySQL: 4000000000' });
  });

  describe('with Temporal', () => {
    let temporal: Awaited<ReturnType<typeof startDevServerEnv>>;
    let other: Product;
    let openOrderId: string;

    beforeAll(async () => {
      temporal = await startDevServerEnv();
      other = await newProduct(5);
      // An order in flight: RESERVED in MySQL and held in Redis, hold ending in 30 minutes.
      openOrderId = uniqueOrderId('check-open');
      orderIds.push(openOrderId);
      const lines = [{ productId: other.id, quantity: 1 }];
      const item = { productId: other.id, sku: other.sku, quantity: 1, unitPriceCents: other.priceCents };
      const base = { ...view(openOrderId, 'PENDING', 1), items: [item], totalCents: other.priceCents };
      await record().saveOrder(base);
      await inventory.reserve(openOrderId, lines);
      await record().saveOrder({ ...base, status: 'RESERVED', reservedUntil: new Date(Date.now() + 30 * 60_000).toISOString() });
      // Older than the checker's grace for Temporal's eventually consistent list.
      await runSql(forkSql(orm), 'UPDATE orders SET created_at = created_at - INTERVAL 1 MINUTE WHERE id = ?', [openOrderId]);
    }, 120_000);

    afterAll(async () => {
      // Leave nothing in flight behind: the order is cancelled and its hold released.
      await inventory.release(openOrderId, [{ productId: other.id, quantity: 1 }]);
      const item = { productId: other.id, sku: other.sku, quantity: 1, unitPriceCents: other.priceCents };
      await record().saveOrder({ ...view(openOrderId, 'CANCELLED', 1), items: [item], totalCents: other.priceCents });
      await temporal?.teardown();
    });

    const checkWithTemporal = () =>
      run([`--products=${other.id}`], env({ TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace ?? 'default' }));

    it('fails on an open order that has no Running workflow, and passes once it has one', async () => {
      const orphaned = await checkWithTemporal();
      expect(orphaned.exitCode).toBe(EXIT_BREACH);
      expect(orphaned.output).toMatch(new RegExp(`${openOrderId} +RESERVED +I4 +RESERVED in MySQL but no Running workflow`));
      expect(orphaned.output).toContain(`In flight: 1 order(s) PENDING/RESERVED: ${openOrderId} (RESERVED; products ${other.id})`);

      // A workflow of the order type on a queue no worker polls: it stays Running.
      const handle = await temporal.client.workflow.start('orderWorkflow', { taskQueue: `check-test-${openOrderId}`, workflowId: openOrderId, args: [] });
      try {
        // Visibility is eventually consistent: wait until the list shows it.
        const deadline = Date.now() + 20_000;
        let outcome = await checkWithTemporal();
        while (outcome.exitCode !== EXIT_OK && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          outcome = await checkWithTemporal();
        }
        expect(outcome.output).toContain('invariants: I1 ok, I2 ok, I3 ok, I4 ok, I5 ok, I6 ok, I7 ok, I8 ok, I9 ok, I10 ok');
        expect(outcome.exitCode).toBe(EXIT_OK);
      } finally {
        await handle.terminate('check test done');
      }
    });

    it('lists a Running order workflow that has no order in MySQL', async () => {
      const unrecordedId = uniqueOrderId('check-unrecorded');
      const handle = await temporal.client.workflow.start('orderWorkflow', { taskQueue: `check-test-${unrecordedId}`, workflowId: unrecordedId, args: [] });
      try {
        const sources = { orm, redis, paymentsUrl: null, temporal: { address: temporal.address, namespace: temporal.namespace ?? 'default' } };
        const deadline = Date.now() + 20_000;
        let snapshot = await takeSnapshot(sources, { ordersSince: new Date(Date.now() - 60_000) });
        const listed = () => (snapshot.temporal.status === 'ok' ? (snapshot.temporal.unrecorded ?? []).map((workflow) => workflow.id) : []);
        while (!listed().includes(unrecordedId) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          snapshot = await takeSnapshot(sources, { ordersSince: new Date(Date.now() - 60_000) });
        }
        expect(listed()).toContain(unrecordedId);
        // The order in flight above has its record: it is not listed, whether or not its workflow runs.
        expect(listed()).not.toContain(openOrderId);
      } finally {
        await handle.terminate('check test done');
      }
    });
  });
});
