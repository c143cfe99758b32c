import type { MikroORM } from '@mikro-orm/core';
import { finishAttempt, startAttempt, type AttemptOutcome } from '../db/payment-attempts';
import type { OrderClient } from '../temporal/order-client';
import { OrderRefusal } from '../temporal/order-errors';
import { ORDER_NOT_CANCELLABLE, ORDER_NOT_PAYABLE, PAYMENT_DECLINED, PAYMENT_PROVIDER_UNAVAILABLE, type UpdateRefusal } from '../workflows/failures';
import type { OrderView } from '../workflows/order-types';
import type { Caller } from './auth/roles';
import { Problem } from './problem';

/**
 * Pays an order with every attempt recorded in MySQL and at most `cap` attempts per order (0: no cap): a card tester
 * gets a few tries, then 409 ORDER_NOT_PAYABLE. Every decline is answered with the one code PAYMENT_DECLINED; the
 * provider's reason (insufficient_funds, card_declined, …) is recorded for staff only.
 */
export async function payRecorded(
  orm: MikroORM,
  orders: OrderClient,
  caller: Caller,
  payment: { orderId: string; paymentToken: string; updateId?: string },
  cap: number,
): Promise<OrderView> {
  const { orderId, paymentToken, updateId } = payment;
  const attempt = await startAttempt(orm, orderId, caller.sub, cap > 0 ? cap : Number.MAX_SAFE_INTEGER);
  if (!attempt.allowed) {
    throw new Problem('ORDER_NOT_PAYABLE', `order ${orderId} has had its ${cap} payment attempts; place a new order`, { field: 'path.id' });
  }
  let order: OrderView;
  try {
    order = await orders.pay(orderId, paymentToken, updateId);
  } catch (error) {
    const [outcome, reason] = outcomeOf(error);
    await finishAttempt(orm, attempt.id, outcome, reason);
    throw error;
  }
  await finishAttempt(orm, attempt.id, order.status === 'CONFIRMED' ? 'CONFIRMED' : 'FAILED', order.failureReason);
  return order;
}

/** How a refused attempt is recorded; a cancel refusal never answers a payment, but the table is total. */
const ATTEMPT_OUTCOMES: Readonly<Record<UpdateRefusal, AttemptOutcome>> = {
  [PAYMENT_DECLINED]: 'DECLINED',
  [ORDER_NOT_PAYABLE]: 'NOT_PAYABLE',
  [ORDER_NOT_CANCELLABLE]: 'NOT_PAYABLE',
  [PAYMENT_PROVIDER_UNAVAILABLE]: 'UNAVAILABLE',
};

function outcomeOf(error: unknown): [AttemptOutcome, string] {
  if (error instanceof OrderRefusal) return [ATTEMPT_OUTCOMES[error.type], error.declineCode ?? error.message];
  return ['ERROR', error instanceof Error ? error.message : String(error)];
}
