import { Router, type RequestHandler } from 'express';
import { allow } from './middleware';
import type { Access } from './roles';

export interface RoutePolicy {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** Who may call it (see Access). Ownership (a buyer's own orders and carts) is checked by the route. */
  roles: Access;
}

/**
 * Who may call what, in one table (the tests walk it as a route × role matrix). Buyers (customer) place, pay and
 * cancel their own orders, keep their own carts and claim coupons; admin keeps the catalogue and the coupons; operator reads and cancels any order. The catalogue's reads
 * are public (a visitor browses before signing in); /healthz and /readyz are open.
 */
export const ROUTE_POLICY: readonly RoutePolicy[] = [
  { method: 'GET', path: '/products', roles: 'public' },
  { method: 'GET', path: '/products/:id', roles: 'public' },
  { method: 'POST', path: '/products', roles: ['admin'] },
  { method: 'POST', path: '/products/:id/restock', roles: ['admin'] },
  { method: 'PUT', path: '/products/:id/sale', roles: ['admin'] },
  // A drop's waiting room: a buyer joins, polls and leaves with their own ticket (bound to their sub).
  { method: 'POST', path: '/products/:id/queue', roles: ['customer'] },
  { method: 'GET', path: '/products/:id/queue', roles: ['customer'] },
  { method: 'DELETE', path: '/products/:id/queue', roles: ['customer'] },
  { method: 'POST', path: '/orders', roles: ['customer'] },
  { method: 'GET', path: '/orders', roles: ['customer', 'operator'] },
  { method: 'GET', path: '/orders/:id', roles: ['customer', 'operator'] },
  { method: 'POST', path: '/orders/:id/payment', roles: ['customer'] },
  { method: 'POST', path: '/orders/:id/cancel', roles: ['customer', 'operator'] },
  // A buyer keeps their own carts (another's is 404, checked by the route); staff may read any cart. /carts/mine comes
  // before /carts/:id, which would take it.
  { method: 'POST', path: '/carts', roles: ['customer'] },
  { method: 'GET', path: '/carts/mine', roles: ['customer'] },
  { method: 'GET', path: '/carts/:id', roles: ['customer', 'operator', 'admin'] },
  { method: 'PUT', path: '/carts/:id/lines/:productId', roles: ['customer'] },
  { method: 'DELETE', path: '/carts/:id/lines/:productId', roles: ['customer'] },
  { method: 'POST', path: '/carts/:id/checkout', roles: ['customer'] },
  // After the sale: staff refund; the buyer asks to return, staff receive the parcel.
  { method: 'POST', path: '/orders/:id/refunds', roles: ['operator'] },
  { method: 'GET', path: '/orders/:id/refunds/:refundId', roles: ['customer', 'operator'] },
  { method: 'POST', path: '/orders/:id/returns', roles: ['customer'] },
  { method: 'POST', path: '/returns/:id/receive', roles: ['operator'] },
  // The operator console's figures are for staff; running the invariant check is the operator's.
  { method: 'GET', path: '/console/settings', roles: ['operator', 'admin'] },
  { method: 'GET', path: '/console/summary', roles: ['operator', 'admin'] },
  { method: 'POST', path: '/console/invariant-checks', roles: ['operator'] },
  { method: 'GET', path: '/console/invariant-checks/latest', roles: ['operator', 'admin'] },
  // Admins keep the coupons; staff read their counts; buyers claim them and list their own.
  { method: 'POST', path: '/coupons', roles: ['admin'] },
  { method: 'GET', path: '/coupons', roles: ['admin', 'operator'] },
  { method: 'GET', path: '/coupons/:code', roles: ['admin', 'operator'] },
  { method: 'POST', path: '/coupons/:code/disable', roles: ['admin'] },
  { method: 'POST', path: '/coupons/:code/claims', roles: ['customer'] },
  { method: 'GET', path: '/me/coupons', roles: ['customer'] },
  { method: 'POST', path: '/webhooks', roles: ['admin'] },
  { method: 'GET', path: '/webhooks', roles: ['admin'] },
  { method: 'GET', path: '/webhooks/:id', roles: ['admin'] },
  { method: 'DELETE', path: '/webhooks/:id', roles: ['admin'] },
  { method: 'POST', path: '/webhooks/:id/rotate-secret', roles: ['admin'] },
  { method: 'GET', path: '/webhooks/:id/deliveries', roles: ['admin'] },
];

/** Prefixes that are never open: a route added under them without a policy line still needs an authenticated caller. */
const PROTECTED_PREFIXES = ['/products', '/orders', '/returns', '/carts', '/console', '/webhooks', '/coupons', '/me'];

/**
 * One router per protected prefix, mounted at it, holding that prefix's policy lines and then the catch-all: a request
 * under another prefix passes all of them in one check instead of testing each line (the hot routes, POST /orders and
 * GET /products/:id, pay for a handful of lines, not every line of the table).
 */
export function policyRouter(): Router {
  const stray = ROUTE_POLICY.filter((line) => !PROTECTED_PREFIXES.some((prefix) => isUnder(line.path, prefix)));
  if (stray.length > 0) throw new Error(`policy lines outside every protected prefix: ${stray.map((line) => line.path).join(', ')}`);
  const router = Router();
  for (const prefix of PROTECTED_PREFIXES) {
    const under = Router();
    for (const { method, path, roles } of ROUTE_POLICY.filter((line) => isUnder(line.path, prefix))) {
      const relative = path.slice(prefix.length) || '/';
      // A caller its line lets through skips the catch-all below (which would refuse a public route's visitor).
      const handlers = [allow(roles), leavePolicy];
      if (method === 'GET') under.get(relative, ...handlers);
      else if (method === 'DELETE') under.delete(relative, ...handlers);
      else if (method === 'PUT') under.put(relative, ...handlers);
      else under.post(relative, ...handlers);
    }
    under.use(allow('any'));
    router.use(prefix, under);
  }
  return router;
}

const leavePolicy: RequestHandler = (_req, _res, next) => next('router');

const isUnder = (path: string, prefix: string): boolean => path === prefix || path.startsWith(`${prefix}/`);
