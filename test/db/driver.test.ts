/**
 * The driver path of the db layer (db/driver.ts) against the real MariaDB: a transaction commits or rolls back whole,
 * hands the pool no connection left inside a transaction, reports MySQL's errors as the ORM does, and announces every
 * statement where the ORM's own are counted.
 */
import type { MikroORM } from '@mikro-orm/core';
import { driverOf } from '../../db/driver';
import { isDuplicateKey } from '../../db/errors';
import { onEveryStatement } from '../../db/statement-count';
import { forkSql, select } from '../../db/sql';
import { openTestOrm, uniqueOrderId } from '../support/db';

let orm: MikroORM;
beforeAll(async () => {
  orm = await openTestOrm();
});
afterAll(() => orm.close());

const released = (orderId: string) => select<{ order_id: string }>(forkSql(orm), 'SELECT order_id FROM hold_release WHERE order_id = ?', [orderId]);
const insertRelease = 'INSERT INTO hold_release (order_id) VALUES (?)';

it('commits a transaction whole, and rolls one back whole when its work throws', async () => {
  const driver = driverOf(orm);
  const [kept, undone] = [uniqueOrderId('driver-kept'), uniqueOrderId('driver-undone')];
  await driver.transaction(async (tx) => {
    await tx.run(insertRelease, [kept]);
  });
  await expect(
    driver.transaction(async (tx) => {
      await tx.run(insertRelease, [undone]);
      throw new Error('changed my mind');
    }),
  ).rejects.toThrow('changed my mind');
  expect(await released(kept)).toHaveLength(1);
  expect(await released(undone)).toHaveLength(0);
});

it('hands back no connection inside a transaction: every pooled connection autocommits after a rollback', async () => {
  const driver = driverOf(orm);
  // More failed transactions than the pool has connections, then plain writes on every connection.
  for (let i = 0; i < 12; i += 1) {
    await expect(driver.transaction(async (tx) => tx.run('SELECT no_such_column FROM hold_release'))).rejects.toThrow();
  }
  const ids = Array.from({ length: 12 }, () => uniqueOrderId('driver-after'));
  await Promise.all(ids.map((id) => driver.run(insertRelease, [id])));
  // Read on the ORM's own connection: rows left uncommitted by a connection still in a transaction would not show.
  for (const id of ids) expect(await released(id)).toHaveLength(1);
});

it("reports MySQL's errors as the ORM's exceptions, so a duplicate reads as one", async () => {
  const driver = driverOf(orm);
  const orderId = uniqueOrderId('driver-dup');
  await driver.run(insertRelease, [orderId]);
  const error = await driver.run(insertRelease, [orderId]).catch((caught: unknown) => caught);
  expect(isDuplicateKey(error)).toBe(true);
});

it("announces each of its statements where the ORM's are counted, the transaction's own included", async () => {
  const driver = driverOf(orm);
  const seen: string[] = [];
  let counting = true;
  onEveryStatement(orm, (sql) => counting && seen.push(sql));
  await driver.transaction(async (tx) => tx.run(insertRelease, [uniqueOrderId('driver-count')]), { readCommitted: true });
  counting = false;
  expect(seen).toEqual(['SET TRANSACTION ISOLATION LEVEL READ COMMITTED', 'START TRANSACTION', insertRelease, 'COMMIT']);
});
