/** The multi-seed fault run's pure parts: its arguments, its seeds and its one line per seed. */
import { parseSeedsArgs, seedLine, seedsFrom, SeedsUsageError, totalLine } from '../../chaos/seeds';

test('takes N first and passes the rest to the fault run', () => {
  expect(parseSeedsArgs(['10', '--seed=7', '--orders=100'])).toEqual({ count: 10, chaosArgs: ['--seed=7', '--orders=100'] });
  for (const bad of [[], ['0'], ['101'], ['ten'], ['--seed=7']]) expect(() => parseSeedsArgs(bad)).toThrow(SeedsUsageError);
});

test('runs consecutive seeds from the first, within the seed range', () => {
  expect(seedsFrom(5, 3)).toEqual([5, 6, 7]);
  expect(seedsFrom(2 ** 31 - 1, 2)).toEqual([2 ** 31 - 1, 0]);
});

test('prints one line per seed with its verdict, outcomes and faults, and a total', () => {
  const outcomes = { CONFIRMED: 40, REJECTED: 1, CANCELLED: 5, EXPIRED: 9, FAILED: 4, PENDING: 0, RESERVED: 0, NO_ORDER: 30, UNKNOWN: 0 };
  const verdict = { breaches: 0, checkerBreaches: 0, oversoldUnits: 0, stockDrift: 0, contradictions: 0, reconcilerRepairs: 0, couponBreaches: 0, queueBreaches: 0, stuck: 0, doubleCaptures: 0, doubleRefunds: 0 };
  const phasesMs = { setup: 10_000, load: 60_000, quiet: 2_000, verdict: 1_000, total: 73_400 };
  const injected = { 'worker-kill': 5, 'temporal-restart': 2, 'redis-flush': 3, 'api-kill': 2, 'payments-restart': 2, 'mysql-kill': 3 };
  const coupons = { coupons: [{ issued: 7, redeemed: 2 }, { issued: 20, redeemed: 9 }] };
  const queue = { buyers: 24, endings: { ORDERED: 7, ORDER_REFUSED: 0, SOLD_OUT: 16, UNANSWERED: 1, UNEXPECTED: 0 }, flushesDuringDrop: 2 };
  const ok = { seed: 42, ok: true, verdict, outcomes, phasesMs, faults: { injected }, coupons, queue };
  const failed = { ...ok, seed: 43, ok: false, verdict: { ...verdict, breaches: 1, checkerBreaches: 1 } };

  expect(seedLine(ok)).toBe(
    'seed 42: ok, 0 breaches, 0 stuck, 0 double captures, 0 double refunds; 40 CONFIRMED, 5 CANCELLED, 9 EXPIRED, 4 FAILED, 1 REJECTED; 27 coupons issued, 11 used; ' +
      'queue: 24 buyers, 7 ordered, 16 sold out, 1 unanswered, 2 flushes during the drop; ' +
      'faults: 5 worker kills, 2 Temporal restarts, 3 Redis flushes, 2 API kills, 2 provider restarts, 3 MySQL kills (73 s)',
  );
  expect(seedLine(failed)).toMatch(/^seed 43: FAILED, 1 breaches,/);
  expect(totalLine([ok, failed])).toBe('2 seeds: 1 ok, 1 failed');
});
