import type { RequestHandler } from 'express';
import type { SoldOutFlags } from '../inventory/sold-out-flags';
import { permits } from './auth/middleware';
import { ROUTE_POLICY } from './auth/policy';
import type { Caller } from './auth/roles';
import { sendProblem } from './errors';
import { outOfStockAnswer } from './out-of-stock';
import { newOrderSchema } from './validation';

/**
 * POST /orders for a product this process already knows is sold out, answered 409 OUT_OF_STOCK before anything else
 * runs: during a drop nearly every request is one, and this makes it cost little more than a health check.
 *
 * It runs right after authentication, and answers only a caller the route policy lets place orders (ROUTE_POLICY's
 * line for POST /orders): anyone else goes on to the policy and gets its 401 or 403 as before. It comes before the
 * other routers (each would only pass the request on) and before the rate limiter: the refusal reads one in-process
 * flag and touches neither Redis nor MySQL, so there is nothing to protect, and a buyer told "sold out" keeps their
 * whole budget for when units come back. It answers only a request the route would answer the same way: a valid
 * order, for the caller's own customer id, without an Idempotency-Key (a retry of an earlier order must get that
 * order, which only the route can look up). Everything else goes on unchanged. The answer is written directly,
 * without allocating an Error, since this refusal is expected, not exceptional.
 */
export function refuseSoldOutEarly(soldOut: SoldOutFlags): RequestHandler {
  const mayPlace = ROUTE_POLICY.find((policy) => policy.method === 'POST' && policy.path === '/orders')!.roles;
  return (req, res, next) => {
    const caller = res.locals.caller as Caller | undefined;
    if (caller === undefined || !permits(caller, mayPlace) || req.get('Idempotency-Key') !== undefined) return next();
    const parsed = newOrderSchema.safeParse(req.body);
    if (!parsed.success) return next();
    const order = parsed.data;
    if (order.customerId !== undefined && order.customerId !== caller.sub) return next();
    const flagged = soldOut.firstSoldOut(order.items);
    if (!flagged) return next();
    sendProblem(req, res, outOfStockAnswer({ productId: flagged.productId, reason: 'SOLD_OUT' }, order.items));
  };
}
