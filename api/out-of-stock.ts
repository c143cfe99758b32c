import type { AdmissionResult } from '../inventory/inventory';
import type { OrderView } from '../workflows/order-types';
import type { ProblemAnswer } from './problem';
import type { NewOrder } from './validation';

/** Why an order gets no stock: the gate's refusal (from the sold-out flag or Redis), or the workflow's REJECTED order. */
export type OutOfStockRefusal = Pick<Extract<AdmissionResult, { admitted: false }>, 'productId' | 'reason'> | { reason: 'REJECTED'; order: OrderView };

/**
 * The one OUT_OF_STOCK answer, whoever refused: `field` names the line that asked for the product when the refusal
 * knows it (the gate does), else the order's items; `productId` names the product when known, `orderId` the order a
 * refusal was recorded as (only the workflow records one).
 */
export function outOfStockAnswer(refusal: OutOfStockRefusal, lines: NewOrder['items']): ProblemAnswer {
  if (refusal.reason === 'REJECTED') {
    const { order } = refusal;
    return answer(order.failureReason ?? 'not enough stock left', { field: 'body.items', orderId: order.id });
  }
  const { productId } = refusal;
  const lineIndex = lines.findIndex((line) => line.productId === productId);
  const message =
    refusal.reason === 'SOLD_OUT'
      ? `product ${productId} does not have enough stock left`
      : `every unit of product ${productId} left is being reserved by buyers ahead; units may come back if they do not pay`;
  return answer(message, { field: `body.items.${lineIndex}.quantity`, productId });
}

function answer(message: string, extensions: { field: string; productId?: number; orderId?: string }): ProblemAnswer {
  return { code: 'OUT_OF_STOCK', message, extensions, headers: {} };
}
