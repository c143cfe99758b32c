/**
 * CPU per saga, process by process, and what it allows bench:saga's ratio to reach. On this machine both sides are
 * CPU-bound on the same cores, so sagas per second follow CPU per saga: the ratio to the no-op is about the no-op's
 * CPU per saga over the order's. An order also needs work no workflow code can avoid: the stores it talks to
 * (MariaDB, Redis, the payment provider) and the buyers' HTTP client. Adding only that to the no-op's CPU gives the
 * highest ratio any order path could reach here, even if our API, worker and workflow cost nothing beyond the no-op.
 */
import { CPU_ROW, PART_OF, round, type cpuDelta } from './lib';
import type { PartName } from './stack';

type CpuDelta = ReturnType<typeof cpuDelta>;

/** Outside our code: the stores an order talks to and the load generator (the buyers' two HTTP requests). */
export const STORES_AND_BUYERS: readonly string[] = [CPU_ROW.mariadb, CPU_ROW.redis, 'payments' satisfies PartName, CPU_ROW.loadGenerator];

/** Milliseconds of CPU per completed saga for each process of the stack (a part's per-process rows left out). */
export function cpuMsPerSaga(cpu: CpuDelta, completed: number): Map<string, number> {
  const perSaga = new Map<string, number>();
  if (completed === 0) return perSaga;
  for (const entry of cpu.byProcess) {
    if (entry.process.includes(PART_OF) || entry.process === CPU_ROW.otherWork) continue;
    perSaga.set(entry.process, round((entry.cpuSeconds * 1000) / completed, 1));
  }
  return perSaga;
}

const total = (perSaga: Map<string, number>) => round([...perSaga.values()].reduce((sum, ms) => sum + ms, 0), 1);

export interface RatioCeiling {
  orderMs: number;
  noopMs: number;
  storesAndBuyersMs: number;
  /** The no-op's CPU per saga over that CPU plus the stores' and the buyers': the most the ratio could be. */
  ceiling: number;
}

export function ratioCeiling(orders: Map<string, number>, noop: Map<string, number>): RatioCeiling {
  const noopMs = total(noop);
  const storesAndBuyersMs = round(STORES_AND_BUYERS.reduce((sum, name) => sum + (orders.get(name) ?? 0), 0), 1);
  return { orderMs: total(orders), noopMs, storesAndBuyersMs, ceiling: round(noopMs / (noopMs + storesAndBuyersMs), 3) };
}

/**
 * One round in CPU alone: what is ours (as in RatioCeiling), the order worker beyond the no-op's worker, the API, and
 * the no-op's CPU per saga over the order's: each round's figures, so that a cut is judged against the rounds' spread
 * in CPU as well as in rates.
 */
export interface RoundInCpu {
  oursMs: number;
  workerBeyondNoopMs: number;
  apiMs: number;
  cpuRatio: number;
}

export function roundInCpu(orders: Map<string, number>, noop: Map<string, number>): RoundInCpu {
  const { orderMs, noopMs, storesAndBuyersMs } = ratioCeiling(orders, noop);
  return {
    oursMs: round(orderMs - noopMs - storesAndBuyersMs, 1),
    workerBeyondNoopMs: round((orders.get('worker' satisfies PartName) ?? 0) - (noop.get(CPU_ROW.noopWorker) ?? 0), 1),
    apiMs: orders.get('api' satisfies PartName) ?? 0,
    cpuRatio: orderMs > 0 ? round(noopMs / orderMs, 3) : 0,
  };
}
