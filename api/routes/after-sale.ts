import { Router } from 'express';
import type { MikroORM } from '@mikro-orm/core';
import { getRefund, getReturn } from '../../db/after-sale';
import type { AfterSaleClient } from '../../temporal/after-sale-client';
import type { RefundView } from '../../workflows/after-sale-types';
import { callerOf } from '../auth/middleware';
import { assertOrderAccess } from '../auth/order-access';
import { refundIdFor, returnIdFor } from '../after-sale-ids';
import { idempotencyKeyOf } from '../idempotency-key';
import { Problem } from '../problem';
import { orderIdSchema, parse, receiveSchema, refundIdSchema, refundSchema, returnIdSchema, returnSchema, type NewRefund } from '../validation';

export interface AfterSaleRouterDeps {
  orm: MikroORM;
  afterSale: AfterSaleClient;
  /** Keys refund and return ids derived from Idempotency-Keys (after-sale-ids.ts). */
  orderIdSecret: string;
}

/** Refunds and returns of an order, under /orders: every change goes through the order's after-sale workflow. */
export function orderAfterSaleRouter({ orm, afterSale, orderIdSecret }: AfterSaleRouterDeps): Router {
  const router = Router();

  router.post('/:id/refunds', async (req, res) => {
    const orderId = parse(orderIdSchema, req.params.id, 'path', 'id');
    const idempotencyKey = idempotencyKeyOf(req);
    // The key names the refund: a double click or a retry can only ever ask for the same one.
    if (idempotencyKey === undefined) {
      throw new Problem('VALIDATION_FAILED', 'header.Idempotency-Key is required', {
        field: 'header.Idempotency-Key',
        errors: [{ field: 'header.Idempotency-Key', reason: 'is required' }],
      });
    }
    const body = parse(refundSchema, req.body, 'body');
    const caller = callerOf(res);
    await assertOrderAccess(orm, caller, orderId);
    const refundId = refundIdFor(orderIdSecret, orderId, idempotencyKey);
    const refund = await afterSale.requestRefund(orderId, { refundId, ...body, requestedBy: caller.sub });
    assertSameRefund(refund, body);
    res.status(202).location(`/orders/${orderId}/refunds/${refund.id}`).json(toRefundResponse(refund));
  });

  router.get('/:id/refunds/:refundId', async (req, res) => {
    const orderId = parse(orderIdSchema, req.params.id, 'path', 'id');
    const refundId = parse(refundIdSchema, req.params.refundId, 'path', 'refundId');
    await assertOrderAccess(orm, callerOf(res), orderId);
    const refund = await getRefund(orm, orderId, refundId);
    if (!refund) throw new Problem('REFUND_NOT_FOUND', `order ${orderId} has no refund ${refundId}`, { field: 'path.refundId' });
    res.json(toRefundResponse(refund));
  });

  router.post('/:id/returns', async (req, res) => {
    const orderId = parse(orderIdSchema, req.params.id, 'path', 'id');
    const idempotencyKey = idempotencyKeyOf(req);
    const { lines } = parse(returnSchema, req.body, 'body');
    const caller = callerOf(res);
    await assertOrderAccess(orm, caller, orderId);
    const returnId = returnIdFor(orderIdSecret, orderId, caller.sub, idempotencyKey);
    const ret = await afterSale.requestReturn(orderId, { returnId, customerId: caller.sub, lines });
    res.status(201).location(`/returns/${ret.id}`).json(ret);
  });

  return router;
}

/** Staff receive a return's parcel: POST /returns/:id/receive. */
export function returnsRouter({ orm, afterSale }: Omit<AfterSaleRouterDeps, 'orderIdSecret'>): Router {
  const router = Router();
  router.post('/:id/receive', async (req, res) => {
    const returnId = parse(returnIdSchema, req.params.id, 'path', 'id');
    const { lines } = parse(receiveSchema, req.body, 'body');
    const found = await getReturn(orm, returnId);
    if (!found) throw new Problem('RETURN_NOT_FOUND', `no return ${returnId}`, { field: 'path.id' });
    const received = await afterSale.receiveReturn(found.orderId, { returnId, lines, receivedBy: callerOf(res).sub });
    res.status(200).json(received);
  });
  return router;
}

export function toRefundResponse({ id, orderId, status, amountCents, lines, reason, returnId, failureReason }: RefundView) {
  return { id, orderId, status, amountCents, lines, reason, returnId, ...(failureReason ? { failureReason } : {}) };
}

/** The same Idempotency-Key with another refund in the body is refused, not answered with the first refund. */
function assertSameRefund(refund: RefundView, body: NewRefund): void {
  const sameAmount = body.amountCents === undefined || body.amountCents === refund.amountCents;
  const sameLines = body.lines === undefined || JSON.stringify(sortLines(body.lines)) === JSON.stringify(sortLines(refund.lines));
  if (!sameAmount || !sameLines || body.reason !== refund.reason) {
    throw new Problem('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different refund of this order', { field: 'header.Idempotency-Key', refundId: refund.id });
  }
}

const sortLines = (lines: Array<{ productId: number; quantity: number }>) =>
  [...lines].sort((a, b) => a.productId - b.productId).map(({ productId, quantity }) => ({ productId, quantity }));
