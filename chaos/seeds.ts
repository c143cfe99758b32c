/**
 * Several fault runs in a row, one per seed (`npm run chaos:seeds -- N [chaos options]`): the guarantees must hold
 * on every run, not on a lucky one. Pure parts here (the seeds, the line per run), the loop in seeds-main.ts.
 */
import { FAULT_KINDS, type FaultKind } from './faults';
import type { ChaosSummary } from './verdict';

export class SeedsUsageError extends Error {}

export const SEEDS_USAGE = `usage: npm run chaos:seeds -- N [chaos options]
Runs the fault run N times in a row (1-100), seeds S, S+1, ... where S is --seed (default: random), and prints one
line per seed, then a total. The other options are npm run chaos's (see npm run chaos -- --help). Exit code 0 only
when every run ended with 0 breaches, 0 stuck orders, 0 double captures and 0 double refunds.`;

/** N and the options for npm run chaos, from argv (N is the first argument). */
export function parseSeedsArgs(argv: string[]): { count: number; chaosArgs: string[] } {
  const [first, ...rest] = argv;
  if (first === undefined || !/^[1-9][0-9]*$/.test(first) || Number(first) > 100) throw new SeedsUsageError(SEEDS_USAGE);
  return { count: Number(first), chaosArgs: rest };
}

/** The seeds of N runs from the first one; kept within --seed's range. */
export const seedsFrom = (first: number, count: number): number[] => Array.from({ length: count }, (_, i) => (first + i) % 2 ** 31);

type RunFigures = Pick<ChaosSummary, 'seed' | 'ok' | 'verdict' | 'outcomes' | 'phasesMs'> & {
  faults: Pick<ChaosSummary['faults'], 'injected'>;
  coupons: { coupons: Array<Pick<ChaosSummary['coupons']['coupons'][number], 'issued' | 'redeemed'>> };
  queue: Pick<ChaosSummary['queue'], 'buyers' | 'endings' | 'flushesDuringDrop'>;
};

/** How each kind of fault is named in the line, in FAULT_KINDS order. */
const FAULT_NAMES: Record<FaultKind, string> = {
  'worker-kill': 'worker kills',
  'temporal-restart': 'Temporal restarts',
  'redis-flush': 'Redis flushes',
  'api-kill': 'API kills',
  'payments-restart': 'provider restarts',
  'mysql-kill': 'MySQL kills',
};

/** One line per run: the seed, the verdict, what became of the orders, and the faults injected. */
export function seedLine(summary: RunFigures): string {
  const { verdict, outcomes } = summary;
  const faults = FAULT_KINDS.map((kind) => `${summary.faults.injected[kind] ?? 0} ${FAULT_NAMES[kind]}`).join(', ');
  const coupons = summary.coupons.coupons;
  const issued = coupons.reduce((sum, coupon) => sum + coupon.issued, 0);
  const used = coupons.reduce((sum, coupon) => sum + coupon.redeemed, 0);
  const { queue } = summary;
  return (
    `seed ${summary.seed}: ${summary.ok ? 'ok' : 'FAILED'}, ` +
    `${verdict.breaches} breaches, ${verdict.stuck} stuck, ${verdict.doubleCaptures} double captures, ${verdict.doubleRefunds} double refunds; ` +
    `${outcomes.CONFIRMED} CONFIRMED, ${outcomes.CANCELLED} CANCELLED, ${outcomes.EXPIRED} EXPIRED, ${outcomes.FAILED} FAILED, ` +
    `${outcomes.REJECTED} REJECTED; ${issued} coupons issued, ${used} used; ` +
    `queue: ${queue.buyers} buyers, ${queue.endings.ORDERED} ordered, ${queue.endings.SOLD_OUT} sold out, ${queue.endings.UNANSWERED} unanswered, ${queue.flushesDuringDrop} flushes during the drop; ` +
    `faults: ${faults} (${Math.round(summary.phasesMs.total / 1000)} s)`
  );
}

export function totalLine(summaries: Array<Pick<ChaosSummary, 'ok'>>): string {
  const ok = summaries.filter((summary) => summary.ok).length;
  return `${summaries.length} seeds: ${ok} ok, ${summaries.length - ok} failed`;
}
