/** The API's bounds (config/bounds.ts) fit MySQL's columns, so nothing the API accepts fails to be stored. */
import type { MikroORM } from '@mikro-orm/core';
import { MAX_COUPON_QUANTITY, MAX_ORDER_TOTAL_CENTS, MAX_PAYMENT_CENTS, MAX_PRICE_CENTS, MAX_STOCK, MAX_UNITS_PER_LINE } from '../../config/bounds';
import { forkSql, select } from '../../db/sql';
import { openTestOrm } from '../support/db';

const SIGNED_MAX: Record<string, number> = { int: 2 ** 31 - 1, bigint: Number.MAX_SAFE_INTEGER };

describe('bounds and columns', () => {
  let orm: MikroORM;
  let types: Map<string, string>;
  beforeAll(async () => {
    orm = await openTestOrm();
    const rows = await select<{ name: string; type: string }>(
      forkSql(orm),
      `SELECT CONCAT(table_name, '.', column_name) AS name, data_type AS type FROM information_schema.columns
       WHERE table_schema = DATABASE() AND table_name IN ('product', 'orders', 'order_line', 'payment', 'coupon')`,
    );
    types = new Map(rows.map((row) => [row.name, row.type]));
  });
  afterAll(() => orm.close());

  test('every money column is BIGINT', () => {
    for (const column of ['product.price_cents', 'orders.total_cents', 'order_line.unit_price_cents', 'payment.amount_cents', 'coupon.amount_off_cents', 'coupon.min_total_cents']) {
      expect({ column, type: types.get(column) }).toEqual({ column, type: 'bigint' });
    }
  });

  test.each([
    ['product.price_cents', MAX_PRICE_CENTS],
    ['order_line.unit_price_cents', MAX_PRICE_CENTS],
    ['orders.total_cents', MAX_ORDER_TOTAL_CENTS],
    ['payment.amount_cents', MAX_ORDER_TOTAL_CENTS],
    ['order_line.quantity', MAX_UNITS_PER_LINE],
    ['product.stock', MAX_STOCK],
    ['coupon.amount_off_cents', MAX_PAYMENT_CENTS],
    ['coupon.min_total_cents', MAX_ORDER_TOTAL_CENTS],
    ['coupon.quantity', MAX_COUPON_QUANTITY],
    ['coupon.issued', MAX_COUPON_QUANTITY],
  ])('%s holds the largest value the API accepts (%d)', (column, largest) => {
    expect(SIGNED_MAX[types.get(column)!]).toBeGreaterThanOrEqual(largest);
  });
});
