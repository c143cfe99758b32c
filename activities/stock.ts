/**
 * The MySQL side of the saga's stock step: commit an order's units (the durable decrement) and,
 * as its compensation, restore them. Temporal runs activities at least once, so both are written
 * to be repeated: the stock_movement ledger's unique key (order, product, kind) records that a
 * commit or restore happened, in the same transaction as the stock change itself. Both run on the driver
 * (db/driver.ts): every order commits its stock.
 */
import type { MikroORM } from '@mikro-orm/core';
import { ApplicationFailure } from '@temporalio/common';
import { INSUFFICIENT_STOCK, INVALID_STOCK_REQUEST } from '../workflows/failures';
import type { StockLine } from '../workflows/order-types';
import { isDuplicateKey } from '../db/errors';
import { driverOf, type Driver } from '../db/driver';
import { placeholders, run, select, type Db } from '../db/sql';
import { STOCK_TRANSACTION_ON_THE_DRIVER as STOCK_TRANSACTION } from '../db/transactions';
import { refusingBadData } from './store-errors';

export interface CommitStockInput {
  orderId: string;
  lines: StockLine[];
}

export interface RestoreStockInput {
  orderId: string;
}

export interface StockShortage {
  productId: number;
  requested: number;
  /** 0 when the product does not exist. */
  available: number;
}

export type StockActivities = ReturnType<typeof createStockActivities>;

export function createStockActivities(orm: MikroORM) {
  const steps = {
    /**
     * Takes the order's units out of stock, all or nothing. Replays are no-ops, also after the
     * product sold out (a replay must not report InsufficientStock for units it already holds).
     * Throws a non-retryable InsufficientStock failure, changing nothing, when any line is short.
     */
    async commitStock({ orderId, lines }: CommitStockInput): Promise<void> {
      const wanted = mergeLines(orderId, lines);
      if (wanted.length === 0) return;
      const em = driverOf(orm);
      const outcome = await tryCommit(em, orderId, wanted);
      if (outcome === 'committed') return;

      // Rolled back: either this order was committed before (a replay), or stock is short.
      const sold = await soldLines(em, orderId);
      if (sold.length > 0) return assertSameLines(orderId, sold, wanted);
      if (outcome === 'duplicate') throw new Error(`order ${orderId}: stock movement exists but no sale was found; retrying`);
      const shortages = await findShortages(em, wanted);
      throw ApplicationFailure.create({
        message: `not enough stock for order ${orderId}: ${describeShortages(shortages)}`,
        type: INSUFFICIENT_STOCK,
        nonRetryable: true,
        details: [{ orderId, shortages }],
      });
    },

    /**
     * Puts back the units of every SALE of the order that has no RESTORE yet, in one transaction.
     * Before any commit it does nothing; a second call finds everything restored and does nothing.
     */
    async restoreStock({ orderId }: RestoreStockInput): Promise<void> {
      try {
        await driverOf(orm).transaction(async (tx) => {
          // Lock the order's sales first: a concurrent restore of the same order waits here, and
          // then (READ COMMITTED) the next statement sees the RESTORE rows it committed.
          const sales = await select<StockLine>(
            tx,
            "SELECT product_id AS productId, -delta AS quantity FROM stock_movement WHERE order_id = ? AND kind = 'SALE' ORDER BY product_id FOR UPDATE",
            [orderId],
          );
          if (sales.length === 0) return;
          const restored = await select<{ productId: number }>(
            tx,
            "SELECT product_id AS productId FROM stock_movement WHERE order_id = ? AND kind = 'RESTORE'",
            [orderId],
          );
          const restoredIds = new Set(restored.map((row) => row.productId));
          const pending = sales.filter((sale) => !restoredIds.has(sale.productId));
          if (pending.length === 0) return;
          // Product rows before the ledger, as in tryCommit (see there why that order avoids deadlocks).
          const byId = caseByProductId(pending);
          await run(tx, `UPDATE product SET stock = stock + ${byId.sql} WHERE id IN (${inList(pending)})`, [...byId.params, ...productIds(pending)]);
          await insertMovements(tx, orderId, 'RESTORE', pending);
        }, STOCK_TRANSACTION);
      } catch (error) {
        // Only reachable if another restore of this order slipped in: it did the work, ours rolled back.
        if (isDuplicateKey(error)) return;
        throw error;
      }
    },
  };
  // MySQL refusing the data (a value out of a column's range, a broken constraint) fails the step for good.
  return {
    commitStock: (input: CommitStockInput) => refusingBadData(`commit stock of order ${input.orderId}`, () => steps.commitStock(input)),
    restoreStock: (input: RestoreStockInput) => refusingBadData(`restore stock of order ${input.orderId}`, () => steps.restoreStock(input)),
  };
}

type CommitOutcome = 'committed' | 'duplicate' | 'short';

/** A rollback on purpose, carrying why. */
class RollBack extends Error {
  constructor(readonly outcome: CommitOutcome) {
    super(outcome);
  }
}

/**
 * Two statements in one transaction: the conditional decrement of every line, then the SALE rows.
 * The update goes first so the foreign-key check of the insert finds product rows this
 * transaction already holds exclusively (inserting first would take shared locks that two
 * concurrent orders then both try to upgrade: a deadlock). A duplicate SALE rolls the
 * decrement back, which is what makes a replay a no-op.
 */
async function tryCommit(db: Driver, orderId: string, wanted: StockLine[]): Promise<CommitOutcome> {
  try {
    await db.transaction(async (tx) => {
      const byId = caseByProductId(wanted);
      const update = await run(
        tx,
        `UPDATE product SET stock = stock - ${byId.sql} WHERE id IN (${inList(wanted)}) AND stock >= ${byId.sql}`,
        [...byId.params, ...productIds(wanted), ...byId.params],
      );
      if (update.affectedRows < wanted.length) throw new RollBack('short');
      await insertMovements(tx, orderId, 'SALE', wanted);
    }, STOCK_TRANSACTION);
    return 'committed';
  } catch (error) {
    if (error instanceof RollBack) return error.outcome;
    if (isDuplicateKey(error)) return 'duplicate';
    throw error;
  }
}

/** One line per product (a repeated product is summed: the ledger has one SALE per order and product), in id order. */
function mergeLines(orderId: string, lines: StockLine[]): StockLine[] {
  const quantities = new Map<number, number>();
  for (const { productId, quantity } of lines) {
    if (!Number.isSafeInteger(productId) || productId <= 0 || !Number.isSafeInteger(quantity) || quantity <= 0) {
      throw ApplicationFailure.nonRetryable(`order ${orderId}: invalid stock line ${JSON.stringify({ productId, quantity })}`, INVALID_STOCK_REQUEST);
    }
    quantities.set(productId, (quantities.get(productId) ?? 0) + quantity);
  }
  return [...quantities].map(([productId, quantity]) => ({ productId, quantity })).sort((a, b) => a.productId - b.productId);
}

function soldLines(em: Db, orderId: string): Promise<StockLine[]> {
  return select<StockLine>(em, "SELECT product_id AS productId, -delta AS quantity FROM stock_movement WHERE order_id = ? AND kind = 'SALE' ORDER BY product_id", [orderId]);
}

/** A replay must ask for what was committed; anything else is a bug that a silent no-op would hide. */
function assertSameLines(orderId: string, sold: StockLine[], wanted: StockLine[]): void {
  const same = sold.length === wanted.length && sold.every((line, i) => line.productId === wanted[i].productId && line.quantity === wanted[i].quantity);
  if (!same) {
    throw ApplicationFailure.nonRetryable(
      `order ${orderId}: stock was already committed with other lines (${JSON.stringify(sold)}), not ${JSON.stringify(wanted)}`,
      INVALID_STOCK_REQUEST,
    );
  }
}

/** Best effort, for the failure's message: read after the rollback, so stock may have moved since. */
async function findShortages(em: Db, wanted: StockLine[]): Promise<StockShortage[]> {
  const rows = await select<{ id: number; stock: number }>(em, `SELECT id, stock FROM product WHERE id IN (${inList(wanted)})`, productIds(wanted));
  const stockById = new Map(rows.map((row) => [row.id, row.stock]));
  return wanted
    .map((line) => ({ productId: line.productId, requested: line.quantity, available: stockById.get(line.productId) ?? 0 }))
    .filter((line) => line.available < line.requested);
}

function describeShortages(shortages: StockShortage[]): string {
  if (shortages.length === 0) return 'stock changed while committing';
  return shortages.map((s) => `product ${s.productId} has ${s.available}, needs ${s.requested}`).join('; ');
}

/** One multi-row insert for all lines. */
function insertMovements(em: Db, orderId: string, kind: 'SALE' | 'RESTORE', lines: StockLine[]) {
  const sign = kind === 'SALE' ? -1 : 1;
  return run(
    em,
    `INSERT INTO stock_movement (order_id, product_id, kind, delta) VALUES ${placeholders(lines.length, 4)}`,
    lines.flatMap((line) => [orderId, line.productId, kind, sign * line.quantity]),
  );
}

/** `CASE id WHEN ? THEN ? ... END`: each product's quantity, so one UPDATE serves every line. */
function caseByProductId(lines: StockLine[]): { sql: string; params: number[] } {
  return {
    sql: `CASE id ${lines.map(() => 'WHEN ? THEN ?').join(' ')} END`,
    params: lines.flatMap((line) => [line.productId, line.quantity]),
  };
}

function inList(lines: StockLine[]): string {
  return lines.map(() => '?').join(', ');
}

function productIds(lines: StockLine[]): number[] {
  return lines.map((line) => line.productId);
}
