import type { MikroORM } from '@mikro-orm/core';
import { finishAttempt, startAttempt, type AttemptOutcome } from '../db/payment-attempts';
import type { OrderClient } from '../temporal/order-client';
import { OrderNotPayableError, PaymentDeclinedError, PaymentUnavailableError } from '../temporal/order-errors';
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
    if (error instanceof PaymentDeclinedError) {
      throw new Problem('PAYMENT_DECLINED', 'the payment was declined; the order stays reserved: pay with another method', { field: 'body.paymentToken' });
    }
    throw error;
  }
  await finishAttempt(orm, attempt.id, order.status === 'CONFIRMED' ? 'CONFIRMED' : 'FAILED', order.failureReason);
  return order;
}

function outcomeOf(error: unknown): [AttemptOutcome, string] {
  if (error instanceof PaymentDeclinedError) return ['DECLINED', error.declineCode];
  if (error instanceof OrderNotPayableError) return ['NOT_PAYABLE', error.message];
  if (error instanceof PaymentUnavailableError) return ['UNAVAILABLE', error.message];
  return ['ERROR', error instanceof Error ? error.message : String(error)];
}
