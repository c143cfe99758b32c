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
      const result = await inventory.reserve(orderId, lines);
      if (result.outcome === 'RESERVED') return { reserved: true };
      if (result.outcome === 'OUT_OF_STOCK') return { reserved: false, productId: result.productId };
      // Retryable: availability is (re)loaded from MySQL by the recovery path, then this attempt's retry proceeds.
      throw ApplicationFailure.retryable(`availability of product ${result.productId} is not loaded in Redis`, 'AvailabilityNotLoaded');
    },

    async releaseReservation({ orderId, lines }: ReserveStockInput): Promise<void> {
      await inventory.release(orderId, lines);
    },

    async settleReservation({ orderId }: { orderId: string }): Promise<void> {
      await inventory.settle(orderId);
    },
  };
}
