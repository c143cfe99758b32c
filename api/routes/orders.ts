import { Router, type Response } from 'express';
import type { MikroORM } from '@mikro-orm/core';
import { getProducts } from '../../db/catalogue';
import { saveOrderEmail } from '../../db/order-contact';
import { getOrderRecord, listOrderPage } from '../../db/order-queries';
import type { Inventory } from '../../inventory/inventory';
import type { SoldOutFlags } from '../../inventory/sold-out-flags';
import type { OrderClient } from '../../temporal/order-client';
import { TemporalDeadlineError } from '../../temporal/order-errors';
import type { OrderView } from '../../workflows/order-types';
import type { LimitsConfig } from '../../config/limits';
import { attemptsOf } from '../../db/payment-attempts';
import { payRecorded } from '../recorded-payment';
import { holdBuyerCaps } from '../limits/caps';
import type { Redis } from 'ioredis';
import { callerOf } from '../auth/middleware';
import { assertOrderAccess, mayAccess, orderNotFound, presentOrder } from '../auth/order-access';
import { isOperator, type Caller } from '../auth/roles';
import { orderIdFor, paymentUpdateIdFor } from '../order-ids';
import { idempotencyKeyOf } from '../idempotency-key';
import { buildOrderInput, requestHashOf } from '../order-placement';
import { decodeCursor, toPage } from '../pagination';
import { Problem } from '../problem';
import { outOfStockAnswer } from '../out-of-stock';
import { newOrderSchema, newestFirstCursorSchema, orderIdSchema, orderListQuerySchema, parse, paymentSchema, type NewOrder } from '../validation';

export interface OrdersRouterDeps {
  orm: MikroORM;
  inventory: Inventory;
  orders: OrderClient;
  /** The hold every reservation gets: configuration (RESERVATION_TTL), never the client's choice. */
  holdMs: number;
  /** Keys order ids derived from Idempotency-Keys (see order-ids.ts). */
  orderIdSecret: string;
  limits: LimitsConfig;
  /** Products this process saw sold out, refused without a Redis round trip (absent: every request asks Redis). */
  soldOut?: SoldOutFlags;
  /** Where the per-buyer placement lock lives. */
  redis: Redis;
}

const toOrderResponse = ({ requestHash: _requestHash, ...order }: OrderView, caller: Caller) => presentOrder(order, caller);

function sendOrder(res: Response, status: number, order: OrderView): void {
  res.status(status).location(`/orders/${order.id}`).json(toOrderResponse(order, callerOf(res)));
}

export function ordersRouter({ orm, redis, inventory, orders, holdMs, orderIdSecret, limits, soldOut }: OrdersRouterDeps): Router {
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
    const requestHash = requestHashOf(order);

    let placedBefore = false;
    if (idempotencyKey !== undefined) {
      const earlier = await getOrderRecord(orm, orderId);
      if (earlier) assertSameRequest(earlier, requestHash);
      if (earlier && earlier.status !== 'PENDING') {
        await rememberEmail(orm, earlier, order.email);
        res.set('Idempotent-Replayed', 'true');
        return answerPlacement(res, earlier);
      }
      // PENDING: the first request's workflow is deciding and may already hold the last units, so the gate would
      // call them sold out; that workflow answers this retry too.
      placedBefore = earlier !== null;
    }

    // Sold-out answers come from Redis alone: admission is decided before anything else is read.
    if (!placedBefore) await admitOrRefuse(inventory, soldOut, orderId, order.items);
    // The claim ends with the request, whatever ends it: the workflow's answer, an error, or the buyer hanging up.
    const endClaim = once(() => inventory.answered(orderId, order.items.map((item) => item.productId)));
    res.once('close', () => void endClaim().catch(() => undefined));
    let placed: OrderView;
    let releaseCaps: (() => Promise<void>) | undefined;
    try {
      // A drop's per-buyer caps (a retry joining its own order in flight is not a new order).
      if (!placedBefore) releaseCaps = await holdBuyerCaps({ orm, redis, limits }, caller.sub, order.items);
      const products = await getProducts(orm, order.items.map((item) => item.productId));
      placed = await orders.place(buildOrderInput(orderId, order, products, holdMs, requestHash));
    } catch (error) {
      if (!(error instanceof TemporalDeadlineError)) throw error;
      return await answerUndecided(res, error, orderId, requestHash, caller.sub);
    } finally {
      await releaseCaps?.();
      await endClaim();
    }
    assertSameRequest(placed, requestHash);
    await rememberEmail(orm, placed, order.email);
    answerPlacement(res, placed);
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
    // Staff also see every payment attempt with the provider's reason.
    res.json(isOperator(caller) ? { ...toOrderResponse(order, caller), paymentAttempts: await attemptsOf(orm, orderId) } : toOrderResponse(order, caller));
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

  /**
   * Placement ran past the Temporal deadline. An order recorded meanwhile is answered as usual; one whose workflow
   * exists and still decides is answered 202 with its Location (a retry with the same Idempotency-Key joins it);
   * otherwise the deadline's 503 with Retry-After stands. Never a hang.
   */
  async function answerUndecided(res: Response, deadline: TemporalDeadlineError, orderId: string, requestHash: string, customerId: string): Promise<void> {
    const recorded = await getOrderRecord(orm, orderId);
    if (recorded && recorded.status !== 'PENDING') {
      assertSameRequest(recorded, requestHash);
      return answerPlacement(res, recorded);
    }
    const workflow = await orders.describe(orderId).catch(() => null);
    if (!workflow?.running) throw deadline;
    sendPending(res, orderId, customerId);
  }

  return router;
}

/** An order that exists and is still deciding: 202, where to look, and when. */
function sendPending(res: Response, orderId: string, customerId: string | undefined): void {
  res.status(202).location(`/orders/${orderId}`).set('Retry-After', '1').json({ id: orderId, customerId, status: 'PENDING' });
}

/**
 * The admission gate: a buyer who cannot get stock is answered from Redis without starting a workflow, and while
 * units remain, buyers are admitted only while some unreserved unit is unclaimed (see Inventory.admit). It only sheds load that
 * cannot succeed; the reservation itself stays the workflow's atomic step.
 */
async function admitOrRefuse(inventory: Inventory, soldOut: SoldOutFlags | undefined, orderId: string, lines: NewOrder['items']): Promise<void> {
  const flagged = soldOut?.firstSoldOut(lines);
  if (flagged) throw outOfStock({ productId: flagged.productId, reason: 'SOLD_OUT' }, lines);
  const admission = await inventory.admit(orderId, lines);
  if (admission.admitted) return;
  if (admission.reason === 'SOLD_OUT') soldOut?.mark(admission.productId, lines.find((line) => line.productId === admission.productId)!.quantity);
  throw outOfStock(admission, lines);
}

const outOfStock = (...args: Parameters<typeof outOfStockAnswer>): Problem => Problem.from(outOfStockAnswer(...args));

/**
 * Stored only once the order is known to be this request's (a reused key with another address stops at the check
 * above), and before the answer, so every notification, which follows a later payment, cancel or expiry, finds it.
 * A replayed request stores it again, which mends a crash between placing and storing.
 */
async function rememberEmail(orm: MikroORM, order: OrderView, email: string | undefined): Promise<void> {
  if (email !== undefined && order.status !== 'REJECTED') await saveOrderEmail(orm, order.id, email);
}

/** Runs `step` the first time only; later calls get the first call's promise. */
function once(step: () => Promise<void>): () => Promise<void> {
  let started: Promise<void> | undefined;
  return () => (started ??= step());
}

function assertSameRequest(order: OrderView, requestHash: string): void {
  if (order.requestHash !== requestHash) {
    throw new Problem('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different order', {
      field: 'header.Idempotency-Key',
      orderId: order.id,
    });
  }
}

/** A reservation refused by the workflow is answered like the gate's refusal, naming the order it was recorded as. */
function answerPlacement(res: Response, order: OrderView): void {
  if (order.status === 'REJECTED') throw outOfStock({ reason: 'REJECTED', order }, order.items);
  sendOrder(res, 201, order);
}
