import type { MikroORM } from '@mikro-orm/core';
import { forkSql, select } from '../../db/sql';
import type { OrderView } from '../../workflows/order-types';
import { OrderNotFoundError } from '../../temporal/order-errors';
import { isOperator, type Caller } from './roles';

/** The one answer for an order the caller may not see and for one that does not exist: nothing leaks. */
export const orderNotFound = (orderId: string) => new OrderNotFoundError(orderId);

/** May this caller see (and act on) an order of this customer? Operators: any; buyers: their own. */
export const mayAccess = (caller: Caller, customerId: string | undefined): boolean => isOperator(caller) || customerId === caller.sub;

/** Throws 404 unless the order exists and the caller may act on it (one indexed MySQL read). */
export async function assertOrderAccess(orm: MikroORM, caller: Caller, orderId: string): Promise<void> {
  const [row] = await select<{ customer_id: string }>(forkSql(orm), 'SELECT customer_id FROM orders WHERE id = ?', [orderId]);
  if (!row || !mayAccess(caller, row.customer_id)) throw orderNotFound(orderId);
}

/**
 * An order as this caller may see it: staff see everything; a buyer sees a failure as a code (OUT_OF_STOCK,
 * PAYMENT_FAILED) and not the provider's decline reason, nor the code telling staff what to do (failureCode).
 */
export function presentOrder<T extends Omit<OrderView, 'requestHash'>>(order: T, caller: Caller | undefined): T {
  if (isOperator(caller)) return order;
  const { failureReason, failureCode: _forStaff, payment, ...rest } = order;
  const shown = { ...rest, payment: payment ? withoutDeclineCode(payment) : payment } as T;
  if (failureReason !== undefined) shown.failureReason = order.status === 'REJECTED' ? 'OUT_OF_STOCK' : 'PAYMENT_FAILED';
  return shown;
}

function withoutDeclineCode<T extends { declineCode?: string }>(payment: T): T {
  const { declineCode: _declineCode, ...rest } = payment;
  return rest as T;
}
