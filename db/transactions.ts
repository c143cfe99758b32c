import { IsolationLevel } from '@mikro-orm/core';

/**
 * For the stock transactions. Every statement in them finds its rows by key and locks them
 * explicitly (conditional UPDATE, SELECT ... FOR UPDATE), so REPEATABLE READ's gap locks add no
 * safety; they only make concurrent orders for neighbouring keys deadlock. The unique keys on
 * stock_movement, not the isolation level, are what stop a double commit or restore.
 */
export const STOCK_TRANSACTION = { isolationLevel: IsolationLevel.READ_COMMITTED } as const;

/** The same, for a transaction on the driver (db/driver.ts). */
export const STOCK_TRANSACTION_ON_THE_DRIVER = { readCommitted: true } as const;
