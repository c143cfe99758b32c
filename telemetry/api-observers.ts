import type { AdmissionResult, Inventory } from '../inventory/inventory';
import type { OrderClient } from '../temporal/order-client';
import { OrderRefusal } from '../temporal/order-errors';
import type { ApiMetrics } from './api-metrics';

/**
 * The admission gate, counted: an object that inherits every method of the app's Inventory and times only `admit`.
 * The Inventory itself is left untouched (tests and other parts share it).
 */
export function meteredInventory(inventory: Inventory, metrics: ApiMetrics): Inventory {
  const metered = Object.create(inventory) as Inventory;
  metered.admit = async (...args: Parameters<Inventory['admit']>): Promise<AdmissionResult> => {
    const result = await inventory.admit(...args);
    if (result.admitted) metrics.admissions.inc({ decision: 'admitted', reason: '' });
    else metrics.admissions.inc({ decision: 'refused', reason: result.reason });
    return result;
  };
  return metered;
}

const TIMED_OPERATIONS = ['place', 'pay', 'cancel', 'get'] as const;

/** Every call the API makes to an order workflow, timed by operation and outcome (ok, or the error's name). */
export function meteredOrderClient(orders: OrderClient, metrics: ApiMetrics): OrderClient {
  const metered = Object.create(orders) as OrderClient;
  for (const operation of TIMED_OPERATIONS) {
    const call = orders[operation].bind(orders) as (...args: unknown[]) => Promise<unknown>;
    (metered as unknown as Record<string, unknown>)[operation] = async (...args: unknown[]) => {
      const end = metrics.temporalCallDuration.startTimer({ operation });
      try {
        const result = await call(...args);
        end({ outcome: 'ok' });
        return result;
      } catch (error) {
        // The failure type of a refusal (PaymentDeclined, ...), else the error's class name (the SDK's): a small, fixed set.
        end({ outcome: error instanceof OrderRefusal ? error.type : ((error as Error)?.constructor?.name ?? 'Error') });
        throw error;
      }
    };
  }
  return metered;
}
