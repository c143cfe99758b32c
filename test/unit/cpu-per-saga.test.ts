import { cpuMsPerSaga, ratioCeiling, roundInCpu } from '../../bench/cpu-per-saga';

const phase = (rows: Array<[string, number]>) => ({
  wallSeconds: 10,
  machineCores: 2,
  cpuSecondsOfTheseProcesses: 0,
  machineBusyCpuSeconds: 0,
  machineBusy: 0,
  byProcess: rows.map(([process, cpuSeconds]) => ({ process, cpuSeconds, coresUsed: cpuSeconds / 10 })),
});

test('CPU per saga counts each part once: its per-process rows and other work on the machine are left out', () => {
  const perSaga = cpuMsPerSaga(
    phase([
      ['api', 2],
      ['api ▸ process pid 12', 1.5],
      ['worker', 10],
      ['everything else on the machine', 3],
    ]),
    200,
  );
  expect(Object.fromEntries(perSaga)).toEqual({ api: 10, worker: 50 });
});

test('the highest reachable ratio adds only the stores and the buyers of an order to the no-op', () => {
  const orders = new Map([
    ['temporal', 40],
    ['worker', 50],
    ['api', 10],
    ['mariadbd', 5],
    ['redis-server', 1],
    ['payments', 2],
    ['bench (load generator)', 2],
  ]);
  const noop = new Map([
    ['temporal', 35],
    ['bench (load generator)', 55],
  ]);
  expect(ratioCeiling(orders, noop)).toEqual({ orderMs: 110, noopMs: 90, storesAndBuyersMs: 10, ceiling: 0.9 });
});

test('a round in CPU: what is ours, the order worker beyond the no-op worker, the API, and the no-op over the order', () => {
  const orders = new Map([
    ['temporal', 33],
    ['worker', 41],
    ['api', 8],
    ['noop worker', 0.5],
    ['mariadbd', 4],
    ['redis-server', 1],
    ['payments', 2],
    ['bench (load generator)', 1.5],
  ]);
  const noop = new Map([
    ['temporal', 29],
    ['noop worker', 26.5],
    ['worker', 0.5],
    ['bench (load generator)', 3],
  ]);
  expect(roundInCpu(orders, noop)).toEqual({ oursMs: 23.5, workerBeyondNoopMs: 14.5, apiMs: 8, cpuRatio: 0.648 });
});

test('a phase that completed no saga has no CPU per saga', () => {
  expect(cpuMsPerSaga(phase([['worker', 10]]), 0).size).toBe(0);
});
