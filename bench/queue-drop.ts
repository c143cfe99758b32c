/**
 * `npm run bench:queue`: a drop with a waiting room (issue 26), beside the same drop without one, in one run.
 *
 *   --buyers=N (QUEUE_BUYERS, 10000)   --units=U (QUEUE_UNITS, 100)   --admit-per-second=R (QUEUE_ADMIT_PER_SECOND, 50)
 *   --connections=C (QUEUE_CONNECTIONS, 64)   --throughput-seconds=S (QUEUE_THROUGHPUT_SECONDS, 5)
 *
 * 1. N buyers join a U-unit drop before its start (POST /products/:id/queue), then poll as the storefront does (GET
 *    with Queue-Ticket, again after pollAfterSeconds); an ADMITTED buyer orders with the ticket and pays at once.
 *    Redis is sampled every 20 ms for buyers holding an admission. Checked: 0 oversold; admitted ≤ U × factor at every
 *    sample; every buyer ends ADMITTED (and ordered) or SOLD_OUT, and how long after the last unit's sale the last
 *    SOLD_OUT answer came; admissions in the order of the draw (recomputed from the seed); ETA error (actual admission
 *    against the estimate of every earlier poll); no ETA or position grew without ADMISSION_RATE_DROPPED.
 * 2. The same drop without a queue: N buyers POST /orders at the start over C connections, winners pay; time until
 *    U units are CONFIRMED, beside the queued drop's.
 * 3. GET /products/:id/queue (a SOLD_OUT ticket) against GET /healthz, autocannon, same connections (issue 28): answers
 *    per second, and the API's CPU per answer (steadier on a shared machine: bench/lib.ts partCpuWhile).
 */
import './databases';
import { createHash } from 'node:crypto';
import { loadConfig } from '../config';
import { openOrm } from '../db/orm';
import { forkSql, select } from '../db/sql';
import { connectRedis } from '../inventory/redis';
import { queueKeys } from '../queue/keys';
import { httpClient, jsonRequest, numberArg, partCpuWhile, percentiles, printTable, round, runAutocannon, verdict, writeResults, type HttpAnswer } from './lib';
import { startStack } from './stack';
import { buyerAuth } from './tokens';

interface Poll {
  at: number;
  state: string;
  position: number | null;
  minSeconds?: number;
  maxSeconds?: number | null;
  reason?: string;
}

interface Buyer {
  sub: string;
  ticket: string;
  polls: Poll[];
  final?: 'ORDERED' | 'SOLD_OUT' | 'REFUSED';
  finalAt?: number;
  confirmedAt?: number;
}

const FACTOR = 1;
/** Buyers still without an end state by then are reported unanswered (and the check fails). */
const STOREFRONT_DEADLINE_MS = 180_000;

async function main(): Promise<void> {
  const buyerCount = numberArg('buyers', 'QUEUE_BUYERS', 10_000);
  const units = numberArg('units', 'QUEUE_UNITS', 100);
  const admitPerSecond = numberArg('admit-per-second', 'QUEUE_ADMIT_PER_SECOND', 50);
  const connections = numberArg('connections', 'QUEUE_CONNECTIONS', 64);
  const throughputSeconds = numberArg('throughput-seconds', 'QUEUE_THROUGHPUT_SECONDS', 5);
  const config = loadConfig();
  const port = (name: string, fallback: number) => Number(process.env[`BENCH_${name}_PORT`] ?? fallback);
  console.log('[queue] starting a fresh stack…');
  const stack = await startStack({
    name: 'queue',
    apiPort: port('API', 3300),
    paymentsPort: port('PAYMENTS', 3301),
    temporalPort: port('TEMPORAL', 3302),
    uiPort: port('UI', 3303),
    env: { QUEUE_ADMISSION_FACTOR: String(FACTOR), RATE_LIMIT_ORDERS: '', LOG_LEVEL: 'warn' },
  });
  const orm = await openOrm(config.DATABASE_URL);
  const redis = await connectRedis(config.REDIS_URL);
  const client = httpClient(stack.apiUrl, connections, 120_000);
  const tag = Date.now().toString(36);
  let failed = false;
  try {
    const product = (name: string, queue: boolean) =>
      jsonRequest<{ id: number }>('POST', `${stack.apiUrl}/products`, {
        sku: `queue-${name}-${tag}`,
        name: `Queue bench ${name}`,
        priceCents: 4_900,
        stock: units,
        saleStartsAt: new Date(Date.now() + 3_600_000).toISOString(),
        queue: queue ? { admitPerSecond, maxAdmitted: units } : null,
      }, 201);
    const queued = await product('queued', true);
    const plain = await product('plain', false);
    const setStart = (productId: number, startsAt: Date, queue: boolean) =>
      jsonRequest('PUT', `${stack.apiUrl}/products/${productId}/sale`, { saleStartsAt: startsAt.toISOString(), queue: queue ? { admitPerSecond, maxAdmitted: units } : null }, 200);

    // Phase 1: the queued drop.
    const buyers: Buyer[] = Array.from({ length: buyerCount }, (_, index) => ({ sub: `qb-${tag}-${index}`, ticket: '', polls: [] }));
    const auth = new Map(buyers.map((buyer) => [buyer.sub, buyerAuth(buyer.sub)]));
    console.log(`[queue] ${buyerCount} buyers join a ${units}-unit drop before its start…`);
    const joinStarted = Date.now();
    await inPool(buyers, connections, async (buyer) => {
      const answer = await client.request('POST', `/products/${queued.id}/queue`, undefined, auth.get(buyer.sub)!);
      if (answer.status !== 201) throw new Error(`join answered ${answer.status}: ${answer.body.slice(0, 200)}`);
      buyer.ticket = JSON.parse(answer.body).ticket;
    });
    const joinSeconds = (Date.now() - joinStarted) / 1000;
    const startsAt = Date.now() + 2_000;
    await setStart(queued.id, new Date(startsAt), true);

    let maxAdmitted = 0;
    let samples = 0;
    let sampling = true;
    const keys = queueKeys(queued.id);
    const sampler = (async () => {
      while (sampling) {
        maxAdmitted = Math.max(maxAdmitted, await redis.zcard(keys.admitted));
        samples += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    console.log('[queue] the start: buyers poll as the storefront does…');
    const pollErrors: string[] = [];
    await storefront(buyers, connections, startsAt, async (buyer) => {
      const answer = await client.request('GET', `/products/${queued.id}/queue`, undefined, { ...auth.get(buyer.sub)!, 'queue-ticket': buyer.ticket });
      if (answer.status !== 200) {
        pollErrors.push(`${answer.status} ${answer.body.slice(0, 120)}`);
        return 1;
      }
      const body = JSON.parse(answer.body);
      const at = Date.now();
      buyer.polls.push({ at, state: body.state, position: body.position ?? null, minSeconds: body.estimatedWait?.minSeconds, maxSeconds: body.estimatedWait?.maxSeconds, reason: body.reason });
      if (body.state === 'WAITING') return body.pollAfterSeconds;
      if (body.state === 'SOLD_OUT' || body.state === 'EXPIRED') {
        buyer.final = 'SOLD_OUT';
        buyer.finalAt = at;
        if (body.state === 'EXPIRED') buyer.final = 'REFUSED';
        return null;
      }
      // ADMITTED: the storefront goes on to the order and pays.
      const placed = await client.request('POST', '/orders', { items: [{ productId: queued.id, quantity: 1 }] }, { ...auth.get(buyer.sub)!, 'queue-ticket': buyer.ticket, 'idempotency-key': `q-${buyer.sub}` });
      buyer.final = placed.status === 201 ? 'ORDERED' : 'REFUSED';
      buyer.finalAt = Date.now();
      if (placed.status === 201) {
        const paid = await client.request('POST', `/orders/${JSON.parse(placed.body).id}/payment`, { paymentToken: 'tok_visa' }, auth.get(buyer.sub)!);
        if (paid.status === 200) buyer.confirmedAt = Date.now();
      } else pollErrors.push(`order ${placed.status} ${placed.body.slice(0, 120)}`);
      return null;
    });
    sampling = false;
    await sampler;

    // Phase 2: the same drop without a queue.
    console.log(`[queue] the queued drop ended after ${round((Date.now() - startsAt) / 1000, 1)} s; the same drop without a queue…`);
    const plainStartsAt = Date.now() + 1_000;
    await setStart(plain.id, new Date(plainStartsAt), false);
    await new Promise((resolve) => setTimeout(resolve, plainStartsAt - Date.now()));
    const plainConfirmed: number[] = [];
    await inPool(buyers, connections, async (buyer) => {
      const placed = await client.request('POST', '/orders', { items: [{ productId: plain.id, quantity: 1 }] }, auth.get(buyer.sub)!);
      if (placed.status !== 201) return;
      const paid = await client.request('POST', `/orders/${JSON.parse(placed.body).id}/payment`, { paymentToken: 'tok_visa' }, auth.get(buyer.sub)!);
      if (paid.status === 200) plainConfirmed.push(Date.now());
    });

    console.log(`[queue] ${plainConfirmed.length} units confirmed without a queue; poll against /healthz…`);
    // Phase 3: a poll against the bare endpoint.
    const soldOutBuyer = buyers.find((buyer) => buyer.final === 'SOLD_OUT') ?? buyers[0];
    const throughput = async (path: string, headers: Record<string, string>) => {
      const run = () => runAutocannon({ url: stack.apiUrl, connections: Math.min(connections, 16), duration: throughputSeconds, requests: [{ method: 'GET', path, headers }] });
      const { result, cpuSeconds } = await partCpuWhile(stack.pids.api, run);
      return { rate: result.requests.average, apiCpuMicros: round((cpuSeconds * 1e6) / result.requests.total, 0) };
    };
    const poll = await throughput(`/products/${queued.id}/queue`, { ...auth.get(soldOutBuyer.sub)!, 'queue-ticket': soldOutBuyer.ticket });
    const health = await throughput('/healthz', {});
    const [pollRate, healthRate] = [poll.rate, health.rate];

    // The checks.
    const em = forkSql(orm);
    const [{ stock: stockLeft }] = await select<{ stock: number }>(em, 'SELECT stock FROM product WHERE id = ?', [queued.id]);
    const [{ sold }] = await select<{ sold: number }>(em, "SELECT COALESCE(SUM(l.quantity), 0) AS sold FROM order_line l JOIN orders o ON o.id = l.order_id WHERE l.product_id = ? AND o.status = 'CONFIRMED'", [queued.id]);
    const oversold = Math.max(0, Number(sold) - units) + (Number(stockLeft) < 0 ? 1 : 0);
    const [{ queue_draw_seed: seed }] = await select<{ queue_draw_seed: string }>(em, 'SELECT queue_draw_seed FROM product WHERE id = ?', [queued.id]);
    const admissions = await select<{ customer_id: string; admitted_at: string | Date }>(em, 'SELECT customer_id, admitted_at FROM queue_admission WHERE product_id = ? ORDER BY admitted_at', [queued.id]);
    const drawScore = (sub: string) => createHash('sha1').update(`${seed}:${sub}`).digest('hex');
    const drawn = buyers.map((buyer) => buyer.sub).sort((a, b) => drawScore(a).localeCompare(drawScore(b)));
    const rank = new Map(drawn.map((sub, index) => [sub, index]));
    const admittedAt = new Map(admissions.map((row) => [row.customer_id, toMs(row.admitted_at)]));
    // In the order of the draw: the admitted are the head of the draw, and nobody was admitted before someone ahead.
    const admittedRanks = admissions.map((row) => rank.get(row.customer_id)!);
    const headOfDraw = [...admittedRanks].sort((a, b) => a - b).every((value, index) => value === index);
    const inOrder = admissions.every((row, index) => index === 0 || toMs(admissions[index - 1].admitted_at) <= toMs(row.admitted_at)) &&
      admissions.every((row) => admissions.every((other) => !(rank.get(other.customer_id)! < rank.get(row.customer_id)! && admittedAt.get(other.customer_id)! > admittedAt.get(row.customer_id)!)));

    const unanswered = buyers.filter((buyer) => buyer.final === undefined).length;
    const refused = buyers.filter((buyer) => buyer.final === 'REFUSED').length;
    const confirmedTimes = buyers.flatMap((buyer) => (buyer.confirmedAt ? [buyer.confirmedAt] : []));
    const lastSale = Math.max(...confirmedTimes);
    const lastSoldOut = Math.max(...buyers.filter((buyer) => buyer.final === 'SOLD_OUT').map((buyer) => buyer.finalAt!));

    // ETA error: every WAITING poll after the start of a buyer later admitted, against when they were admitted.
    const errors: number[] = [];
    let outside = 0;
    let grewWithoutReason = 0;
    let positionGrew = 0;
    for (const buyer of buyers) {
      const after = buyer.polls.filter((poll) => poll.at >= startsAt && poll.state === 'WAITING');
      const admitted = admittedAt.get(buyer.sub);
      for (const [index, poll] of after.entries()) {
        if (admitted !== undefined && poll.maxSeconds !== null && poll.maxSeconds !== undefined) {
          const actual = (admitted - poll.at) / 1000;
          errors.push(Math.abs((poll.minSeconds! + poll.maxSeconds) / 2 - actual));
          if (actual < poll.minSeconds! - 1 || actual > poll.maxSeconds + 1) outside += 1;
        }
        if (index === 0) continue;
        const before = after[index - 1];
        const grew = poll.minSeconds! > before.minSeconds! || (before.maxSeconds !== null && (poll.maxSeconds === null || poll.maxSeconds! > before.maxSeconds!));
        if (grew && poll.reason !== 'ADMISSION_RATE_DROPPED') grewWithoutReason += 1;
        if ((poll.position ?? 0) > (before.position ?? 0)) positionGrew += 1;
      }
    }
    const eta = percentiles(errors);
    const queuedAllConfirmed = confirmedTimes.length >= units ? (lastSale - startsAt) / 1000 : NaN;
    const plainAllConfirmed = plainConfirmed.length >= units ? (Math.max(...plainConfirmed) - plainStartsAt) / 1000 : NaN;

    const checks: Array<[string, boolean, string]> = [
      ['0 oversold', oversold === 0, `${sold} sold of ${units}, stock left ${stockLeft}`],
      [`admitted ≤ units × factor (${units * FACTOR}) at every sample`, maxAdmitted <= units * FACTOR, `max ${maxAdmitted} over ${samples} samples`],
      ['every buyer ADMITTED (ordered) or SOLD_OUT', unanswered === 0 && refused === 0, `${buyers.filter((b) => b.final === 'ORDERED').length} ordered, ${buyers.filter((b) => b.final === 'SOLD_OUT').length} sold out, ${refused} refused, ${unanswered} unanswered`],
      ['admissions in the order of the draw', headOfDraw && inOrder && admissions.length >= units, `${admissions.length} admissions`],
      ['no ETA grew without ADMISSION_RATE_DROPPED', grewWithoutReason === 0, `${grewWithoutReason} growths`],
      ['position never grew', positionGrew === 0, `${positionGrew}`],
      ['all units CONFIRMED', confirmedTimes.length === units, `${confirmedTimes.length}`],
    ];
    failed = checks.some(([, ok]) => !ok) || pollErrors.length > 0;
    printTable(`Queued drop: ${buyerCount} buyers, ${units} units, admitPerSecond ${admitPerSecond} (joins took ${round(joinSeconds, 1)} s)`, [
      ['check', 'verdict', 'figure'],
      ...checks.map(([name, ok, figure]): [string, string, string] => [name, verdict(ok), figure]),
    ]);
    printTable('Figures', [
      ['figure', 'value'],
      ['last unit sold → last SOLD_OUT answer (s)', round((lastSoldOut - lastSale) / 1000, 2)],
      ['ETA error |midpoint − actual| median / p90 (s)', `${eta.p50} / ${round(percentileOf(errors, 0.9), 2)} over ${eta.count} polls`],
      ['actual admission outside the range ±1 s (polls)', outside],
      ['all units CONFIRMED after the start: queue / no queue (s)', `${round(queuedAllConfirmed, 2)} / ${round(plainAllConfirmed, 2)}`],
      ['GET queue poll ÷ GET /healthz (req/s)', `${round(pollRate, 0)} / ${round(healthRate, 0)} = ${round(pollRate / healthRate, 2)}`],
      ['API CPU µs per answer: /healthz ÷ queue poll', `${health.apiCpuMicros} / ${poll.apiCpuMicros} = ${round(health.apiCpuMicros / poll.apiCpuMicros, 2)}`],
      ['poll / order errors', pollErrors.length === 0 ? 'none' : `${pollErrors.length}: ${pollErrors.slice(0, 3).join('; ')}`],
    ]);
    const file = writeResults('queue-drop', { buyerCount, units, admitPerSecond, checks, maxAdmitted, samples, lastSoldOutAfterLastSaleSeconds: (lastSoldOut - lastSale) / 1000, eta, outside, queuedAllConfirmed, plainAllConfirmed, pollRate, healthRate, apiCpuMicrosPerAnswer: { poll: poll.apiCpuMicros, healthz: health.apiCpuMicros } });
    console.log(`\n[queue] ${failed ? 'FAILED' : 'passed'}; results in ${file}`);
  } finally {
    client.close();
    await redis.quit();
    await orm.close();
    await stack.stop();
  }
  if (failed) process.exitCode = 1;
}

const toMs = (value: string | Date): number => (value instanceof Date ? value.getTime() : new Date(`${value.replace(' ', 'T')}Z`).getTime());

function percentileOf(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Runs `task` for every item, at most `concurrency` at once. */
async function inPool<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await task(items[next++]);
  }));
}

/**
 * The storefront's loop for every buyer: the first poll at the start, then each after the pollAfterSeconds the
 * answer gave, until `visit` returns null (an end state); at most `concurrency` requests at once.
 */
async function storefront(buyers: Buyer[], concurrency: number, startsAt: number, visit: (buyer: Buyer) => Promise<number | null>): Promise<void> {
  const due = buyers.map((buyer) => ({ buyer, at: startsAt }));
  let active = 0;
  const deadline = startsAt + STOREFRONT_DEADLINE_MS;
  let reported = Date.now();
  await new Promise<void>((resolve, reject) => {
    const tick = () => {
      if ((due.length === 0 && active === 0) || Date.now() > deadline) return resolve();
      if (Date.now() - reported > 5_000) {
        reported = Date.now();
        console.log(`[queue] ${due.length + active} buyers still waiting`);
      }
      const now = Date.now();
      due.sort((a, b) => a.at - b.at);
      while (active < concurrency && due.length > 0 && due[0].at <= now) {
        const { buyer } = due.shift()!;
        active += 1;
        visit(buyer)
          .then((after) => {
            if (after !== null) due.push({ buyer, at: Date.now() + after * 1000 });
          })
          .catch(reject)
          .finally(() => {
            active -= 1;
          });
      }
      setTimeout(tick, 5);
    };
    tick();
  });
}

void (main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
}) as Promise<void>);

export type { HttpAnswer };
