import { dropFloor } from '../../bench/drop-floor';

const phase = (rows: Array<[string, number]>) => {
  const byProcess = rows.map(([process, cpuSeconds]) => ({ process, cpuSeconds, coresUsed: cpuSeconds / 5 }));
  const ours = rows.filter(([process]) => process !== 'everything else on the machine').reduce((sum, [, seconds]) => sum + seconds, 0);
  return { wallSeconds: 5, machineCores: 2, cpuSecondsOfTheseProcesses: ours, machineBusyCpuSeconds: ours, machineBusy: 0.9, byProcess };
};

test("the drop's floor adds to the no-op drop only the race's stores and buyers and every refusal at a health check's cost", () => {
  const race = phase([
    ['api', 6],
    ['worker', 5],
    ['temporal', 3],
    ['mariadbd', 0.5],
    ['redis-server', 0.2],
    ['payments', 0.3],
    ['bench (load generator)', 2],
    ['everything else on the machine', 1],
  ]);
  const noopDrop = phase([
    ['temporal', 3],
    ['noop worker', 3],
    ['bench (load generator)', 2],
  ]);
  expect(dropFloor(race, noopDrop, 10_000, 200)).toEqual({
    noopDropCpuSeconds: 8,
    raceStoresAndBuyersCpuSeconds: 3,
    refusalsAtHealthzCpuSeconds: 2,
    floor: 1.625,
    measuredCpuRatio: 2.125,
  });
});
