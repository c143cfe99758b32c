/**
 * A queued drop in the fault run (issue 26's waiting room). Before the load, staff add one more product through the
 * API: a few units, on sale a few seconds after the load starts, behind a waiting room that admits slowly. A share of
 * buyers of their own (`chaos-queue-<i>`, so the run's other buyers and their draws stay what they were) join its
 * queue, some before the start (the lottery) and some after (first come), poll as the storefront does (`GET
 * /products/:id/queue` with the Queue-Ticket, after pollAfterSeconds), order one unit with the ticket once ADMITTED
 * and pay after a pause (a few walk away: the hold expires and the unit goes back to the line), or stop at SOLD_OUT. The run's faults (Redis flushes, API kills...) fall on these requests as on every other.
 * Meanwhile the run samples how many buyers Redis counts as admitted. chaos/queue-verdict.ts judges what happened.
 */
import type { Redis } from 'ioredis';
import { queueKeys } from '../queue/keys';
import { describe, withRetries, type Answer, type ApiClient, type BuyerRecord } from './buyers';
import type { Rng } from './random';

/**
 * The drop goes on sale this long after the load starts (buyers who join before it are shuffled by the lottery), or
 * earlier, a second before the run's first Redis flush, so that the flushes fall on a drop under way.
 */
export function dropStartsAfterMs(firstFlushAtMs: number | undefined): number {
  return Math.max(2_000, Math.min(4_000, (firstFlushAtMs ?? Infinity) - 1_000));
}
/** Buyers of the drop, per buyer of the run. */
const QUEUE_BUYER_SHARE = 0.3;
/** The longest a buyer waits between polls, whatever pollAfterSeconds says (QUEUE_POLL_MAX is 5 s). */
const POLL_CAP_MS = 5_000;

export interface RunDrop {
  productId: number;
  units: number;
  admitPerSecond: number;
  maxAdmitted: number;
  /** Epoch ms. */
  saleStartsAt: number;
}

export interface QueueBuyerPlan {
  index: number;
  customerId: string;
  idempotencyKey: string;
  /** Since the load began: before the drop's start joins the lottery, after it the line's end. */
  joinAtMs: number;
  /** Pause between the order's answer and paying. */
  thinkMs: number;
  /** Walks away from the order: its hold expires and the unit goes back to the line. */
  abandons: boolean;
}

/** How a queue buyer's visit ended. */
export type QueueEnding = 'ORDERED' | 'ORDER_REFUSED' | 'SOLD_OUT' | 'UNANSWERED' | 'UNEXPECTED';

export interface QueueBuyerRecord {
  plan: QueueBuyerPlan;
  /** The ticket's place (queue/tickets.ts): `lottery`, or the buyer's score in the line after the start. */
  place?: string;
  ending: QueueEnding;
  /** The last answer that ended the visit (or why it ended otherwise). */
  endingAnswer: string;
  /** When (since the load began) the first ADMITTED answer came, and when its order was answered. */
  admittedAtMs?: number;
  orderAnsweredAtMs?: number;
  /** The order placed with the ticket, when one was. */
  orderId?: string;
  polls: number;
  /** Each join or poll the waiting room answered: when it was sent and when its answer came (since the load began). */
  answered: Array<{ sentAtMs: number; answeredAtMs: number }>;
  /** When (since the load began) the visit ended. */
  endedAtMs: number;
  events: string[];
}

/** The drop: about one unit for every four of its buyers, so it sells out and most buyers are answered SOLD_OUT. */
export function planDrop(orders: number): { buyers: number; units: number; admitPerSecond: number; maxAdmitted: number } {
  const buyers = Math.max(6, Math.round(orders * QUEUE_BUYER_SHARE));
  const units = Math.max(3, Math.round(buyers / 4));
  return { buyers, units, admitPerSecond: 1, maxAdmitted: Math.max(2, Math.ceil(units / 2)) };
}

/** Drawn from a stream of its own (rng.fork('queue')): every seed's other draws stay what they were. */
export function planQueueBuyers(rng: Rng, seed: number, count: number, durationMs: number, startsAfterMs: number): QueueBuyerPlan[] {
  return Array.from({ length: count }, (_, index) => ({
    index,
    customerId: `chaos-queue-${index}`,
    idempotencyKey: `chaos-${seed}-queue-${index}`,
    // Half before the start (the lottery), the rest over the first half of the load window.
    joinAtMs: rng.chance(0.5) ? rng.int(0, startsAfterMs - 1_000) : rng.int(startsAfterMs, Math.max(startsAfterMs + 1, durationMs / 2)),
    thinkMs: rng.int(500, 4_000),
    abandons: rng.chance(0.2),
  }));
}

/** Adds the drop as an admin would, on sale `startsAfterMs` after `loadStartsAt`. */
export async function registerDrop(api: ApiClient, seed: number, shape: ReturnType<typeof planDrop>, loadStartsAt: number, startsAfterMs: number): Promise<RunDrop> {
  const admin = await api.authorization('admin');
  const saleStartsAt = loadStartsAt + startsAfterMs;
  const body = {
    sku: `CHAOS-QUEUE-${seed}`,
    name: 'Chaos queued drop',
    priceCents: 2_500,
    stock: shape.units,
    saleStartsAt: new Date(saleStartsAt).toISOString(),
    queue: { admitPerSecond: shape.admitPerSecond, maxAdmitted: shape.maxAdmitted },
  };
  const answer = await api.request('POST', '/products', body, admin);
  if (typeof answer === 'string' || answer.status !== 201) throw new Error(`the run's queued drop could not be added: ${describe(answer)} ${typeof answer === 'string' ? '' : JSON.stringify(answer.body)}`);
  return { productId: Number(answer.body.id), units: shape.units, admitPerSecond: shape.admitPerSecond, maxAdmitted: shape.maxAdmitted, saleStartsAt };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** The place a ticket names (its payload is `kid.payload.signature`, base64url JSON with `pl`). */
export function placeOf(ticket: string): string | undefined {
  try {
    return JSON.parse(Buffer.from(ticket.split('.')[1], 'base64url').toString('utf8')).pl;
  } catch {
    return undefined;
  }
}

/** One queue buyer: join, poll until ADMITTED, SOLD_OUT or the deadline, order with the ticket, pay. Never throws. */
export async function runQueueBuyer(plan: QueueBuyerPlan, drop: RunDrop, context: { api: ApiClient; loadStartedAt: number; deadline: number }): Promise<QueueBuyerRecord> {
  const record: QueueBuyerRecord = { plan, ending: 'UNANSWERED', endingAnswer: 'NOT_SENT', polls: 0, answered: [], endedAtMs: 0, events: [] };
  try {
    await waitInLine(plan, drop, record, context);
  } catch (error) {
    record.events.push(`harness error: ${(error as Error).message}`);
    record.ending = 'UNEXPECTED';
    record.endingAnswer = (error as Error).message;
  }
  record.endedAtMs = Date.now() - context.loadStartedAt;
  return record;
}

async function waitInLine(plan: QueueBuyerPlan, drop: RunDrop, record: QueueBuyerRecord, { api, loadStartedAt, deadline }: { api: ApiClient; loadStartedAt: number; deadline: number }): Promise<void> {
  // withRetries keeps its bookkeeping (events, retries) on a buyer record: this one shares the queue buyer's events.
  const log = { events: record.events, retries: 0 } as unknown as BuyerRecord;
  const since = () => Date.now() - loadStartedAt;
  const end = (ending: QueueEnding, answer: Answer | string) => {
    record.ending = ending;
    record.endingAnswer = describe(answer);
  };
  await sleep(plan.joinAtMs - since());
  const auth = await api.authorization({ customerId: plan.customerId });
  const path = `/products/${drop.productId}/queue`;
  const visitLine = async (method: 'POST' | 'GET', headers: Record<string, string>): Promise<Answer | string> => {
    const sentAtMs = since();
    const answer = await api.request(method, path, undefined, headers);
    if (typeof answer !== 'string' && answer.status < 500) record.answered.push({ sentAtMs, answeredAtMs: since() });
    return answer;
  };
  let answer = await withRetries(log, 'POST /products/:id/queue', 8, deadline, () => visitLine('POST', auth));
  for (;;) {
    if (typeof answer === 'string' || answer.status >= 500) return end('UNANSWERED', answer);
    if (answer.status !== 200 && answer.status !== 201) return end('UNEXPECTED', answer);
    const ticket = String(answer.body.ticket);
    record.place ??= placeOf(ticket);
    const state = String(answer.body.state);
    if (state === 'SOLD_OUT') return end('SOLD_OUT', `${answer.status} SOLD_OUT`);
    if (state === 'ADMITTED') {
      record.admittedAtMs = since();
      await orderWithTicket(plan, drop, record, log, api, auth, ticket, deadline);
      record.orderAnsweredAtMs = since();
      return;
    }
    if (state !== 'WAITING') return end('UNEXPECTED', `${answer.status} ${state}`);
    const pause = Math.min(POLL_CAP_MS, Math.max(250, Number(answer.body.pollAfterSeconds) * 1_000));
    if (Date.now() + pause >= deadline) return end('UNANSWERED', 'still WAITING at the deadline');
    await sleep(pause);
    record.polls += 1;
    answer = await withRetries(log, 'GET /products/:id/queue', 8, deadline, () => visitLine('GET', { ...auth, 'queue-ticket': ticket }));
  }
}

async function orderWithTicket(plan: QueueBuyerPlan, drop: RunDrop, record: QueueBuyerRecord, log: BuyerRecord, api: ApiClient, auth: Record<string, string>, ticket: string, deadline: number): Promise<void> {
  const placed = await withRetries(log, 'POST /orders (queue ticket)', 8, deadline, () =>
    api.request('POST', '/orders', { items: [{ productId: drop.productId, quantity: 1 }] }, { ...auth, 'idempotency-key': plan.idempotencyKey, 'queue-ticket': ticket }),
  );
  record.endingAnswer = describe(placed);
  if (typeof placed === 'string' || placed.status >= 500) return void (record.ending = 'UNANSWERED');
  if (placed.status === 409 && placed.body?.code === 'OUT_OF_STOCK') return void (record.ending = 'ORDER_REFUSED');
  // 202: the order exists and is still deciding (Temporal slow or restarting): placed all the same.
  if (placed.status !== 201 && placed.status !== 202) return void (record.ending = 'UNEXPECTED');
  record.ending = 'ORDERED';
  record.orderId = String(placed.body.id ?? placed.body.orderId);
  if (plan.abandons) return;
  await sleep(plan.thinkMs);
  await withRetries(log, 'POST /orders/:id/payment', 6, deadline, () => api.request('POST', `/orders/${record.orderId}/payment`, { paymentToken: 'tok_visa' }, auth));
}

/** Samples, every 250 ms until stopped, how many buyers Redis counts as admitted to the drop (admitted and not ended). */
export function sampleAdmitted(redis: Redis, productId: number): { stop(): Promise<{ samples: number; most: number }> } {
  let samples = 0;
  let most = 0;
  let stopped = false;
  const key = queueKeys(productId).admitted;
  const loop = (async () => {
    while (!stopped) {
      try {
        // Admissions not lapsed by now (the set is scored by when each lapses; a lapsed one leaves it lazily).
        const count = await redis.zcount(key, Date.now(), '+inf');
        samples += 1;
        most = Math.max(most, count);
      } catch {
        // Redis away (a flush does not take it away, but a restart of the stack's parts may): no sample.
      }
      await sleep(250);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { samples, most };
    },
  };
}
