import type { Response } from 'express';
import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import { getProducts } from '../db/catalogue';
import { saveOrderEmail } from '../db/order-contact';
import { getOrderRecord } from '../db/order-queries';
import type { Inventory } from '../inventory/inventory';
import type { SoldOutFlags } from '../inventory/sold-out-flags';
import type { LimitsConfig } from '../config/limits';
import type { OrderClient } from '../temporal/order-client';
import { TemporalDeadlineError } from '../temporal/order-errors';
import { COUPON_NOT_REDEEMED, type OrderView } from '../workflows/order-types';
import { callerOf } from './auth/middleware';
import { presentOrder } from './auth/order-access';
import type { Caller } from './auth/roles';
import { holdBuyerCaps } from './limits/caps';
import { couponForOrder } from './coupon-at-checkout';
import { buildOrderInput, type BuyerOrder } from './order-placement';
import { enterDrop, type DropGateDeps } from './drop-gate';
import { Problem } from './problem';
import { outOfStockAnswer } from './out-of-stock';
import type { NewOrder } from './validation';

export interface PlacementDeps {
  orm: MikroORM;
  inventory: Inventory;
  orders: OrderClient;
  /** The hold every reservation gets: configuration (RESERVATION_TTL), never the client's choice. */
  holdMs: number;
  limits: LimitsConfig;
  /** Products this process saw sold out, refused without a Redis round trip (absent: every request asks Redis). */
  soldOut?: SoldOutFlags;
  /** Where the per-buyer placement lock lives. */
  redis: Redis;
  /** A drop's start and waiting room (api/drop-gate.ts); absent: products have neither. */
  dropGate?: DropGateDeps;
}

export interface PlacementRequest {
  orderId: string;
  order: BuyerOrder;
  requestHash: string;
  /** The order id names this request again when repeated (an Idempotency-Key, a cart's version): look for it first. */
  repeatable: boolean;
  /** The Queue-Ticket header: the admission an order for a queued drop uses. */
  queueTicket?: string;
}

/**
 * What placing came to: the order as decided (`replayed` when an earlier request had already placed it), or, when
 * Temporal did not answer in time but the order's workflow exists, still deciding.
 */
export type Placement = { decided: OrderView; replayed: boolean } | { pendingFor: string };

/**
 * Places one order: the path every order takes (POST /orders, a cart's checkout). An order id met again joins the
 * order it names; otherwise the admission gate, the buyer's caps, catalogue prices, and the order's workflow
 * (Update-with-Start: racing requests with one order id make one workflow).
 */
export async function placeOrder(deps: PlacementDeps, { orderId, order, requestHash, repeatable, queueTicket }: PlacementRequest, res: Response): Promise<Placement> {
  const { orm, inventory, soldOut, dropGate } = deps;
  let placedBefore = false;
  if (repeatable) {
    const earlier = await getOrderRecord(orm, orderId);
    if (earlier) assertSameRequest(earlier, requestHash);
    if (earlier && earlier.status !== 'PENDING') {
      await rememberEmail(orm, earlier, order.email);
      return { decided: earlier, replayed: true };
    }
    // PENDING: the first request's workflow is deciding and may already hold the last units, so the gate would
    // call them sold out; that workflow answers this retry too.
    placedBefore = earlier !== null;
  }

  // A drop's start and waiting room first (cached settings, no MySQL read a request); its admission is used once.
  const endDropAdmission = !placedBefore && dropGate ? await enterDrop(dropGate, order, queueTicket, orderId) : undefined;
  let answeredForGood = false;
  try {
    // Sold-out answers come from Redis alone: admission is decided before anything else is read.
    if (!placedBefore) await admitOrRefuse(inventory, soldOut, orderId, order.items);
    const placement = await placeAdmitted(deps, { orderId, order, requestHash }, placedBefore, res);
    answeredForGood = !('pendingFor' in placement);
    return placement;
  } catch (error) {
    answeredForGood = !isRetryable(error);
    throw error;
  } finally {
    // The buyer stops counting among the admitted once the order has its units or is refused for good. An order still
    // deciding may yet reserve, and a retryable answer (429, 5xx) invites the same order again: either way the buyer
    // keeps their admission, and so their unit, until the order is answered or the admission lapses.
    if (answeredForGood) await endDropAdmission?.();
  }
}

/** An answer that asks the buyer to send the same order again: 429 (their other order is being placed) or 5xx. */
function isRetryable(error: unknown): boolean {
  return !(error instanceof Problem) || error.status === 429 || error.status >= 500;
}

async function placeAdmitted(deps: PlacementDeps, { orderId, order, requestHash }: Omit<PlacementRequest, 'repeatable'>, placedBefore: boolean, res: Response): Promise<Placement> {
  const { orm, redis, inventory, orders, holdMs, limits } = deps;
  // The claim ends with the request, whatever ends it: the workflow's answer, an error, or the buyer hanging up.
  const endClaim = once(() => inventory.answered(orderId, order.items.map((item) => item.productId)));
  res.once('close', () => void endClaim().catch(() => undefined));
  let placed: OrderView;
  let releaseCaps: (() => Promise<void>) | undefined;
  try {
    // A drop's per-buyer caps (a retry joining its own order in flight is not a new order).
    if (!placedBefore) releaseCaps = await holdBuyerCaps({ orm, redis, limits }, order.customerId, order.items);
    const products = await getProducts(orm, order.items.map((item) => item.productId));
    const { couponCode } = order;
    const applyCoupon = couponCode === undefined ? undefined : (priced: Parameters<typeof couponForOrder>[3]) => couponForOrder(orm, { orderId, customerId: order.customerId }, couponCode, priced);
    placed = await orders.place(await buildOrderInput(orderId, order, products, holdMs, requestHash, applyCoupon));
  } catch (error) {
    if (!(error instanceof TemporalDeadlineError)) throw error;
    return await undecided(deps, error, orderId, requestHash);
  } finally {
    await releaseCaps?.();
    await endClaim();
  }
  assertSameRequest(placed, requestHash);
  await rememberEmail(orm, placed, order.email);
  return { decided: placed, replayed: false };
}

/**
 * Answers a placement as POST /orders does: 201 with the order and its Location (Idempotent-Replayed: true on a
 * replay); a reservation the workflow refused as the gate's refusal, naming the order it was recorded as; 202 while
 * the order is still deciding.
 */
export function answerPlacement(res: Response, placement: Placement, customerId: string): void {
  if ('pendingFor' in placement) return sendPending(res, placement.pendingFor, customerId);
  const order = placement.decided;
  if (placement.replayed) res.set('Idempotent-Replayed', 'true');
  if (order.status === 'REJECTED' && order.failureReason?.startsWith(COUPON_NOT_REDEEMED)) {
    throw new Problem('COUPON_NOT_CLAIMED', `order ${order.id} was refused: ${order.failureReason}`, { field: 'body.couponCode', orderId: order.id });
  }
  if (order.status === 'REJECTED') throw outOfStock({ reason: 'REJECTED', order }, order.items);
  sendOrder(res, 201, order);
}

export const toOrderResponse = ({ requestHash: _requestHash, ...order }: OrderView, caller: Caller) => presentOrder(order, caller);

export function sendOrder(res: Response, status: number, order: OrderView): void {
  res.status(status).location(`/orders/${order.id}`).json(toOrderResponse(order, callerOf(res)));
}

/** An order that exists and is still deciding: 202, where to look, and when. */
export function sendPending(res: Response, orderId: string, customerId: string | undefined): void {
  res.status(202).location(`/orders/${orderId}`).set('Retry-After', '1').json({ id: orderId, customerId, status: 'PENDING' });
}

/**
 * Placement ran past the Temporal deadline. An order recorded meanwhile is answered as usual; one whose workflow
 * exists and still decides is answered 202 with its Location (a retry with the same order id joins it); otherwise
 * the deadline's 503 with Retry-After stands. Never a hang.
 */
async function undecided({ orm, orders }: PlacementDeps, deadline: TemporalDeadlineError, orderId: string, requestHash: string): Promise<Placement> {
  const recorded = await getOrderRecord(orm, orderId);
  if (recorded && recorded.status !== 'PENDING') {
    assertSameRequest(recorded, requestHash);
    return { decided: recorded, replayed: false };
  }
  const workflow = await orders.describe(orderId).catch(() => null);
  if (!workflow?.running) throw deadline;
  return { pendingFor: orderId };
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
