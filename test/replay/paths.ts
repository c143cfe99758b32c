import path from 'node:path';
import type { OrderStatus } from '../../workflows/order-types';

/**
 * Where recorded order histories live: `histories/<generation>/<name>.json`, one folder per generation of the workflow
 * code that orders may still be running on. Every generation is replayed; a new one is recorded after each `patched()`.
 */
export const HISTORIES_DIR = path.join(__dirname, 'histories');

/** The generation `npm run record-histories` records: name it after the newest patch in workflows/order.ts. */
export const CURRENT_GENERATION = 'v7-undo-after-a-durable-decision';
export const currentGenerationDir = (): string => path.join(HISTORIES_DIR, CURRENT_GENERATION);

export interface RecordedPath {
  /** File name without `.json`. */
  name: string;
  /** The status the order must finish in for the recording to count. */
  status: OrderStatus;
  /** How it got there, when the status alone does not say. */
  detail?: string;
}

/** Every terminal path of the order saga; the replay test fails when one of their histories is missing. */
export const RECORDED_PATHS: readonly RecordedPath[] = [
  { name: 'confirmed', status: 'CONFIRMED' },
  { name: 'confirmed-after-decline', status: 'CONFIRMED', detail: 'paid after a declined payment' },
  { name: 'rejected', status: 'REJECTED', detail: 'more than the stock' },
  { name: 'cancelled', status: 'CANCELLED' },
  { name: 'expired', status: 'EXPIRED', detail: 'hold ran out' },
  { name: 'failed', status: 'FAILED', detail: 'capture declined' },
  { name: 'confirmed-with-coupon', status: 'CONFIRMED', detail: 'a coupon claim redeemed and used' },
  { name: 'expired-with-coupon', status: 'EXPIRED', detail: 'a coupon claim redeemed, then given back' },
];

/** "CONFIRMED order (paid after a declined payment)". */
export function describeRecordedPath(recorded: RecordedPath): string {
  return `${recorded.status} order${recorded.detail ? ` (${recorded.detail})` : ''}`;
}

/**
 * The after-sale workflow's histories (`npm run record-histories:after-sale`), in a folder of their own: a new folder
 * after each `patched()` in workflows/after-sale.ts, the old ones kept and replayed.
 */
export const AFTER_SALE_GENERATION = 'after-sale-v1';
export const AFTER_SALE_PATHS = ['refunds-and-return', 'refund-declined', 'refunded-at-provider'] as const;
