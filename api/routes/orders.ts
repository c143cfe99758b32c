import { Router } from 'express';
import { getOrderRecord, listOrderPage } from '../../db/order-queries';
import { attemptsOf } from '../../db/payment-attempts';
import { afterSaleOf } from '../../db/after-sale';
import { toRefundResponse } from './after-sale';
import { payRecorded } from '../recorded-payment';
import { callerOf } from '../auth/middleware';
import { assertOrderAccess, mayAccess, orderNotFound } from '../auth/order-access';
import { isOperator } from '../auth/roles';
import { orderIdFor, paymentUpdateIdFor } from '../order-ids';
import { idempotencyKeyOf } from '../idempotency-key';
import { queueTicketOf } from '../queue-ticket';
import { requestHashOf } from '../order-placement';
import { answerPlacement, placeOrder, sendOrder, sendPending, toOrderResponse, type PlacementDeps } from '../place-order';
import { decodeCursor, toPage } from '../pagination';
import { Problem } from '../problem';
import { newOrderSchema, newestFirstCursorSchema, orderIdSchema, orderListQuerySchema, parse, paymentSchema } from '../validation';

export interface OrdersRouterDeps extends PlacementDeps {
  /** Keys order ids derived from Idempotency-Keys (see order-ids.ts). */
  orderIdSecret: string;
}

export function ordersRouter(deps: OrdersRouterDeps): Router {
  const { orm, orders, orderIdSecret, limits } = deps;
  const router = Router();

  router.post('/', async (req, res) => {
    const idempotencyKey = idempotencyKeyOf(req);
    const body = parse(newOrderSchema, req.body, 'body');
    const caller = callerOf(res);
    // The customer is who the token says; a body naming someone else is refused, not silently rewritten.
    if (body.customerId !== undefined && body.customerId !== caller.sub) {
      throw new Problem('CUSTOMER_MISMATCH', "customerId must be the caller's own id (the token's sub), or be left out", { field: 'body.customerId' });
    }
    // The token's e-mail claim, when it has one, is where the buyer's mail goes; the body's `email` is the fallback.
    const email = caller.email ?? body.email;
    const order = { ...body, customerId: caller.sub, ...(email !== undefined ? { email } : {}) };
    const orderId = orderIdFor(idempotencyKey, { secret: orderIdSecret, callerId: caller.sub });
    const placement = await placeOrder(deps, { orderId, order, requestHash: requestHashOf(order), repeatable: idempotencyKey !== undefined, queueTicket: queueTicketOf(req) }, res);
    answerPlacement(res, placement, caller.sub);
  });

  router.get('/', async (req, res) => {
    const filter = parse(orderListQuerySchema, req.query, 'query');
    const caller = callerOf(res);
    if (!isOperator(caller)) {
      // A buyer lists their own orders; only staff filter by customer.
      if (filter.customerId !== undefined && filter.customerId !== caller.sub) {
        throw new Problem('FORBIDDEN', 'a buyer lists only their own orders', { field: 'query.customerId' });
      }
      filter.customerId = caller.sub;
    }
    const { cursor, ...query } = filter;
    const after = cursor === undefined ? undefined : decodeCursor(newestFirstCursorSchema, cursor);
    const rows = await listOrderPage(orm, { ...query, after, limit: query.limit + 1 });
    res.json(
      toPage(rows, query.limit, (row) => toOrderResponse(row.view, caller), ({ position }) => ({ createdAt: position.createdAt.toISOString(), id: position.id })),
    );
  });

  router.get('/:id', async (req, res) => {
    const orderId = parse(orderIdSchema, req.params.id, 'path', 'id');
    const order = await getOrderRecord(orm, orderId);
    const caller = callerOf(res);
    if (!order) {
      // Placed but not yet recorded (the workflow is deciding, or no worker runs it yet): 202, ask again.
      const workflow = await orders.describe(orderId);
      if (workflow?.running && mayAccess(caller, workflow.customerId)) return sendPending(res, orderId, workflow.customerId);
      throw orderNotFound(orderId);
    }
    if (!mayAccess(caller, order.customerId)) throw orderNotFound(orderId);
    const { refunds, ...afterSale } = await afterSaleOf(orm, order);
    const shown = { ...toOrderResponse(order, caller), ...afterSale, refunds: refunds.map(toRefundResponse) };
    // Staff also see every payment attempt with the provider's reason.
    res.json(isOperator(caller) ? { ...shown, paymentAttempts: await attemptsOf(orm, orderId) } : shown);
  });

  router.post('/:id/payment', async (req, res) => {
    const orderId = parse(orderIdSchema, req.params.id, 'path', 'id');
    const idempotencyKey = idempotencyKeyOf(req);
    const { paymentToken } = parse(paymentSchema, req.body, 'body');
    const caller = callerOf(res);
    await assertOrderAccess(orm, caller, orderId);
    const updateId = idempotencyKey === undefined ? undefined : paymentUpdateIdFor(idempotencyKey, { callerId: caller.sub, paymentToken });
    const order = await payRecorded(orm, orders, caller, { orderId, paymentToken, updateId }, limits.LIMIT_PAYMENT_ATTEMPTS);
    if (order.status !== 'CONFIRMED') {
      throw new Problem('PAYMENT_FAILED', 'the payment could not be completed; the order was undone', { order: toOrderResponse(order, callerOf(res)) });
    }
    sendOrder(res, 200, order);
  });

  router.post('/:id/cancel', async (req, res) => {
    const orderId = parse(orderIdSchema, req.params.id, 'path', 'id');
    await assertOrderAccess(orm, callerOf(res), orderId);
    sendOrder(res, 200, await orders.cancel(orderId));
  });

  return router;
}
