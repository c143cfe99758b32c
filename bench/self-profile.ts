/**
 * A CPU profile of this process's main thread over one stretch of a benchmark (node:inspector), written as a
 * .cpuprofile that bench/profile-summary.ts reads. For work that runs inside the benchmark's own process, which
 * `node --cpu-prof` on the stack's parts cannot reach: the no-op baseline's worker (bench/noop-baseline.ts), profiled by
 * bench:saga during its measured no-op levels when BENCH_CPU_PROF names `noop`. That process also drives the load (the
 * no-op's Temporal client), so its profile holds both: read the worker's packages apart from the client's.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

/** The sampling interval of `node --cpu-prof` (1 ms), so this profile reads like the parts'. */
const SAMPLING_INTERVAL_US = 1_000;

/** Runs `work` with this process's main thread profiled, and writes the profile to `file`. */
export async function profileWhile<T>(file: string, work: () => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
    await session.post('Profiler.start');
    const result = await work();
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(profile));
    return result;
  } finally {
    session.disconnect();
  }
}
