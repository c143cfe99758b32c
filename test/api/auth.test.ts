/**
 * Who may do what, end to end: every route of the policy table against every kind of caller (anonymous, the buyer
 * who owns the order, another buyer, admin, operator); tokens that must not pass; buyers' orders kept apart, including
 * their Idempotency-Keys.
 */
import { createHash, randomUUID } from 'node:crypto';
import { ROUTE_POLICY } from '../../api/auth/policy';
import { ADMIN, buyer, customToken, OPERATOR, TEST_AUTH_SECRET, type As } from '../support/auth';
import { serveAppOn, type ServedApp } from '../support/app-on-service';
import { serviceForThisFile } from './service-per-file';
import { call, expectProblem, unique } from './http';

const stack = serviceForThisFile({ holdMs: 60_000 });
let productId: number;

beforeAll(async () => {
  const product = await stack.api.post('/products', { sku: unique('auth-sku'), name: 'Auth test product', priceCents: 500, stock: 1_000 }, { as: ADMIN });
  expect(product.status).toBe(201);
  productId = product.body.id;
}, 120_000);

type Who = 'anonymous' | 'owner' | 'other buyer' | 'admin' | 'operator';
const WHO: Who[] = ['anonymous', 'owner', 'other buyer', 'admin', 'operator'];

/** A fresh RESERVED order of a fresh buyer, for routes that change it. */
async function orderOfNewBuyer(): Promise<{ orderId: string; owner: string }> {
  const owner = unique('cus-auth');
  const placed = await stack.api.post('/orders', { items: [{ productId, quantity: 1 }] }, { as: buyer(owner) });
  expect(placed.status).toBe(201);
  return { orderId: placed.body.id, owner };
}

function caller(who: Who, owner: string): As | 'anonymous' {
  switch (who) {
    case 'anonymous':
      return 'anonymous';
    case 'owner':
      return buyer(owner);
    case 'other buyer':
      return buyer(unique('cus-other'));
    case 'admin':
      return ADMIN;
    case 'operator':
      return OPERATOR;
  }
}

/** The matrix: what each route answers each caller. 404 for another buyer's order: its existence does not leak. */
const EXPECTED: Record<string, Record<Who, number>> = {
  'GET /products': { anonymous: 200, owner: 200, 'other buyer': 200, admin: 200, operator: 200 },
  'GET /products/:id': { anonymous: 200, owner: 200, 'other buyer': 200, admin: 200, operator: 200 },
  'POST /products': { anonymous: 401, owner: 403, 'other buyer': 403, admin: 201, operator: 403 },
  'POST /products/:id/restock': { anonymous: 401, owner: 403, 'other buyer': 403, admin: 200, operator: 403 },
  'PUT /products/:id/sale': { anonymous: 401, owner: 403, 'other buyer': 403, admin: 200, operator: 403 },
  // The matrix's product has no waiting room: a buyer is let through to be told so.
  'POST /products/:id/queue': { anonymous: 401, owner: 404, 'other buyer': 404, admin: 403, operator: 403 },
  'GET /products/:id/queue': { anonymous: 401, owner: 404, 'other buyer': 404, admin: 403, operator: 403 },
  'DELETE /products/:id/queue': { anonymous: 401, owner: 404, 'other buyer': 404, admin: 403, operator: 403 },
  'POST /orders': { anonymous: 401, owner: 201, 'other buyer': 201, admin: 403, operator: 403 },
  'GET /orders': { anonymous: 401, owner: 200, 'other buyer': 200, admin: 403, operator: 200 },
  'GET /orders/:id': { anonymous: 401, owner: 200, 'other buyer': 404, admin: 403, operator: 200 },
  'POST /orders/:id/payment': { anonymous: 401, owner: 200, 'other buyer': 404, admin: 403, operator: 403 },
  'POST /orders/:id/cancel': { anonymous: 401, owner: 200, 'other buyer': 404, admin: 403, operator: 200 },
  'POST /carts': { anonymous: 401, owner: 201, 'other buyer': 201, admin: 403, operator: 403 },
  'GET /carts/mine': { anonymous: 401, owner: 200, 'other buyer': 404, admin: 403, operator: 403 },
  'GET /carts/:id': { anonymous: 401, owner: 200, 'other buyer': 404, admin: 200, operator: 200 },
  'PUT /carts/:id/lines/:productId': { anonymous: 401, owner: 200, 'other buyer': 404, admin: 403, operator: 403 },
  'DELETE /carts/:id/lines/:productId': { anonymous: 401, owner: 200, 'other buyer': 404, admin: 403, operator: 403 },
  'POST /carts/:id/checkout': { anonymous: 401, owner: 201, 'other buyer': 404, admin: 403, operator: 403 },
  // The matrix's order is RESERVED: staff may ask for a refund, and are told it cannot be refunded (yet).
  'POST /orders/:id/refunds': { anonymous: 401, owner: 403, 'other buyer': 403, admin: 403, operator: 409 },
  'GET /orders/:id/refunds/:refundId': { anonymous: 401, owner: 404, 'other buyer': 404, admin: 403, operator: 404 },
  'POST /orders/:id/returns': { anonymous: 401, owner: 409, 'other buyer': 404, admin: 403, operator: 403 },
  'POST /returns/:id/receive': { anonymous: 401, owner: 403, 'other buyer': 403, admin: 403, operator: 404 },
  'GET /console/settings': { anonymous: 401, owner: 403, 'other buyer': 403, admin: 200, operator: 200 },
  'GET /console/summary': { anonymous: 401, owner: 403, 'other buyer': 403, admin: 200, operator: 200 },
  'POST /console/invariant-checks': { anonymous: 401, owner: 403, 'other buyer': 403, admin: 403, operator: 200 },
  'GET /console/invariant-checks/latest': { anonymous: 401, owner: 403, 'other buyer': 403, admin: 200, operator: 200 },
  'POST /coupons': { anonymous: 401, owner: 403, 'other buyer': 403, admin: 201, operator: 403 },
  'GET /coupons': { anonymous: 401, owner: 403, 'other buyer': 403, admin: 200, operator: 200 },
  'GET /coupons/:code': { anonymous: 401, owner: 403, 'other buyer': 403, admin: 200, operator: 200 },
  'POST /coupons/:code/disable': { anonymous: 401, owner: 403, 'other buyer': 403, admin: 200, operator: 403 },
  'POST /coupons/:code/claims': { anonymous: 401, owner: 201, 'other buyer': 201, admin: 403, operator: 403 },
  'GET /me/coupons': { anonymous: 401, owner: 200, 'other buyer': 200, admin: 403, operator: 403 },
  'POST /webhooks': { anonymous: 401, owner: 403, 'other buyer': 403, admin: 201, operator: 403 },
  'GET /webhooks': { anonymous: 401, owner: 403, 'other buyer': 403, admin: 200, operator: 403 },
  'GET /webhooks/:id': { anonymous: 401, owner: 403, 'other buyer': 403, admin: 200, operator: 403 },
  'DELETE /webhooks/:id': { anonymous: 401, owner: 403, 'other buyer': 403, admin: 204, operator: 403 },
  'POST /webhooks/:id/rotate-secret': { anonymous: 401, owner: 403, 'other buyer': 403, admin: 200, operator: 403 },
  'GET /webhooks/:id/deliveries': { anonymous: 401, owner: 403, 'other buyer': 403, admin: 200, operator: 403 },
};

/** A public address literal (no DNS needed, and nothing is ever delivered: this service emits no events). */
const MATRIX_WEBHOOK = { url: 'http://93.184.215.14/hooks', events: ['order.confirmed'] };

/** A fresh endpoint for each case on /webhooks/:id, so a deletion in one case leaves the others theirs. */
async function webhookIdFor(route: string): Promise<string> {
  if (!route.includes('/webhooks/:id')) return '';
  const registered = await call(stack.service.baseUrl, 'POST', '/webhooks', { json: MATRIX_WEBHOOK, as: ADMIN });
  expect(registered.status).toBe(201);
  return registered.body.id;
}

/** A 404 the caller may see for what it asked, rather than for the order (which it may see). */
const NOT_FOUND_CODES: Record<string, Partial<Record<Who, string>>> = {
  'GET /orders/:id/refunds/:refundId': { owner: 'REFUND_NOT_FOUND', operator: 'REFUND_NOT_FOUND' },
  'POST /returns/:id/receive': { operator: 'RETURN_NOT_FOUND' },
  'POST /products/:id/queue': { owner: 'QUEUE_NOT_FOUND', 'other buyer': 'QUEUE_NOT_FOUND' },
  'GET /products/:id/queue': { owner: 'QUEUE_NOT_FOUND', 'other buyer': 'QUEUE_NOT_FOUND' },
  'DELETE /products/:id/queue': { owner: 'QUEUE_NOT_FOUND', 'other buyer': 'QUEUE_NOT_FOUND' },
};

/** The owner's cart holding one line, for the routes of one cart and for /carts/mine (none for POST /carts). */
async function cartIdFor(route: string, owner: string): Promise<string> {
  if (!route.includes('/carts/')) return '';
  const cart = await stack.api.call('POST', '/carts', { as: buyer(owner) });
  expect((await stack.api.call('PUT', `/carts/${cart.body.id}/lines/${productId}`, { as: buyer(owner), json: { quantity: 1 } })).status).toBe(200);
  return cart.body.id;
}

const matrixCoupon = () => ({ code: unique('AUTH').toUpperCase().replace(/[^A-Z0-9_-]/g, '-').slice(0, 32), name: 'Matrix coupon', percentOff: 10, quantity: 10 });

/** A fresh coupon for each case on /coupons/:code, so a disabling in one case leaves the others theirs. */
async function couponCodeFor(route: string): Promise<string> {
  if (!route.includes('/coupons/:code')) return '';
  const created = await call(stack.service.baseUrl, 'POST', '/coupons', { json: matrixCoupon(), as: ADMIN });
  expect(created.status).toBe(201);
  return created.body.code;
}

function request(route: string, orderId: string, webhookId: string, cartId: string, couponCode: string): { method: string; path: string; json?: unknown } {
  const [method, template] = route.split(' ');
  const idOf = (prefix: string) => ({ '/orders': orderId, '/webhooks': webhookId, '/carts': cartId, '/returns': 'ret_matrix' })[prefix] ?? String(productId);
  const path = template
    .replace(':code', couponCode)
    .replace(':id', idOf(`/${template.split('/')[1]}`))
    .replace(':productId', String(productId))
    .replace(':refundId', 'rf_matrix');
  const bodies: Record<string, unknown> = {
    'POST /products': { sku: unique('auth-sku'), name: 'Matrix product', priceCents: 100, stock: 5 },
    'POST /products/:id/restock': { quantity: 1 },
    'PUT /products/:id/sale': { saleStartsAt: null, queue: null },
    'POST /orders': { items: [{ productId, quantity: 1 }] },
    'POST /orders/:id/payment': { paymentToken: 'tok_visa' },
    'POST /orders/:id/refunds': { amountCents: 100, reason: 'matrix', expectedRefundedCents: 0 },
    'POST /orders/:id/returns': { lines: [{ productId, quantity: 1 }] },
    'POST /returns/:id/receive': { lines: [{ productId, quantity: 1, condition: 'SELLABLE' }] },
    'POST /console/invariant-checks': {},
    'POST /webhooks': MATRIX_WEBHOOK,
    'PUT /carts/:id/lines/:productId': { quantity: 2 },
    'POST /coupons': matrixCoupon(),
  };
  return { method, path, json: bodies[route] };
}

describe('route × role matrix', () => {
  test('the matrix covers every route of the policy table', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(ROUTE_POLICY.map(({ method, path }) => `${method} ${path}`).sort());
  });

  const cases = Object.keys(EXPECTED).flatMap((route) => WHO.map((who) => [route, who, EXPECTED[route][who]] as const));
  test.each(cases)('%s as %s answers %i', async (route, who, status) => {
    const { orderId, owner } = await orderOfNewBuyer();
    const { method, path, json } = request(route, orderId, await webhookIdFor(route), await cartIdFor(route, owner), await couponCodeFor(route));
    const idempotencyKey = route === 'POST /orders/:id/refunds' ? randomUUID() : undefined;
    const answer = await call(stack.service.baseUrl, method, path, { json, as: caller(who, owner), idempotencyKey });
    if (status >= 400) {
      expectProblem(answer, status);
      if (status === 401) expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="order-saga"');
      if (status === 404) expect(answer.body.code).toBe(NOT_FOUND_CODES[route]?.[who] ?? (route.includes('/carts') ? 'CART_NOT_FOUND' : 'ORDER_NOT_FOUND'));
    } else {
      expect({ status: answer.status, body: answer.body }).toEqual({ status, body: expect.anything() });
    }
  });

  test('/healthz and /readyz stay open', async () => {
    expect((await stack.api.get('/healthz', { as: 'anonymous' })).status).toBe(200);
    expect((await stack.api.get('/readyz', { as: 'anonymous' })).status).toBe(200);
  });

  test('a buyer lists only their own orders; staff list anyone and filter by customer', async () => {
    const mine = await orderOfNewBuyer();
    const theirs = await orderOfNewBuyer();
    const listed = await stack.api.get('/orders?limit=100', { as: buyer(mine.owner) });
    expect(listed.body.data.map((order: { id: string }) => order.id)).toEqual([mine.orderId]);
    expectProblem(await stack.api.get(`/orders?customerId=${theirs.owner}`, { as: buyer(mine.owner) }), 403, 'FORBIDDEN');
    const filtered = await stack.api.get(`/orders?customerId=${theirs.owner}`, { as: OPERATOR });
    expect(filtered.body.data.map((order: { id: string }) => order.id)).toEqual([theirs.orderId]);
  });
});

describe('POST /orders takes the customer from the token', () => {
  test('the order belongs to the token sub; a body naming another customer is refused with 403 CUSTOMER_MISMATCH', async () => {
    const me = unique('cus-me');
    const placed = await stack.api.post('/orders', { customerId: me, items: [{ productId, quantity: 1 }] }, { as: buyer(me) });
    expect(placed.body.customerId).toBe(me);
    const refused = await stack.api.post('/orders', { customerId: unique('cus-victim'), items: [{ productId, quantity: 1 }] }, { as: buyer(me) });
    expectProblem(refused, 403, 'CUSTOMER_MISMATCH');
    expect(refused.body.field).toBe('body.customerId');
  });
});

describe('Idempotency-Keys are scoped to their caller', () => {
  test('two buyers using the same key get two orders, and neither answer names the other order', async () => {
    const key = unique('shared-key');
    const [alice, bob] = [unique('cus-alice'), unique('cus-bob')];
    const first = await stack.api.post('/orders', { items: [{ productId, quantity: 1 }] }, { as: buyer(alice), idempotencyKey: key });
    // Bob reuses Alice's key with another body: no 422 and no trace of Alice's order, just his own new order.
    const second = await stack.api.post('/orders', { items: [{ productId, quantity: 2 }] }, { as: buyer(bob), idempotencyKey: key });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.id).not.toBe(first.body.id);
    expect(JSON.stringify(second.body)).not.toContain(first.body.id);
    // Alice's own retry still replays her order; her key with another body is refused naming only her order.
    const replay = await stack.api.post('/orders', { items: [{ productId, quantity: 1 }] }, { as: buyer(alice), idempotencyKey: key });
    expect(replay.body.id).toBe(first.body.id);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const reused = await stack.api.post('/orders', { items: [{ productId, quantity: 3 }] }, { as: buyer(alice), idempotencyKey: key });
    expectProblem(reused, 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(reused.body.orderId).toBe(first.body.id);
  });

  test('an order id cannot be computed from the key (it was ord_k + sha256(key))', async () => {
    const key = unique('guessable');
    const placed = await stack.api.post('/orders', { items: [{ productId, quantity: 1 }] }, { as: buyer(unique('cus-k')), idempotencyKey: key });
    const oldScheme = `ord_k${createHash('sha256').update(key).digest('base64url').slice(0, 40)}`;
    expect(placed.body.id).not.toBe(oldScheme);
    expect(placed.body.id).toMatch(/^ord_[A-Za-z0-9_-]{20,}$/);
  });
});

describe('tokens that do not pass', () => {
  const strict = { AUTH_JWT_SECRET: TEST_AUTH_SECRET, AUTH_ISSUER: 'https://issuer.example', AUTH_AUDIENCE: 'order-saga-api' };
  let strictApp: ServedApp;
  let strictUrl: string;

  beforeAll(async () => {
    strictApp = await serveAppOn(stack.service, { auth: strict });
    strictUrl = strictApp.url;
  });
  afterAll(() => strictApp.close());

  const good = { sub: 'cus-token', roles: ['customer' as const], issuer: strict.AUTH_ISSUER, audience: strict.AUTH_AUDIENCE };
  const listWith = (token: string) => call(strictUrl, 'GET', '/orders', { as: 'anonymous', headers: { authorization: `Bearer ${token}` } });

  test('a token with the right issuer and audience passes', async () => {
    expect((await listWith(await customToken(good))).status).toBe(200);
  });

  test.each([
    ['expired', () => customToken({ ...good, ttlSeconds: -120 }), 'the token has expired'],
    ['forged (signed with another secret)', () => customToken(good, 'another-secret-another-secret-0123456789'), 'the token signature is not valid'],
    ['of another issuer', () => customToken({ ...good, issuer: 'https://evil.example' }), "the token's iss claim is not accepted"],
    ['for another audience', () => customToken({ ...good, audience: 'another-api' }), "the token's aud claim is not accepted"],
    ['without issuer and audience', () => customToken({ sub: 'cus-token', roles: ['customer'] }), "the token's iss claim is not accepted"],
    ['not a JWT', async () => 'not-a-jwt', 'the token is malformed or cannot be verified'],
  ])('a token %s answers 401 with WWW-Authenticate invalid_token', async (_what, token, reason) => {
    const answer = await listWith(await token());
    expectProblem(answer, 401, 'UNAUTHENTICATED');
    expect(answer.body.detail).toBe(reason);
    expect(answer.headers.get('www-authenticate')).toBe(`Bearer realm="order-saga", error="invalid_token", error_description="${reason}"`);
  });

  test('an Authorization header that is not Bearer answers 401', async () => {
    const answer = await call(strictUrl, 'GET', '/orders', { as: 'anonymous', headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expectProblem(answer, 401, 'UNAUTHENTICATED');
  });

  test('a token whose roles claim names none of ours is authenticated but forbidden', async () => {
    const answer = await listWith(await customToken({ ...good, roles: ['superuser' as never] }));
    expectProblem(answer, 403, 'FORBIDDEN');
  });
});
