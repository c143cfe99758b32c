import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ReceiveRequest, RefundRequest, RefundView, ReturnRequest, ReturnView, AfterSaleSummary } from './after-sale-types';

/** Staff ask for a refund: answers with the refund (PENDING, or already settled), or refuses it (workflows/failures.ts). */
export const requestRefundUpdate = defineUpdate<RefundView, [RefundRequest]>('requestRefund');
/** The buyer asks to return units: answers with the return, REQUESTED, or refuses it. */
export const requestReturnUpdate = defineUpdate<ReturnView, [ReturnRequest]>('requestReturn');
/** Staff received a return's parcel: restocks what is sellable, refunds the units, answers with the return, RECEIVED. */
export const receiveReturnUpdate = defineUpdate<ReturnView, [ReceiveRequest]>('receiveReturn');

export const getAfterSaleQuery = defineQuery<AfterSaleSummary>('getAfterSale');
