import type { MikroORM } from '@mikro-orm/core';
import { ApplicationFailure } from '@temporalio/common';
import { createStockActivities, type StockActivities } from '../../activities/stock';
import { INSUFFICIENT_STOCK, INVALID_STOCK_REQUEST } from '../../workflows/failures';
import { createTestProduct, openTestOrm, readMovements, readStock, uniqueOrderId } from '../support/db';

/** The failure a rejected promise carried, for asserting on its type and flags. */
async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${String(error)}`);
  return error;
}

describe('stock activities', () => {
  let orm: MikroORM;
  let stock: StockActivities;
  beforeAll(async () => {
    orm = await openTestOrm();
    stock = createStockActivities(orm);
  });
  afterAll(() => orm.close());

  describe('commitStock', () => {
    it('takes the units out once, even when called twice', async () => {
      const shoe = await createTestProduct(orm, { stock: 10 });
      const hat = await createTestProduct(orm, { stock: 4 });
      const orderId = uniqueOrderId();
      const lines = [
        { productId: shoe.id, quantity: 3 },
        { productId: hat.id, quantity: 4 },
      ];
      await stock.commitStock({ orderId, lines });
      await stock.commitStock({ orderId, lines });
      expect(await readStock(orm, shoe.id)).toBe(7);
      expect(await readStock(orm, hat.id)).toBe(0);
      expect(await readMovements(orm, orderId)).toEqual([
        { productId: shoe.id, kind: 'SALE', delta: -3 },
        { productId: hat.id, kind: 'SALE', delta: -4 },
      ]);
    });

    it('treats a replay as done even after the product sold out', async () => {
      const product = await createTestProduct(orm, { stock: 2 });
      const orderId = uniqueOrderId();
      await stock.commitStock({ orderId, lines: [{ productId: product.id, quantity: 2 }] });
      await expect(stock.commitStock({ orderId, lines: [{ productId: product.id, quantity: 2 }] })).resolves.toBeUndefined();
      expect(await readStock(orm, product.id)).toBe(0);
    });

    it('runs concurrent duplicates of one commit once', async () => {
      const product = await createTestProduct(orm, { stock: 10 });
      const orderId = uniqueOrderId();
      await Promise.all(Array.from({ length: 5 }, () => stock.commitStock({ orderId, lines: [{ productId: product.id, quantity: 3 }] })));
      expect(await readStock(orm, product.id)).toBe(7);
    });

    it('sums a product listed twice', async () => {
      const product = await createTestProduct(orm, { stock: 10 });
      const orderId = uniqueOrderId();
      await stock.commitStock({ orderId, lines: [{ productId: product.id, quantity: 1 }, { productId: product.id, quantity: 2 }] });
      expect(await readStock(orm, product.id)).toBe(7);
    });

    it('throws a non-retryable InsufficientStock and changes nothing when any line is short', async () => {
      const plenty = await createTestProduct(orm, { stock: 10 });
      const scarce = await createTestProduct(orm, { stock: 1 });
      const orderId = uniqueOrderId();
      const failure = await failureOf(
        stock.commitStock({
          orderId,
          lines: [
            { productId: plenty.id, quantity: 2 },
            { productId: scarce.id, quantity: 2 },
          ],
        }),
      );
      expect(failure.type).toBe(INSUFFICIENT_STOCK);
      expect(failure.nonRetryable).toBe(true);
      expect(failure.details).toEqual([{ orderId, shortages: [{ productId: scarce.id, requested: 2, available: 1 }] }]);
      expect(await readStock(orm, plenty.id)).toBe(10);
      expect(await readStock(orm, scarce.id)).toBe(1);
      expect(await readMovements(orm, orderId)).toEqual([]);
    });

    it('treats a missing product as out of stock', async () => {
      const failure = await failureOf(stock.commitStock({ orderId: uniqueOrderId(), lines: [{ productId: 2_000_000_000, quantity: 1 }] }));
      expect(failure.type).toBe(INSUFFICIENT_STOCK);
    });

    it('refuses non-positive quantities without retrying', async () => {
      const product = await createTestProduct(orm);
      const failure = await failureOf(stock.commitStock({ orderId: uniqueOrderId(), lines: [{ productId: product.id, quantity: 0 }] }));
      expect(failure.type).toBe(INVALID_STOCK_REQUEST);
      expect(failure.nonRetryable).toBe(true);
    });

    it('refuses a replay with other lines than the commit it repeats', async () => {
      const product = await createTestProduct(orm);
      const orderId = uniqueOrderId();
      await stock.commitStock({ orderId, lines: [{ productId: product.id, quantity: 1 }] });
      const failure = await failureOf(stock.commitStock({ orderId, lines: [{ productId: product.id, quantity: 5 }] }));
      expect(failure.type).toBe(INVALID_STOCK_REQUEST);
      expect(await readStock(orm, product.id)).toBe(9);
    });

    it('sells exactly the stock to many concurrent orders, never below zero', async () => {
      const product = await createTestProduct(orm, { stock: 5 });
      const orders = Array.from({ length: 30 }, () => uniqueOrderId('rush'));
      const results = await Promise.allSettled(orders.map((orderId) => stock.commitStock({ orderId, lines: [{ productId: product.id, quantity: 1 }] })));

      const sold = results.filter((result) => result.status === 'fulfilled');
      const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
      expect(sold).toHaveLength(5);
      expect(refused).toHaveLength(25);
      for (const { reason } of refused) expect(reason).toMatchObject({ type: INSUFFICIENT_STOCK, nonRetryable: true });
      expect(await readStock(orm, product.id)).toBe(0);
      const movements = (await Promise.all(orders.map((orderId) => readMovements(orm, orderId)))).flat();
      expect(movements.reduce((sum, movement) => sum + movement.delta, 0)).toBe(-5);
    });

    it('sells concurrent multi-product orders without deadlocks or oversell', async () => {
      const a = await createTestProduct(orm, { stock: 6 });
      const b = await createTestProduct(orm, { stock: 6 });
      // Half the orders list the products one way round, half the other: lock order must not depend on it.
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          stock.commitStock({
            orderId: uniqueOrderId('pair'),
            lines: i % 2 === 0 ? [{ productId: a.id, quantity: 1 }, { productId: b.id, quantity: 2 }] : [{ productId: b.id, quantity: 2 }, { productId: a.id, quantity: 1 }],
          }),
        ),
      );
      const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
      for (const { reason } of refused) expect(reason).toMatchObject({ type: INSUFFICIENT_STOCK });
      expect(results.length - refused.length).toBe(3);
      expect(await readStock(orm, a.id)).toBe(3);
      expect(await readStock(orm, b.id)).toBe(0);
    });
  });

  describe('restoreStock', () => {
    it('does nothing before a commit', async () => {
      const product = await createTestProduct(orm, { stock: 5 });
      const orderId = uniqueOrderId();
      await stock.restoreStock({ orderId });
      expect(await readStock(orm, product.id)).toBe(5);
      expect(await readMovements(orm, orderId)).toEqual([]);
    });

    it('puts committed units back once, however often it runs', async () => {
      const shoe = await createTestProduct(orm, { stock: 5 });
      const hat = await createTestProduct(orm, { stock: 5 });
      const orderId = uniqueOrderId();
      await stock.commitStock({ orderId, lines: [{ productId: shoe.id, quantity: 2 }, { productId: hat.id, quantity: 5 }] });
      expect(await readStock(orm, hat.id)).toBe(0);

      await stock.restoreStock({ orderId });
      await stock.restoreStock({ orderId });
      await Promise.all([stock.restoreStock({ orderId }), stock.restoreStock({ orderId })]);

      expect(await readStock(orm, shoe.id)).toBe(5);
      expect(await readStock(orm, hat.id)).toBe(5);
      expect(await readMovements(orm, orderId)).toEqual([
        { productId: shoe.id, kind: 'RESTORE', delta: 2 },
        { productId: shoe.id, kind: 'SALE', delta: -2 },
        { productId: hat.id, kind: 'RESTORE', delta: 5 },
        { productId: hat.id, kind: 'SALE', delta: -5 },
      ]);
    });

    it('restores concurrently with one restore of the same order racing another', async () => {
      const product = await createTestProduct(orm, { stock: 10 });
      const orderId = uniqueOrderId();
      await stock.commitStock({ orderId, lines: [{ productId: product.id, quantity: 4 }] });
      await Promise.all(Array.from({ length: 6 }, () => stock.restoreStock({ orderId })));
      expect(await readStock(orm, product.id)).toBe(10);
    });

    it('restores many orders of the same products at once without deadlocks', async () => {
      const a = await createTestProduct(orm, { stock: 20 });
      const b = await createTestProduct(orm, { stock: 20 });
      const orders = Array.from({ length: 10 }, () => uniqueOrderId('undo'));
      for (const orderId of orders) {
        await stock.commitStock({ orderId, lines: [{ productId: a.id, quantity: 1 }, { productId: b.id, quantity: 2 }] });
      }
      await Promise.all(orders.map((orderId) => stock.restoreStock({ orderId })));
      expect(await readStock(orm, a.id)).toBe(20);
      expect(await readStock(orm, b.id)).toBe(20);
    });

    it('keeps a restored order restored when its commit is replayed', async () => {
      const product = await createTestProduct(orm, { stock: 10 });
      const orderId = uniqueOrderId();
      const lines = [{ productId: product.id, quantity: 4 }];
      await stock.commitStock({ orderId, lines });
      await stock.restoreStock({ orderId });
      await stock.commitStock({ orderId, lines });
      expect(await readStock(orm, product.id)).toBe(10);
    });
  });
});
