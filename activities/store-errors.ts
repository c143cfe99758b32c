import { ApplicationFailure } from '@temporalio/common';
import { isDataError } from '../db/errors';
import { STORE_DATA_REJECTED } from '../workflows/failures';

/**
 * Runs a MySQL store step and tells its failures apart: data and constraint errors (MySQL refused the values: the same
 * on every retry) become a non-retryable STORE_DATA_REJECTED failure, so the order fails cleanly instead of retrying
 * forever; everything else (a lost connection, a timeout, a deadlock) is thrown as is, and Temporal retries it.
 */
export async function refusingBadData<T>(step: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (!isDataError(error)) throw error;
    const { sqlState, errno } = error as { sqlState?: string; errno?: number };
    throw ApplicationFailure.nonRetryable(`${step}: MySQL refused the data: ${(error as Error).message}`, STORE_DATA_REJECTED, { sqlState, errno });
  }
}
