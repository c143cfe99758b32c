/**
 * The fault run's verdict on its queued drop (chaos/queue-drop.ts). I9 is the checker's (check/queue-invariants.ts),
 * which the verdict runs with the others; what only the run knows is checked here:
 *   - admitted buyers never more than the units (× QUEUE_ADMISSION_FACTOR): Redis's count of admissions not yet
 *     ended, sampled every 250 ms through the run (a sample, not every moment);
 *   - nobody admitted out of the line's order, across the flushes, as far as the buyers' answers show: the line is
 *     rebuilt from each buyer's ticket (its place; the lottery's draws recomputed from the drop's seed, as
 *     queue/scripts.ts draws them), the admissions from MySQL's queue_admission; a buyer admitted while a buyer ahead
 *     of them was still polling in line and not yet admitted skipped the line;
 *   - every queue buyer ended ADMITTED → ordered, SOLD_OUT, or unanswered at the deadline (counted); any other ending
 *     (an admitted buyer refused the unit, an unexpected answer) is a breach.
 */
import { createHash } from 'node:crypto';
import type { InvariantSummary } from '../check/invariants';
import { fromMysqlUtc } from '../db/sql';
import { forkSql, select } from '../db/sql';
import type { FaultRecord } from './faults';
import type { QueueBuyerRecord, QueueEnding, RunDrop } from './queue-drop';
import type { ChaosStack } from './stack';

export interface QueueVerdict {
  /** I9 as the checker found it (null: the checker gave no result). */
  invariant: InvariantSummary | null;
  productId: number;
  units: number;
  admitPerSecond: number;
  maxAdmitted: number;
  buyers: number;
  /** Buyers who joined before the start (the lottery). */
  lottery: number;
  endings: Record<QueueEnding, number>;
  /** Admissions MySQL recorded, and the drop's orders CONFIRMED. */
  admissions: number;
  confirmed: number;
  /** Redis's admitted count, sampled: how many samples, the most seen, and the bound it was held to. */
  admittedSamples: { samples: number; most: number; bound: number };
  /** Redis flushes fired between the drop's start and its last queue answer. */
  flushesDuringDrop: number;
  /** Admissions given while a buyer ahead in line was still polling, not admitted. */
  skips: number;
  /** Admissions given ahead of a buyer who had not come back to the line since the last flush (allowed). */
  cameBackLate: number;
  breaches: Array<{ subject: string; problem: string }>;
}

const ENDINGS: QueueEnding[] = ['ORDERED', 'ORDER_REFUSED', 'SOLD_OUT', 'UNANSWERED', 'UNEXPECTED'];
const EXPECTED_ENDINGS = new Set<QueueEnding>(['ORDERED', 'SOLD_OUT', 'UNANSWERED']);

/** The line's order key of a place: the lottery's draw in [0, 1) (queue/scripts.ts lotteryScore), or the arrival's score from 1 up. */
export function lineKey(place: string, seed: string, buyer: string): number {
  if (place !== 'lottery') return Number(place);
  return parseInt(createHash('sha1').update(`${seed}:${buyer}`).digest('hex').slice(0, 13), 16) / 4503599627370496;
}

export async function judgeQueue(
  stack: ChaosStack,
  input: { drop: RunDrop; buyers: QueueBuyerRecord[]; sampled: { samples: number; most: number }; loadStartedAt: number; faults: FaultRecord[]; invariant: InvariantSummary | null },
): Promise<QueueVerdict> {
  const { drop, buyers, sampled } = input;
  const em = forkSql(stack.orm);
  const [product] = await select<{ queue_draw_seed: string }>(em, 'SELECT queue_draw_seed FROM product WHERE id = ?', [drop.productId]);
  const admissions = await select<{ customer_id: string; place: string; admitted_at: string | Date }>(
    em,
    'SELECT customer_id, place, admitted_at FROM queue_admission WHERE product_id = ?',
    [drop.productId],
  );
  const [confirmed] = await select<{ n: number | string }>(
    em,
    `SELECT COUNT(DISTINCT o.id) AS n FROM orders o JOIN order_line line ON line.order_id = o.id WHERE line.product_id = ? AND o.status = 'CONFIRMED'`,
    [drop.productId],
  );
  const breaches: QueueVerdict['breaches'] = [];

  const factor = Number(stack.env.QUEUE_ADMISSION_FACTOR ?? 1);
  const bound = Math.floor(drop.units * factor);
  if (sampled.most > bound) breaches.push({ subject: 'admitted buyers', problem: `Redis counted ${sampled.most} buyers admitted at once, more than the ${drop.units} units × ${factor}` });

  const endings = Object.fromEntries(ENDINGS.map((ending) => [ending, 0])) as Record<QueueEnding, number>;
  for (const buyer of buyers) {
    endings[buyer.ending] += 1;
    if (!EXPECTED_ENDINGS.has(buyer.ending)) breaches.push({ subject: buyer.plan.customerId, problem: `ended ${buyer.ending}: ${buyer.endingAnswer} (${buyer.events.slice(-4).join(' → ')})` });
  }

  // The line, from the buyers' tickets; when each was admitted, from MySQL.
  const seed = product?.queue_draw_seed ?? '';
  const admittedAt = new Map(admissions.map((row) => [row.customer_id, fromMysqlUtc(row.admitted_at).getTime()]));
  const inLine = buyers.filter((buyer) => buyer.place !== undefined).map((buyer) => ({ buyer, key: lineKey(buyer.place!, seed, buyer.plan.customerId) }));
  const flushes = input.faults.filter((fault) => fault.kind === 'redis-flush' && fault.injected).map((fault) => input.loadStartedAt + fault.firedAtMs);
  const toEpoch = (sinceLoad: number) => input.loadStartedAt + sinceLoad;
  let skips = 0;
  let cameBackLate = 0;
  for (const admitted of inLine) {
    const at = admittedAt.get(admitted.buyer.plan.customerId);
    if (at === undefined) continue;
    for (const ahead of inLine) {
      if (ahead.key >= admitted.key) continue;
      const aheadAt = admittedAt.get(ahead.buyer.plan.customerId);
      if (aheadAt !== undefined && aheadAt <= at) continue;
      // Still polling then: its visit (bounded by the deadline, or by unanswered polls) had not ended.
      if (toEpoch(ahead.buyer.endedAtMs) < at) continue;
      const lastFlush = Math.max(-Infinity, ...flushes.filter((flush) => flush < at));
      const backInLine = ahead.buyer.answered.some((visit) => toEpoch(visit.sentAtMs) > lastFlush && toEpoch(visit.answeredAtMs) < at);
      if (!backInLine) {
        cameBackLate += 1;
        continue;
      }
      skips += 1;
      breaches.push({
        subject: admitted.buyer.plan.customerId,
        problem: `admitted at ${new Date(at).toISOString()} (place ${admitted.buyer.place}) while ${ahead.buyer.plan.customerId} (place ${ahead.buyer.place}), ahead in line, was in it and ${aheadAt === undefined ? 'never admitted' : `admitted only at ${new Date(aheadAt).toISOString()}`} (its visits since the load: ${ahead.buyer.answered.map((visit) => `${visit.sentAtMs}→${visit.answeredAtMs} ms`).join(', ')})`,
      });
    }
  }

  const lastAnswer = Math.max(0, ...buyers.map((buyer) => buyer.endedAtMs));
  const startMs = drop.saleStartsAt - input.loadStartedAt;
  const flushesDuringDrop = input.faults.filter((fault) => fault.kind === 'redis-flush' && fault.injected && fault.firedAtMs >= startMs && fault.firedAtMs <= lastAnswer).length;

  return {
    invariant: input.invariant,
    productId: drop.productId,
    units: drop.units,
    admitPerSecond: drop.admitPerSecond,
    maxAdmitted: drop.maxAdmitted,
    buyers: buyers.length,
    lottery: buyers.filter((buyer) => buyer.place === 'lottery').length,
    endings,
    admissions: admissions.length,
    confirmed: Number(confirmed?.n ?? 0),
    admittedSamples: { ...sampled, bound },
    flushesDuringDrop,
    skips,
    cameBackLate,
    breaches,
  };
}
