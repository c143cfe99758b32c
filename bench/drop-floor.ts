/**
 * The lowest confirm ÷ no-op ratio a drop could show on this machine (bench:flash), in CPU. Both the race and the
 * no-op drop keep the 2 cores busy, so their times follow their CPU. Even if our API and worker cost nothing beyond
 * the no-op for each sold order, and each refusal nothing beyond a health check, the race would still need: the no-op
 * drop's CPU (the sagas themselves), what the race's stores and buyers used (MariaDB, Redis, the payment stand-in, the
 * load generator: bench/cpu-per-saga.ts's STORES_AND_BUYERS), and every refusal answered at the cost of `GET /healthz`.
 */
import { STORES_AND_BUYERS } from './cpu-per-saga';
import { round, type cpuDelta } from './lib';

type CpuDelta = ReturnType<typeof cpuDelta>;

export interface DropFloor {
  noopDropCpuSeconds: number;
  raceStoresAndBuyersCpuSeconds: number;
  refusalsAtHealthzCpuSeconds: number;
  /** (no-op drop + stores and buyers + refusals at a health check's cost) ÷ no-op drop. */
  floor: number;
  /** The measured ratio in CPU: the race's CPU ÷ the no-op drop's. */
  measuredCpuRatio: number;
}

export function dropFloor(race: CpuDelta, noopDrop: CpuDelta, refusals: number, healthzCpuMicros: number): DropFloor {
  const noopDropCpuSeconds = noopDrop.cpuSecondsOfTheseProcesses;
  const raceStoresAndBuyersCpuSeconds = round(race.byProcess.filter((row) => STORES_AND_BUYERS.includes(row.process)).reduce((sum, row) => sum + row.cpuSeconds, 0));
  const refusalsAtHealthzCpuSeconds = round((refusals * healthzCpuMicros) / 1e6);
  return {
    noopDropCpuSeconds,
    raceStoresAndBuyersCpuSeconds,
    refusalsAtHealthzCpuSeconds,
    floor: round((noopDropCpuSeconds + raceStoresAndBuyersCpuSeconds + refusalsAtHealthzCpuSeconds) / noopDropCpuSeconds, 3),
    measuredCpuRatio: round(race.cpuSecondsOfTheseProcesses / noopDropCpuSeconds, 3),
  };
}
