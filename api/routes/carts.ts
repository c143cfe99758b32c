import { Router, type Response } from 'express';
import { getProducts } from '../../db/catalogue';
import { getCart, latestCartOf, markCheckedOut, markCheckoutRefused, openCartFor, reopenCart, setCartLine, type Cart, type CartLine } from '../../db/carts';
import { getOrderRecord } from '../../db/order-queries';
import type { OrderStatus } from '../../workflows/order-types';
import type { ApiMetrics } from '../../telemetry/api-metrics';
import { MAX_LINES_PER_ORDER, MAX_ORDER_TOTAL_CENTS } from '../../config/bounds';
import { callerOf } from '../auth/middleware';
import type { Caller } from '../auth/roles';
import { oneCartChangeAtATime } from '../cart-lock';
import { presentCart } from '../cart-view';
import { idempotencyKeyOf } from '../idempotency-key';
import { cartOrderIdFor } from '../order-ids';
import { requestHashOf } from '../order-placement';
import { answerPlacement, placeOrder, type PlacementDeps } from '../place-order';
import { queueTicketOf } from '../queue-ticket';
import { Problem } from '../problem';
import { cartIdSchema, cartLineSchema, checkoutSchema, parse, productIdSchema } from '../validation';

export interface CartsRouterDeps extends PlacementDeps {
  /** Keys the order ids derived from a cart's version (see order-ids.ts). */
  orderIdSecret: string;
  metrics?: ApiMetrics;
}

/** An order that ended in one of these sold nothing: its cart opens again (at a new version) when next used. */
const NO_SALE: readonly OrderStatus[] = ['REJECTED', 'CANCELLED', 'EXPIRED', 'FAILED'];

/**
 * Carts: a buyer's lines to order later, reserving nothing until checkout. Each buyer sees only their own carts
 * (another's answers 404, as orders do); staff (operator, admin) may read any.
 */
export function cartsRouter(deps: CartsRouterDeps): Router {
  const { orm, inventory, orderIdSecret, metrics } = deps;
  const router = Router();

  const send = async (res: Response, status: number, cart: Cart) => {
    res.status(status).location(`/carts/${cart.id}`).json(await presentCart(orm, inventory, cart));
  };

  /** The cart as the caller may see it, its checkout settled (see settled): 404 when it is not theirs to see. */
  async function cartFor(caller: Caller, cartIdText: unknown, access: 'read' | 'change'): Promise<Cart> {
    const cartId = parse(cartIdSchema, cartIdText, 'path', 'id');
    const cart = await getCart(orm, cartId);
    const staffReads = access === 'read' && (caller.roles.includes('operator') || caller.roles.includes('admin'));
    if (!cart || (cart.customerId !== caller.sub && !staffReads)) throw new Problem('CART_NOT_FOUND', `cart ${cartId} does not exist`, { field: 'path.id' });
    return settled(cart);
  }

  /** A CHECKED_OUT cart whose order ended without a sale opens again at a new version: its next checkout is a new order. */
  async function settled(cart: Cart): Promise<Cart> {
    if (cart.status !== 'CHECKED_OUT') return cart;
    const order = await getOrderRecord(orm, cart.orderId!);
    if (!order || !NO_SALE.includes(order.status)) return cart;
    return (await reopenCart(orm, cart.id, cart.version)) ?? cart;
  }

  /** The bounds of an order, held by every change: lines, units per line (the schema), the total at today's prices. */
  async function withinOrderBounds(lines: CartLine[], changed: number): Promise<void> {
    if (lines.length > MAX_LINES_PER_ORDER) {
      throw new Problem('VALIDATION_FAILED', `path.productId would be line ${lines.length}; a cart holds at most ${MAX_LINES_PER_ORDER} products, as an order does`, { field: 'path.productId' });
    }
    const products = await getProducts(orm, lines.map((line) => line.productId));
    if (!products.some((product) => product.id === changed) && lines.some((line) => line.productId === changed)) {
      throw new Problem('PRODUCT_NOT_FOUND', `product ${changed} does not exist`, { field: 'path.productId' });
    }
    const prices = new Map(products.map((product) => [product.id, product.priceCents]));
    const totalCents = lines.reduce((sum, line) => sum + line.quantity * (prices.get(line.productId) ?? 0), 0);
    if (totalCents > MAX_ORDER_TOTAL_CENTS) {
      throw new Problem('ORDER_TOTAL_OUT_OF_RANGE', `the cart would total ${totalCents} cents at catalogue prices; an order takes at most ${MAX_ORDER_TOTAL_CENTS}`, {
        field: 'body.quantity',
        totalCents,
        maxTotalCents: MAX_ORDER_TOTAL_CENTS,
      });
    }
  }

  async function changeLine(res: Response, cartIdText: unknown, line: CartLine): Promise<void> {
    const cart = await cartFor(callerOf(res), cartIdText, 'change');
    const changed = await oneCartChangeAtATime(deps.redis, cart.id, () => setCartLine(orm, cart.id, line, (lines) => withinOrderBounds(lines, line.productId)));
    await send(res, 200, changed);
  }

  router.post('/', async (_req, res) => {
    // One open cart per buyer: a second POST answers the open one (200), a first makes it (201).
    const { cart, created } = await openCartFor(orm, callerOf(res).sub);
    if (created) metrics?.cartsCreated.inc();
    await send(res, created ? 201 : 200, cart);
  });

  router.get('/mine', async (_req, res) => {
    const caller = callerOf(res);
    const latest = await latestCartOf(orm, caller.sub);
    if (!latest) throw new Problem('CART_NOT_FOUND', 'you have no cart yet: POST /carts makes one', { field: 'header.Authorization' });
    await send(res, 200, await settled(latest));
  });

  router.get('/:id', async (req, res) => {
    await send(res, 200, await cartFor(callerOf(res), req.params.id, 'read'));
  });

  router.put('/:id/lines/:productId', async (req, res) => {
    const productId = parse(productIdSchema, req.params.productId, 'path', 'productId');
    const { quantity } = parse(cartLineSchema, req.body, 'body');
    await changeLine(res, req.params.id, { productId, quantity });
  });

  router.delete('/:id/lines/:productId', async (req, res) => {
    const productId = parse(productIdSchema, req.params.productId, 'path', 'productId');
    await changeLine(res, req.params.id, { productId, quantity: 0 });
  });

  /**
   * Places the cart's lines as one order, through the same placement as POST /orders. The order id is derived from
   * the cart and its version, so every checkout of one version names one order: the first places it, the others
   * (waiting their turn, see cart-lock.ts) answer it again with Idempotent-Replayed: true.
   */
  router.post('/:id/checkout', async (req, res) => {
    idempotencyKeyOf(req); // accepted and checked; the cart's version already names the order
    const { expectedVersion, couponCode } = parse(checkoutSchema, req.body ?? {}, 'body');
    const caller = callerOf(res);
    const { id } = await cartFor(caller, req.params.id, 'change');
    try {
      await oneCartChangeAtATime(deps.redis, id, async () => {
        const cart = await settled((await getCart(orm, id))!);
        if (expectedVersion !== undefined && expectedVersion !== cart.version) {
          throw new Problem('CART_CHANGED', `the cart is at version ${cart.version}, not ${expectedVersion}`, { field: 'body.expectedVersion', currentVersion: cart.version });
        }
        if (cart.lines.length === 0) throw new Problem('CART_EMPTY', 'the cart has no lines to check out', { field: 'path.id' });
        const orderId = cartOrderIdFor(cart.id, cart.version, orderIdSecret);
        const order = {
          items: cart.lines,
          customerId: caller.sub,
          ...(caller.email !== undefined ? { email: caller.email } : {}),
          ...(couponCode !== undefined ? { couponCode } : {}),
        };
        const placement = await placeOrder(deps, { orderId, order, requestHash: requestHashOf(order), repeatable: true, queueTicket: queueTicketOf(req) }, res);
        let replayed = 'decided' in placement && placement.replayed;
        if ('decided' in placement && placement.decided.status === 'REJECTED') await markCheckoutRefused(orm, cart.id, cart.version, orderId);
        else if (!(await markCheckedOut(orm, cart.id, cart.version, orderId)) && cart.status === 'CHECKED_OUT') replayed = true;
        if (replayed && 'decided' in placement) placement.replayed = true;
        metrics?.cartCheckouts.inc({ outcome: replayed ? 'replayed' : 'placed' });
        answerPlacement(res, placement, caller.sub);
      });
    } catch (error) {
      metrics?.cartCheckouts.inc({ outcome: 'refused' });
      throw error;
    }
  });

  return router;
}
