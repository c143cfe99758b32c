import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { OrderView } from './order-types';

/** Sent with the workflow's start (Update-with-Start): answers once the stock is reserved or refused. */
export const placeOrderUpdate = defineUpdate<OrderView>('placeOrder');

/** Pays a reserved order: answers with the confirmed (or failed) order, or is rejected with PAYMENT_DECLINED (workflows/failures.ts). */
export const payOrderUpdate = defineUpdate<OrderView, [PayOrderRequest]>('payOrder');
export interface PayOrderRequest {
  paymentToken: string;
}

/** Cancels a reserved order that no payment is under way for. */
export const cancelOrderUpdate = defineUpdate<OrderView>('cancelOrder');

export const getOrderQuery = defineQuery<OrderView>('getOrder');
