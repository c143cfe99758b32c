/**
 * Coupons through the REST API: admins register, read and disable them; buyers claim them first come, first served,
 * and list their own. Bad input is answered problem+json naming the field.
 */
import { couponBuyersKey, couponLeftKey } from '../../coupons/keys';
import { forkSql, run } from '../../db/sql';
import { ADMIN, buyer, OPERATOR } from '../support/auth';
import { expectProblem, unique } from './http';
import { serviceForThisFile } from './service-per-file';

const stack = serviceForThisFile({ holdMs: 60_000, metrics: true });

/** coupon_claims_total by outcome, summed over what decided them. */
async function claimsCounted(): Promise<Record<string, number>> {
  const counted: Record<string, number> = {};
  for (const { labels, value } of (await stack.service.metrics!.api.couponClaims.get()).values) counted[String(labels.outcome)] = (counted[String(labels.outcome)] ?? 0) + value;
  return counted;
}

const newCode = () => unique('C').toUpperCase().slice(0, 32);

async function couponOf(fields: Record<string, unknown> = {}) {
  const answer = await stack.api.post('/coupons', { code: newCode(), name: 'Drop coupon', percentOff: 10, quantity: 5, ...fields }, { as: ADMIN });
  expect(answer.status).toBe(201);
  return answer.body;
}

const claim = (code: string, customerId = unique('cus-coupon')) => stack.api.post(`/coupons/${code}/claims`, undefined, { as: buyer(customerId) });

describe('coupons kept by admins', () => {
  test('a new coupon answers its definition and counts, at its Location', async () => {
    const startsAt = '2026-01-01T00:00:00.000Z';
    const created = await stack.api.post(
      '/coupons',
      { code: newCode(), name: 'Five off', amountOffCents: 500, quantity: 3, perBuyer: 2, startsAt, minTotalCents: 1_000 },
      { as: ADMIN },
    );
    expect(created.status).toBe(201);
    expect(created.body).toEqual(
      expect.objectContaining({ name: 'Five off', percentOff: null, amountOffCents: 500, quantity: 3, perBuyer: 2, issued: 0, redeemed: 0, remaining: 3, startsAt, minTotalCents: 1_000, productIds: null, active: true }),
    );
    const read = await stack.api.get(created.headers.get('location')!, { as: OPERATOR });
    expect(read.body).toEqual(created.body);
    const listed = await stack.api.get('/coupons', { as: ADMIN });
    expect(listed.body.data).toContainEqual(created.body);
  });

  test('a code is taken once', async () => {
    const { code } = await couponOf();
    expectProblem(await stack.api.post('/coupons', { code, name: 'Again', percentOff: 5, quantity: 1 }, { as: ADMIN }), 409, 'COUPON_CODE_TAKEN');
  });

  test.each([
    [{ percentOff: 10, amountOffCents: 100 }, 'body.amountOffCents'],
    [{}, 'body.percentOff'],
    [{ percentOff: 101 }, 'body.percentOff'],
    [{ amountOffCents: 100_000_000 }, 'body.amountOffCents'],
    [{ percentOff: 10, quantity: 0 }, 'body.quantity'],
    [{ percentOff: 10, quantity: 2, perBuyer: 3 }, 'body.perBuyer'],
    [{ percentOff: 10, startsAt: '2026-02-01T00:00:00Z', endsAt: '2026-01-01T00:00:00Z' }, 'body.endsAt'],
    [{ percentOff: 10, endsAt: '0000-01-01T00:00:00Z' }, 'body.endsAt'],
    [{ percentOff: 10, minTotalCents: 0 }, 'body.minTotalCents'],
    [{ percentOff: 10, productIds: [1, 1] }, 'body.productIds'],
    [{ percentOff: 10, colour: 'red' }, 'body'],
  ])('%j is refused naming %s', async (fields, field) => {
    const answer = await stack.api.post('/coupons', { code: newCode(), name: 'Bad', quantity: 5, ...fields }, { as: ADMIN });
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe(field);
  });

  test('a code buyers could not type is refused, in the body and in the path', async () => {
    const answer = await stack.api.post('/coupons', { code: 'lower case', name: 'Bad', percentOff: 5, quantity: 1 }, { as: ADMIN });
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe('body.code');
    expect((await stack.api.get('/coupons/x', { as: ADMIN })).body.field).toBe('path.code');
  });

  test('a coupon for a product that does not exist is refused naming the product', async () => {
    const answer = await stack.api.post('/coupons', { code: newCode(), name: 'Ghost', percentOff: 5, quantity: 1, productIds: [2_000_000_000] }, { as: ADMIN });
    expectProblem(answer, 404, 'PRODUCT_NOT_FOUND');
    expect(answer.body.field).toBe('body.productIds.0');
  });

  test('an unknown code is 404', async () => {
    expectProblem(await stack.api.get(`/coupons/${newCode()}`, { as: ADMIN }), 404, 'COUPON_NOT_FOUND');
    expectProblem(await stack.api.post(`/coupons/${newCode()}/disable`, undefined, { as: ADMIN }), 404, 'COUPON_NOT_FOUND');
    expectProblem(await claim(newCode()), 404, 'COUPON_NOT_FOUND');
  });

  test('a disabled coupon issues no more', async () => {
    const { code } = await couponOf();
    const disabled = await stack.api.post(`/coupons/${code}/disable`, undefined, { as: ADMIN });
    expect(disabled.body).toEqual(expect.objectContaining({ active: false, disabledAt: expect.any(String) }));
    expectProblem(await claim(code), 409, 'COUPON_NOT_ACTIVE');
  });
});

describe('first-come claims', () => {
  test('a buyer claims a coupon and finds it under /me/coupons; the counts follow', async () => {
    const { code } = await couponOf({ quantity: 2 });
    const customerId = unique('cus-coupon');
    const claimed = await claim(code, customerId);
    expect(claimed.status).toBe(201);
    expect(claimed.body).toEqual(expect.objectContaining({ code, claimId: expect.stringMatching(/^clm_/), claimedAt: expect.any(String), percentOff: 10 }));
    const mine = await stack.api.get('/me/coupons', { as: buyer(customerId) });
    expect(mine.body.data).toEqual([claimed.body]);
    expect((await stack.api.get('/me/coupons', { as: buyer(unique('cus-coupon')) })).body.data).toEqual([]);
    expect((await stack.api.get(`/coupons/${code}`, { as: ADMIN })).body).toEqual(expect.objectContaining({ issued: 1, redeemed: 0, remaining: 1 }));
  });

  test('past perBuyer a buyer is refused COUPON_ALREADY_CLAIMED', async () => {
    const { code } = await couponOf({ quantity: 5, perBuyer: 2 });
    const customerId = unique('cus-coupon');
    expect((await claim(code, customerId)).status).toBe(201);
    expect((await claim(code, customerId)).status).toBe(201);
    expectProblem(await claim(code, customerId), 409, 'COUPON_ALREADY_CLAIMED');
  });

  test('outside its window a coupon is COUPON_NOT_ACTIVE', async () => {
    const later = await couponOf({ startsAt: new Date(Date.now() + 3_600_000).toISOString() });
    expectProblem(await claim(later.code), 409, 'COUPON_NOT_ACTIVE');
    const over = await couponOf({ startsAt: '2026-01-01T00:00:00Z', endsAt: new Date(Date.now() - 1_000).toISOString() });
    expectProblem(await claim(over.code), 409, 'COUPON_NOT_ACTIVE');
  });

  test('many buyers racing for a small coupon get exactly its quantity, every other one a 409', async () => {
    const { code } = await couponOf({ quantity: 7 });
    const before = await claimsCounted();
    const answers = await Promise.all(Array.from({ length: 60 }, () => claim(code)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(7);
    for (const refused of answers.filter((answer) => answer.status !== 201)) expectProblem(refused, 409, 'COUPONS_EXHAUSTED');
    expect((await stack.api.get(`/coupons/${code}`, { as: ADMIN })).body).toEqual(expect.objectContaining({ issued: 7, remaining: 0 }));
    const after = await claimsCounted();
    expect({ claimed: after.claimed - (before.claimed ?? 0), exhausted: after.exhausted - (before.exhausted ?? 0) }).toEqual({ claimed: 7, exhausted: 53 });
  });

  test('Redis losing the counts in the middle of a drop issues no more than the quantity, and the gate knows its buyers again', async () => {
    const { code, quantity } = await couponOf({ quantity: 10 });
    const early = Array.from({ length: 4 }, () => unique('cus-early'));
    for (const customerId of early) expect((await claim(code, customerId)).status).toBe(201);
    const couponId = await idOf(code);
    const racing = Array.from({ length: 40 }, () => claim(code));
    await stack.service.redis.del(couponLeftKey(couponId), couponBuyersKey(couponId)); // what a flush does to them
    const answers = await Promise.all([...racing, ...early.map((customerId) => claim(code, customerId))]);
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(quantity - early.length);
    for (const refused of answers.filter((answer) => answer.status !== 201)) expect(refused.status).toBe(409);
    expect((await stack.api.get(`/coupons/${code}`, { as: ADMIN })).body).toEqual(expect.objectContaining({ issued: quantity, remaining: 0 }));
  });
});

async function idOf(code: string): Promise<number> {
  const [row] = await stack.service.orm.em.getConnection().execute<Array<{ id: number }>>('SELECT id FROM coupon WHERE code = ?', [code], 'all');
  return Number(row.id);
}

describe('coupons at checkout', () => {
  async function productOf(priceCents = 2_000, stock = 10): Promise<number> {
    const answer = await stack.api.post('/products', { sku: unique('api-coupon'), name: 'Coupon product', priceCents, stock });
    expect(answer.status).toBe(201);
    return answer.body.id;
  }
  const available = async (productId: number) => (await stack.api.get(`/products/${productId}`)).body.available;
  const order = (customerId: string, productId: number, couponCode: string, quantity = 1) =>
    stack.api.post('/orders', { items: [{ productId, quantity }], couponCode }, { as: buyer(customerId) });

  async function claimedBy(fields: Record<string, unknown> = {}) {
    const coupon = await couponOf(fields);
    const customerId = unique('cus-checkout');
    expect((await claim(coupon.code, customerId)).status).toBe(201);
    return { code: coupon.code as string, customerId };
  }

  test('the order shows the coupon and its discount, is paid the discounted total, and uses the claim', async () => {
    const productId = await productOf(2_000);
    const { code, customerId } = await claimedBy({ percentOff: 25 });
    const placed = await order(customerId, productId, code, 2);
    expect(placed.status).toBe(201);
    expect(placed.body).toEqual(expect.objectContaining({ status: 'RESERVED', couponCode: code, discountCents: 1_000, totalCents: 3_000 }));
    expect((await stack.api.get('/me/coupons', { as: buyer(customerId) })).body.data).toEqual([]);
    expect((await stack.api.get(`/coupons/${code}`, { as: ADMIN })).body).toEqual(expect.objectContaining({ issued: 1, redeemed: 1 }));

    const paid = await stack.api.post(`/orders/${placed.body.id}/payment`, { paymentToken: 'tok_visa' }, { as: buyer(customerId) });
    expect(paid.body).toEqual(expect.objectContaining({ status: 'CONFIRMED', totalCents: 3_000, payment: expect.objectContaining({ amountCents: 3_000 }) }));
    const read = await stack.api.get(`/orders/${placed.body.id}`, { as: buyer(customerId) });
    expect(read.body).toEqual(expect.objectContaining({ couponCode: code, discountCents: 1_000, totalCents: 3_000 }));
  });

  test('a cancelled order gives the coupon back to its buyer', async () => {
    const productId = await productOf();
    const { code, customerId } = await claimedBy();
    const placed = await order(customerId, productId, code);
    expect((await stack.api.post(`/orders/${placed.body.id}/cancel`, undefined, { as: buyer(customerId) })).body.status).toBe('CANCELLED');
    expect((await stack.api.get('/me/coupons', { as: buyer(customerId) })).body.data.map((c: { code: string }) => c.code)).toEqual([code]);
    expect((await stack.api.get(`/coupons/${code}`, { as: ADMIN })).body).toEqual(expect.objectContaining({ issued: 1, redeemed: 0 }));
  });

  test('a discount never takes the total below 1 cent, the smallest payment', async () => {
    const productId = await productOf(500);
    const { code, customerId } = await claimedBy({ percentOff: undefined, amountOffCents: 10_000 });
    expect((await order(customerId, productId, code)).body).toEqual(expect.objectContaining({ discountCents: 499, totalCents: 1 }));
  });

  test.each([
    ['a coupon the buyer never claimed', async () => ({ code: (await couponOf()).code, customerId: unique('cus-checkout') }), 409, 'COUPON_NOT_CLAIMED'],
    ['an unknown code', async () => ({ code: newCode(), customerId: unique('cus-checkout') }), 404, 'COUPON_NOT_FOUND'],
    ['a product the coupon does not cover', async () => claimedBy({ productIds: [await productOf()] }), 422, 'COUPON_NOT_APPLICABLE'],
    ['an order below its minimum', async () => claimedBy({ minTotalCents: 5_000 }), 422, 'COUPON_NOT_APPLICABLE'],
    [
      'a disabled coupon',
      async () => {
        const claimed = await claimedBy();
        await stack.api.post(`/coupons/${claimed.code}/disable`, undefined, { as: ADMIN });
        return claimed;
      },
      409,
      'COUPON_NOT_ACTIVE',
    ],
  ])('%s is refused before any stock is held', async (_case, make, status, code) => {
    const productId = await productOf();
    const coupon = await make();
    const refused = await order(coupon.customerId, productId, coupon.code);
    expectProblem(refused, status, code);
    expect(refused.body.field).toBe('body.couponCode');
    expect(await available(productId)).toBe(10);
  });

  test("a cart's checkout applies a coupon as POST /orders does, and a refused coupon leaves the cart open", async () => {
    const productId = await productOf(1_000);
    const { code, customerId } = await claimedBy({ percentOff: 50 });
    const as = buyer(customerId);
    const cart = await stack.api.call('POST', '/carts', { as });
    expect((await stack.api.call('PUT', `/carts/${cart.body.id}/lines/${productId}`, { as, json: { quantity: 3 } })).status).toBe(200);
    expectProblem(await stack.api.post(`/carts/${cart.body.id}/checkout`, { couponCode: newCode() }, { as }), 404, 'COUPON_NOT_FOUND');
    const checkedOut = await stack.api.post(`/carts/${cart.body.id}/checkout`, { couponCode: code }, { as });
    expect(checkedOut.status).toBe(201);
    expect(checkedOut.body).toEqual(expect.objectContaining({ status: 'RESERVED', couponCode: code, discountCents: 1_500, totalCents: 1_500 }));
  });

  test('a keyed retry of an order whose workflow already took the claim joins that order, not refused the coupon', async () => {
    const productId = await productOf();
    const { code, customerId } = await claimedBy();
    const idempotencyKey = unique('coupon-retry');
    const placed = await stack.api.post('/orders', { items: [{ productId, quantity: 1 }], couponCode: code }, { as: buyer(customerId), idempotencyKey });
    expect(placed.status).toBe(201);
    // As MySQL stands while a first try's workflow has redeemed the claim but not yet recorded RESERVED (its answer lost).
    await run(forkSql(stack.service.orm), "UPDATE orders SET status = 'PENDING' WHERE id = ?", [placed.body.id]);
    const retried = await stack.api.post('/orders', { items: [{ productId, quantity: 1 }], couponCode: code }, { as: buyer(customerId), idempotencyKey });
    expect(retried.status).toBe(201);
    expect(retried.body).toEqual(expect.objectContaining({ id: placed.body.id, couponCode: code, status: 'RESERVED' }));
  });

  test('a claim already used by another order of the buyer is refused', async () => {
    const productId = await productOf();
    const { code, customerId } = await claimedBy();
    expect((await order(customerId, productId, code)).status).toBe(201);
    expectProblem(await order(customerId, productId, code), 409, 'COUPON_NOT_CLAIMED');
  });
});
