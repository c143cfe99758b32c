import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ReceiveRequest, RefundRequest, RefundView, ReturnRequest, ReturnView, AfterSaleSummary } from './after-sale-types';

/** Staff ask for a refund: answers with the refund (PENDING, or already settled), or refuses it (workflows/failures.ts). */
export const requestRefundUpdate = defineUpdate<RefundView, [RefundRequest]>('requestRefund');
/** The buyer asks to return units: answers with the return, REQUESTED, or refuses it. */
export const requestReturnUpdate = defineUpdate<ReturnView, [ReturnRequest]>('requestReturn');
/** Staff received a return's parcel: restocks what is sellable, refunds the units, answers with the return, RECEIVED. */
export const receiveReturnUpdate = defineUpdate<ReturnView, [ReceiveRequest]>('receiveReturn');

/**
 * A refund someone made at the payment provider, already recorded SUCCEEDED in MySQL (api/routes/payment-events.ts):
 * the workflow counts it like its own. A signal, not an update: nothing is checked or refused, and the sender need not
 * wait for a run that may be closing or not running at all (the next run reads the refund from MySQL).
 */
export const refundedAtProviderSignal = defineSignal<[RefundView]>('refundedAtProvider');

export const getAfterSaleQuery = defineQuery<AfterSaleSummary>('getAfterSale');
