import { ApplicationFailure } from '@temporalio/common';
import type { Inventory } from '../inventory/inventory';
import { AVAILABILITY_NOT_LOADED, INVALID_STOCK_REQUEST } from '../workflows/failures';
import type { StockLine } from '../workflows/order-types';

export interface ReserveStockInput {
  orderId: string;
  lines: StockLine[];
}

export type ReservationOutcome = { reserved: true } | { reserved: false; productId: number };

/** Whether MySQL records the order CONFIRMED (db/holds.ts isRecordedConfirmed). */
export type IsRecordedConfirmed = (orderId: string) => Promise<boolean>;

/** Rebuilds a product's availability from MySQL after Redis lost it (see inventory/availability-sync.ts). */
export type RebuildAvailability = (productId: number) => Promise<unknown>;

/** Records in MySQL that the order lets go of its hold (db/holds.ts recordHoldRelease). */
export type RecordHoldRelease = (orderId: string) => Promise<void>;

export function createInventoryActivities(
  inventory: Inventory,
  rebuildAvailability: RebuildAvailability,
  recordHoldRelease: RecordHoldRelease,
  isRecordedConfirmed: IsRecordedConfirmed,
) {
  return {
    async reserveStock({ orderId, lines }: ReserveStockInput): Promise<ReservationOutcome> {
      let result = await nonRetryableOnBadInput(() => inventory.reserve(orderId, lines));
      for (let rebuilt = 0; result.outcome === 'NOT_LOADED' && rebuilt < lines.length; rebuilt += 1) {
        // Redis lost the count (it keeps nothing on disk): rebuild it from MySQL, then try once more.
        await rebuildAvailability(result.productId);
        result = await inventory.reserve(orderId, lines);
      }
      if (result.outcome === 'RESERVED') return { reserved: true };
      if (result.outcome === 'OUT_OF_STOCK') return { reserved: false, productId: result.productId };
      // A product MySQL does not know either: retried, since the catalogue is the API's to check, not ours.
      throw ApplicationFailure.retryable(`availability of product ${result.productId} could not be loaded`, AVAILABILITY_NOT_LOADED);
    },

    /**
     * MySQL first: from the moment Redis gives the units back, no rebuild may count this order as holding them, and a
     * Redis tombstone alone does not outlive a flush. Recorded and not yet released is safe: a rebuild in between
     * counts the order only while its Redis hold is still there to be released (inventory/scripts.ts REBUILD_SCRIPT).
     */
    async releaseReservation({ orderId, lines }: ReserveStockInput): Promise<void> {
      await recordHoldRelease(orderId);
      await nonRetryableOnBadInput(() => inventory.release(orderId, lines));
    },

    /**
     * Runs again, after the order's CONFIRMED record, when the workflow task that ran it was lost (a worker or Temporal
     * crash): MySQL's record tells that run from the first, so a flush in between cannot make it sell the units twice.
     * MySQL is asked only when the hold is gone, not on every sale.
     */
    async settleReservation({ orderId, lines }: ReserveStockInput): Promise<void> {
      await nonRetryableOnBadInput(() => inventory.settle(orderId, lines, { isRecordedConfirmed: () => isRecordedConfirmed(orderId) }));
    },
  };
}

/** A malformed request (a quantity that is not a positive whole number) fails the same way on every retry. */
async function nonRetryableOnBadInput<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof RangeError) throw ApplicationFailure.nonRetryable(error.message, INVALID_STOCK_REQUEST);
    throw error;
  }
}
