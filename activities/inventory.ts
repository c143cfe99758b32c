import { ApplicationFailure } from '@temporalio/common';
import type { Inventory, StockRequest } from '../inventory/inventory';

export interface ReserveStockInput {
  orderId: string;
  lines: StockRequest[];
}

export type ReservationOutcome = { reserved: true } | { reserved: false; productId: number };

export function createInventoryActivities(inventory: Inventory) {
  return {
    async reserveStock({ orderId, lines }: ReserveStockInput): Promise<ReservationOutcome> {
      const result = await nonRetryableOnBadInput(() => inventory.reserve(orderId, lines));
      if (result.outcome === 'RESERVED') return { reserved: true };
      if (result.outcome === 'OUT_OF_STOCK') return { reserved: false, productId: result.productId };
      // Retryable: availability is (re)loaded from MySQL by the recovery path, then this attempt's retry proceeds.
      throw ApplicationFailure.retryable(`availability of product ${result.productId} is not loaded in Redis`, 'AvailabilityNotLoaded');
    },

    async releaseReservation({ orderId, lines }: ReserveStockInput): Promise<void> {
      await nonRetryableOnBadInput(() => inventory.release(orderId, lines));
    },

    async settleReservation({ orderId }: { orderId: string }): Promise<void> {
      await inventory.settle(orderId);
    },
  };
}

/** A malformed request (a quantity that is not a positive whole number) fails the same way on every retry. */
async function nonRetryableOnBadInput<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof RangeError) throw ApplicationFailure.nonRetryable(error.message, 'InvalidStockRequest');
    throw error;
  }
}
