/**
 * A drop's start and its waiting room through the REST API (issue 26): no order before saleStartsAt; with a queue, no
 * order without the Queue-Ticket of a live admission, used once; the lottery before the start, first come after it;
 * admissions bounded by the units left, lapsing after ADMISSION_TTL; SOLD_OUT once nothing can come back.
 */
import { createHash } from 'node:crypto';
import { expectProblem, eventually, sleep, unique, type Answer } from './http';
import { serviceForThisFile } from './service-per-file';
import { buyer } from '../support/auth';
import { testQueueConfig } from '../support/service';
import { signTicket } from '../../queue/tickets';
import { forkSql, select } from '../../db/sql';

const ADMISSION_TTL_MS = 1_500;
// A cap on unpaid orders, as a drop would have: placements then run under the buyer's placement lock.
const stack = serviceForThisFile({ holdMs: 60_000, metrics: true, queue: { admissionTtlMs: ADMISSION_TTL_MS, pollMaxSeconds: 1 }, limits: { LIMIT_UNPAID_ORDERS: 10 } });

interface Drop {
  stock?: number;
  saleStartsAt?: Date | null;
  queue?: { admitPerSecond: number; maxAdmitted: number } | null;
}

async function productWith({ stock = 5, saleStartsAt = null, queue = null }: Drop): Promise<number> {
  const answer = await stack.api.post('/products', { sku: unique('queue'), name: 'Drop product', priceCents: 2_000, stock, saleStartsAt: saleStartsAt?.toISOString() ?? null, queue });
  expect(answer.status).toBe(201);
  return answer.body.id;
}

const QUEUE = { admitPerSecond: 100, maxAdmitted: 100 };
const order = (productId: number, sub: string, ticket?: string): Promise<Answer> =>
  stack.api.post('/orders', { items: [{ productId, quantity: 1 }] }, { as: buyer(sub), headers: ticket === undefined ? {} : { 'Queue-Ticket': ticket } });
const join = (productId: number, sub: string) => stack.api.post(`/products/${productId}/queue`, undefined, { as: buyer(sub) });
const poll = (productId: number, sub: string, ticket: string) => stack.api.get(`/products/${productId}/queue`, { as: buyer(sub), headers: { 'Queue-Ticket': ticket } });
const leave = (productId: number, sub: string, ticket: string) => stack.api.call('DELETE', `/products/${productId}/queue`, { as: buyer(sub), headers: { 'Queue-Ticket': ticket } });

/** Polls until the buyer's state is `state` (admission runs as buyers poll). */
const pollUntil = (productId: number, sub: string, ticket: string, state: string) =>
  eventually(async () => {
    const answer = await poll(productId, sub, ticket);
    expect(answer.status).toBe(200);
    expect(answer.body.state).toBe(state);
    return answer.body;
  });

describe('the start of a sale', () => {
  test('before saleStartsAt an order is 409 SALE_NOT_STARTED; moving the start (PUT /products/:id/sale) opens the sale', async () => {
    const startsAt = new Date(Date.now() + 3_600_000);
    const productId = await productWith({ saleStartsAt: startsAt });
    const product = await stack.api.get(`/products/${productId}`);
    expect(product.body).toMatchObject({ saleStartsAt: startsAt.toISOString(), queue: null });

    const early = await order(productId, unique('early'));
    expectProblem(early, 409, 'SALE_NOT_STARTED');
    expect(early.body).toMatchObject({ productId, saleStartsAt: startsAt.toISOString() });

    const moved = await stack.api.call('PUT', `/products/${productId}/sale`, { json: { saleStartsAt: new Date(Date.now() - 1_000).toISOString(), queue: null } });
    expect(moved.status).toBe(200);
    expect((await order(productId, unique('on-time'))).status).toBe(201);
  });

  test('a cart checkout before the start is refused the same way', async () => {
    const productId = await productWith({ saleStartsAt: new Date(Date.now() + 3_600_000) });
    const sub = unique('cart-early');
    const cart = await stack.api.post('/carts', undefined, { as: buyer(sub) });
    expect((await stack.api.call('PUT', `/carts/${cart.body.id}/lines/${productId}`, { as: buyer(sub), json: { quantity: 1 } })).status).toBe(200);
    expectProblem(await stack.api.post(`/carts/${cart.body.id}/checkout`, undefined, { as: buyer(sub) }), 409, 'SALE_NOT_STARTED');
  });

  test('a start that is not ISO 8601 with a zone is refused naming the field', async () => {
    const answer = await stack.api.post('/products', { sku: unique('queue'), name: 'Drop', priceCents: 2_000, stock: 1, saleStartsAt: 'tomorrow' });
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.field).toBe('body.saleStartsAt');
  });
});

describe('the waiting room', () => {
  test('without an admission an order for a queued drop is 403 QUEUE_ADMISSION_REQUIRED; an admitted ticket places one order, once', async () => {
    const productId = await productWith({ queue: QUEUE });
    const sub = unique('admitted');
    expectProblem(await order(productId, sub), 403, 'QUEUE_ADMISSION_REQUIRED');

    const joined = await join(productId, sub);
    expect(joined.status).toBe(201);
    expect(joined.headers.get('queue-ticket')).toBe(joined.body.ticket);
    const { ticket } = joined.body;
    const admitted = joined.body.state === 'ADMITTED' ? joined.body : await pollUntil(productId, sub, ticket, 'ADMITTED');
    expect(Date.parse(admitted.admittedUntil)).toBeGreaterThan(Date.now());

    const placed = await order(productId, sub, ticket);
    expect(placed.status).toBe(201);
    expectProblem(await order(productId, sub, ticket), 403, 'QUEUE_ADMISSION_REQUIRED'); // used: revoked
    expect((await poll(productId, sub, ticket)).body).toMatchObject({ state: 'EXPIRED', reason: 'ADMISSION_USED' });
  });

  test('joining twice answers the same place and ticket', async () => {
    const productId = await productWith({ stock: 5, queue: QUEUE, saleStartsAt: new Date(Date.now() + 3_600_000) });
    const sub = unique('twice');
    const first = await join(productId, sub);
    const second = await join(productId, sub);
    expect(first.body).toMatchObject({ state: 'WAITING', position: null, reason: 'DRAW_AT_START' });
    expect(second.body.ticket).toBe(first.body.ticket);
  });

  test("forged, tampered, another buyer's, another drop's and expired tickets are 403 QUEUE_TICKET_INVALID", async () => {
    const productId = await productWith({ queue: QUEUE });
    const otherProduct = await productWith({ queue: QUEUE });
    const sub = unique('owner');
    const { ticket } = (await join(productId, sub)).body;
    const [kid, payload, mac] = ticket.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = `${kid}.${Buffer.from(JSON.stringify({ ...claims, pl: '0.000' })).toString('base64url')}.${mac}`;
    const forged = signTicket([{ kid, secret: Buffer.from('not-the-service-key-0123456789abcdef') }], { productId, sub, place: '1.000', expiresAt: Date.now() + 60_000 });
    const expired = signTicket(testQueueConfig().keys, { productId, sub, place: claims.pl, expiresAt: Date.now() - 1 });
    const otherDrops = (await join(otherProduct, sub)).body.ticket;

    for (const bad of [tampered, forged, expired, otherDrops, `${kid}.${payload}.${mac.slice(0, -2)}AA`]) {
      expectProblem(await poll(productId, sub, bad), 403, 'QUEUE_TICKET_INVALID');
      expectProblem(await order(productId, sub, bad), 403, 'QUEUE_TICKET_INVALID');
    }
    expectProblem(await poll(productId, unique('thief'), ticket), 403, 'QUEUE_TICKET_INVALID');
    expectProblem(await order(productId, unique('thief'), ticket), 403, 'QUEUE_TICKET_INVALID');
    expectProblem(await stack.api.get(`/products/${productId}/queue`, { as: buyer(sub) }), 400, 'VALIDATION_FAILED');
  });

  test('admissions never outnumber the units left; a buyer who leaves hands the place to the next', async () => {
    const productId = await productWith({ stock: 2, queue: QUEUE });
    const subs = Array.from({ length: 5 }, (_, index) => unique(`bound-${index}`));
    const tickets: string[] = [];
    for (const sub of subs) tickets.push((await join(productId, sub)).body.ticket);
    const states = async () => Promise.all(subs.map(async (sub, index) => (await poll(productId, sub, tickets[index])).body));

    const before = await states();
    expect(before.map((answer) => answer.state)).toEqual(['ADMITTED', 'ADMITTED', 'WAITING', 'WAITING', 'WAITING']);
    expect(before.slice(2).map((answer) => answer.position)).toEqual([1, 2, 3]);

    expect((await leave(productId, subs[0], tickets[0])).status).toBe(204);
    const after = await states();
    expect(after.map((answer) => answer.state)).toEqual(['EXPIRED', 'ADMITTED', 'ADMITTED', 'WAITING', 'WAITING']);
    expect(after.slice(3).map((answer) => answer.position)).toEqual([1, 2]);
  });

  test('an admission unused for ADMISSION_TTL lapses and its place goes to the next buyer', async () => {
    const productId = await productWith({ stock: 1, queue: QUEUE });
    const [first, second] = [unique('lapse-a'), unique('lapse-b')];
    const firstTicket = (await join(productId, first)).body.ticket;
    const secondTicket = (await join(productId, second)).body.ticket;
    expect((await poll(productId, second, secondTicket)).body.state).toBe('WAITING');

    await sleep(ADMISSION_TTL_MS + 100);
    expect((await poll(productId, second, secondTicket)).body.state).toBe('ADMITTED');
    expect((await poll(productId, first, firstTicket)).body).toMatchObject({ state: 'EXPIRED', reason: 'ADMISSION_LAPSED' });
    expectProblem(await order(productId, first, firstTicket), 403, 'QUEUE_ADMISSION_REQUIRED');
    expect((await order(productId, second, secondTicket)).status).toBe(201);
  });

  test('an order answered 429 keeps its buyer admitted: the same order sent again still gets the unit', async () => {
    const productId = await productWith({ stock: 1, queue: QUEUE });
    const [first, second] = [unique('retry-a'), unique('retry-b')];
    const firstTicket = (await join(productId, first)).body.ticket;
    const secondTicket = (await join(productId, second)).body.ticket;
    const idempotencyKey = unique('retry-key');
    const orderOnce = () => stack.api.post('/orders', { items: [{ productId, quantity: 1 }] }, { as: buyer(first), idempotencyKey, headers: { 'Queue-Ticket': firstTicket } });

    // Another placement of the buyer's holds their lock (as one on an API replica that died does until it expires).
    const lock = `lock:buyer:${first}`;
    await stack.service.redis.set(lock, 'another-placement', 'PX', 10_000);
    expectProblem(await orderOnce(), 429, 'RATE_LIMITED');
    expect((await poll(productId, second, secondTicket)).body.state).toBe('WAITING');

    await stack.service.redis.del(lock);
    expect((await orderOnce()).status).toBe(201);
    expect((await poll(productId, second, secondTicket)).body.state).toBe('WAITING');
  });

  test('everyone who joined before the start is admitted in the order of the draw, whoever came first', async () => {
    const startsAt = new Date(Date.now() + 1_500);
    const productId = await productWith({ stock: 3, queue: { admitPerSecond: 1_000, maxAdmitted: 3 }, saleStartsAt: startsAt });
    const subs = Array.from({ length: 12 }, (_, index) => unique(`draw-${index}`));
    const tickets = new Map<string, string>();
    for (const sub of subs) tickets.set(sub, (await join(productId, sub)).body.ticket);
    const [{ queue_draw_seed: seed }] = await select<{ queue_draw_seed: string }>(forkSql(stack.service.orm), 'SELECT queue_draw_seed FROM product WHERE id = ?', [productId]);
    const drawn = [...subs].sort((a, b) => createHash('sha1').update(`${seed}:${a}`).digest('hex').localeCompare(createHash('sha1').update(`${seed}:${b}`).digest('hex')));

    await sleep(startsAt.getTime() - Date.now() + 50);
    // The last in the draw asks first: the first three of the draw are admitted, not who asked.
    const answers = new Map<string, { state: string; position?: number }>();
    for (const sub of [...drawn].reverse()) answers.set(sub, (await poll(productId, sub, tickets.get(sub)!)).body);
    expect(drawn.map((sub) => answers.get(sub)!.state)).toEqual([...Array(3).fill('ADMITTED'), ...Array(9).fill('WAITING')]);
    expect(drawn.slice(3).map((sub) => answers.get(sub)!.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('after the start, first come, first served', async () => {
    const productId = await productWith({ stock: 1, queue: QUEUE });
    const subs = Array.from({ length: 4 }, (_, index) => unique(`fifo-${index}`));
    const tickets: string[] = [];
    for (const sub of subs) tickets.push((await join(productId, sub)).body.ticket);
    const positions = await Promise.all(subs.map(async (sub, index) => (await poll(productId, sub, tickets[index])).body.position ?? 0));
    expect(positions).toEqual([0, 1, 2, 3]);
  });

  test('waiting buyers are told SOLD_OUT as soon as the last unit is sold and no hold is open', async () => {
    const productId = await productWith({ stock: 1, queue: QUEUE });
    const [winner, waiter] = [unique('winner'), unique('waiter')];
    const winnerTicket = (await join(productId, winner)).body.ticket;
    const waiterTicket = (await join(productId, waiter)).body.ticket;
    const placed = await order(productId, winner, winnerTicket);
    expect(placed.status).toBe(201);
    // The unit is held by an order that may still be cancelled: the line waits.
    expect((await poll(productId, waiter, waiterTicket)).body.state).toBe('WAITING');

    const paid = await stack.api.post(`/orders/${placed.body.id}/payment`, { paymentToken: 'tok_visa' }, { as: buyer(winner) });
    expect(paid.status).toBe(200);
    await pollUntil(productId, waiter, waiterTicket, 'SOLD_OUT');
  });

  test('a cancelled order gives its unit to the next buyer in line', async () => {
    const productId = await productWith({ stock: 1, queue: QUEUE });
    const [first, second] = [unique('cancel-a'), unique('cancel-b')];
    const firstTicket = (await join(productId, first)).body.ticket;
    const secondTicket = (await join(productId, second)).body.ticket;
    const placed = await order(productId, first, firstTicket);
    expect((await poll(productId, second, secondTicket)).body.state).toBe('WAITING');

    expect((await stack.api.post(`/orders/${placed.body.id}/cancel`, undefined, { as: buyer(first) })).status).toBe(200);
    await pollUntil(productId, second, secondTicket, 'ADMITTED');
  });

  test('a product without a waiting room answers 404 QUEUE_NOT_FOUND', async () => {
    const productId = await productWith({});
    expectProblem(await join(productId, unique('nobody')), 404, 'QUEUE_NOT_FOUND');
  });

  test('each drop shows its line on /metrics: waiting, admitted, admissions, lapsed admissions, admission rate', async () => {
    const productId = await productWith({ stock: 1, queue: QUEUE });
    for (const sub of [unique('metric-a'), unique('metric-b'), unique('metric-c')]) expect((await join(productId, sub)).status).toBe(201);
    const text = await stack.service.metrics!.api.registry.metrics();
    const value = (name: string) => Number(new RegExp(`^${name}\\{product="${productId}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('drop_queue_waiting')).toBe(2);
    expect(value('drop_queue_admitted')).toBe(1);
    expect(value('drop_queue_admissions')).toBe(1);
    expect(value('drop_queue_lapsed_admissions')).toBe(0);
    expect(value('drop_queue_admission_rate')).toBeCloseTo(1 / 60, 5);
  });
});
