/**
 * Store steps tell MySQL refusing the data (not retryable: the order fails cleanly) from MySQL being unreachable
 * (thrown as is: Temporal retries it until the store is back).
 */
import { ApplicationFailure } from '@temporalio/common';
import { MikroORM } from '@mikro-orm/mysql';
import { createOrderRecordActivities } from '../../activities/order-record';
import { createStockActivities } from '../../activities/stock';
import { createOrmConfig } from '../../db/mikro-orm.config';
import { STORE_DATA_REJECTED } from '../../workflows/failures';
import type { OrderView } from '../../workflows/order-types';
import { createTestProduct, openTestOrm, uniqueOrderId } from '../support/db';

function pendingView(productId: number, overrides: Partial<OrderView> = {}): OrderView {
  return {
    id: uniqueOrderId(),
    customerId: 'cus_store_errors',
    status: 'PENDING',
    items: [{ productId, sku: 'sku', quantity: 1, unitPriceCents: 100 }],
    totalCents: 100,
    reservedUntil: null,
    payment: null,
    notifications: [],
    requestHash: 'hash',
    ...overrides,
  };
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the step to fail');
    },
    (error: unknown) => error,
  );
}

describe('store steps and MySQL errors', () => {
  let orm: Awaited<ReturnType<typeof openTestOrm>>;
  let productId: number;
  beforeAll(async () => {
    orm = await openTestOrm();
    productId = (await createTestProduct(orm, { stock: 5 })).id;
  });
  afterAll(() => orm.close());

  test('a value longer than its column (SQLSTATE 22001) fails saveOrder for good', async () => {
    const failure = await failureOf(createOrderRecordActivities(orm).saveOrder(pendingView(productId, { customerId: 'c'.repeat(300) })));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: STORE_DATA_REJECTED, nonRetryable: true, details: [{ sqlState: '22001' }] });
  });

  test('a line naming no product (a foreign key, SQLSTATE 23000) fails saveOrder for good', async () => {
    const failure = await failureOf(createOrderRecordActivities(orm).saveOrder(pendingView(2_000_000_000)));
    expect(failure).toMatchObject({ type: STORE_DATA_REJECTED, nonRetryable: true, details: [{ sqlState: '23000' }] });
  });

  test('an unreachable MySQL is thrown as is, for Temporal to retry', async () => {
    const nowhere = await MikroORM.init({ ...createOrmConfig('mysql://root@127.0.0.1:31199/nowhere'), connect: false });
    try {
      const saving = await failureOf(createOrderRecordActivities(nowhere).saveOrder(pendingView(productId)));
      const committing = await failureOf(createStockActivities(nowhere).commitStock({ orderId: uniqueOrderId(), lines: [{ productId, quantity: 1 }] }));
      for (const failure of [saving, committing]) {
        expect(failure).not.toBeInstanceOf(ApplicationFailure);
        expect(String(failure)).toMatch(/ECONNREFUSED/);
      }
    } finally {
      await nowhere.close(true);
    }
  });
});
