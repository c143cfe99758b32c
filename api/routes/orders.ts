import { Router, type Response } from 'express';
import type { MikroORM } from '@mikro-orm/core';
import { getProducts } from '../../db/catalogue';
import { getOrderRecord, listOrders } from '../../db/order-queries';
import type { Inventory } from '../../inventory/inventory';
import type { OrderClient } from '../../temporal/order-client';
import type { OrderView } from '../../workflows/order-types';
import { buildOrderInput, orderIdFor, requestHashOf } from '../order-placement';
import { Problem } from '../problem';
import { idempotencyKeySchema, newOrderSchema, orderIdSchema, orderListQuerySchema, parse, paymentSchema, type NewOrder } from '../validation';

export interface OrdersRouterDeps {
  orm: MikroORM;
  inventory: Inventory;
  orders: OrderClient;
  /** The hold every reservation gets: configuration (RESERVATION_TTL), never the client's choice. */
  holdMs: number;
}

const toOrderResponse = ({ requestHash: _requestHash, ...order }: OrderView) => order;

function sendOrder(res: Response, status: number, order: OrderView): void {
  res.status(status).location(`/orders/${order.id}`).json(toOrderResponse(order));
}

export function ordersRouter({ orm, inventory, orders, holdMs }: OrdersRouterDeps): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const rawKey = req.get('Idempotency-Key');
    const idempotencyKey = rawKey === undefined ? undefined : parse(idempotencyKeySchema, rawKey, 'header', 'Idempotency-Key');
    const order = parse(newOrderSchema, req.body, 'body');
    const orderId = orderIdFor(idempotencyKey);
    const requestHash = requestHashOf(order);

    if (idempotencyKey !== undefined) {
      const earlier = await getOrderRecord(orm, orderId);
      if (earlier && earlier.status !== 'PENDING') {
        assertSameRequest(earlier, requestHash);
        res.set('Idempotent-Replayed', 'true');
        return answerPlacement(res, earlier);
      }
    }

    // Sold-out answers come from Redis alone: admission is decided before anything else is read.
    await admitOrRefuse(inventory, orderId, order.items);
    let placed: OrderView;
    try {
      const products = await getProducts(orm, order.items.map((item) => item.productId));
      placed = await orders.place(buildOrderInput(orderId, order, products, holdMs, requestHash));
    } finally {
      await inventory.answered(orderId, order.items.map((item) => item.productId));
    }
    assertSameRequest(placed, requestHash);
    answerPlacement(res, placed);
  });

  router.get('/', async (req, res) => {
    const filter = parse(orderListQuerySchema, req.query, 'query');
    res.json({ data: (await listOrders(orm, filter)).map(toOrderResponse) });
  });

  router.get('/:id', async (req, res) => {
    const orderId = parse(orderIdSchema, req.params.id, 'path', 'id');
    const order = await getOrderRecord(orm, orderId);
    if (!order) throw new Problem(404, 'ORDER_NOT_FOUND', `order ${orderId} does not exist`, { field: 'path.id' });
    res.json(toOrderResponse(order));
  });

  router.post('/:id/payment', async (req, res) => {
    const orderId = parse(orderIdSchema, req.params.id, 'path', 'id');
    const { paymentToken } = parse(paymentSchema, req.body, 'body');
    const order = await orders.pay(orderId, paymentToken);
    if (order.status !== 'CONFIRMED') {
      throw new Problem(402, 'PAYMENT_FAILED', order.failureReason ?? 'the payment could not be completed', { order: toOrderResponse(order) });
    }
    sendOrder(res, 200, order);
  });

  router.post('/:id/cancel', async (req, res) => {
    const orderId = parse(orderIdSchema, req.params.id, 'path', 'id');
    sendOrder(res, 200, await orders.cancel(orderId));
  });

  return router;
}

/**
 * The admission gate: a buyer who cannot get stock is answered from Redis without starting a workflow, and while
 * units remain, buyers are admitted only while some unreserved unit is unclaimed (see Inventory.admit). It only sheds load that
 * cannot succeed; the reservation itself stays the workflow's atomic step.
 */
async function admitOrRefuse(inventory: Inventory, orderId: string, lines: NewOrder['items']): Promise<void> {
  const admission = await inventory.admit(orderId, lines);
  if (admission.admitted) return;
  const lineIndex = lines.findIndex((line) => line.productId === admission.productId);
  const detail =
    admission.reason === 'SOLD_OUT'
      ? `product ${admission.productId} does not have enough stock left`
      : `every unit of product ${admission.productId} left is being reserved by buyers ahead; units may come back if they do not pay`;
  throw new Problem(409, 'OUT_OF_STOCK', detail, { productId: admission.productId, field: `body.items.${lineIndex}.quantity` });
}

function assertSameRequest(order: OrderView, requestHash: string): void {
  if (order.requestHash !== requestHash) {
    throw new Problem(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different order', {
      field: 'header.Idempotency-Key',
      orderId: order.id,
    });
  }
}

/** A reservation refused by the workflow is answered like the gate's refusal, naming the order it was recorded as. */
function answerPlacement(res: Response, order: OrderView): void {
  if (order.status === 'REJECTED') {
    throw new Problem(409, 'OUT_OF_STOCK', order.failureReason ?? 'not enough stock left', { orderId: order.id, field: 'body.items' });
  }
  sendOrder(res, 201, order);
}
