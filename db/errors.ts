import { CheckConstraintViolationException, DriverException, UniqueConstraintViolationException } from '@mikro-orm/core';

/** True when a write hit a unique key: in this layer that always means "this was done before". */
export function isDuplicateKey(error: unknown): boolean {
  return error instanceof UniqueConstraintViolationException;
}

/** MySQL reports a failed CHECK as 3819; MariaDB as 4025, which MikroORM leaves as a plain DriverException. */
const CHECK_FAILED_ERRNOS = new Set([3819, 4025]);

/** True when a write broke a CHECK constraint, e.g. `product_stock_not_negative`. */
export function isCheckViolation(error: unknown): boolean {
  return (
    error instanceof CheckConstraintViolationException ||
    (error instanceof DriverException && error.errno !== undefined && CHECK_FAILED_ERRNOS.has(error.errno))
  );
}

/**
 * True when MySQL refused the data itself, which no retry can fix: SQLSTATE class 22 (data exception: a value out
 * of a column's range, too long, not a number) or 23 (integrity constraint: NOT NULL, foreign key, unique, CHECK).
 * Connection losses, timeouts, deadlocks and lock waits have other classes (08, HY000, 40001) and are retried.
 */
export function isDataError(error: unknown): boolean {
  if (!(error instanceof DriverException)) return false;
  return error.sqlState?.startsWith('22') === true || error.sqlState?.startsWith('23') === true || isCheckViolation(error);
}
