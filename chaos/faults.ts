/**
 * The fault schedule of a run (drawn from the seed, before anything starts) and its execution against the stack.
 * Faults of one kind are stratified over the load window (one per equal slice), so they never overlap each other;
 * faults of different kinds may.
 */
import type { FaultCounts } from '../payments/faults';
import { killDatabaseConnections } from './mysql-connections';
import type { ChaosOptions } from './options';
import type { Rng } from './random';
import type { ChaosStack } from './stack';

export type FaultKind = 'worker-kill' | 'temporal-restart' | 'redis-flush' | 'api-kill' | 'payments-restart' | 'mysql-kill';
export const FAULT_KINDS: readonly FaultKind[] = ['worker-kill', 'temporal-restart', 'redis-flush', 'api-kill', 'payments-restart', 'mysql-kill'];

export interface PlannedFault {
  kind: FaultKind;
  /** Since the load began. */
  atMs: number;
  /** How long the target stays down (0 for a flush). */
  downMs: number;
  signal?: NodeJS.Signals;
  /** Worker index (0-based) for a worker kill. */
  worker?: number;
  /** API instance index (0-based) for an API kill. */
  api?: number;
}

export interface FaultRecord extends PlannedFault {
  /** When it really happened, since the load began. */
  firedAtMs: number;
  target: string;
  /** What happened, for the report. */
  detail: string;
  injected: boolean;
  /** The stand-in's own fault counts just before a restart took them with it (summed into the report). */
  paymentCounts?: FaultCounts;
}

/** Faults land in [10%, 85%] of the load window, so orders are in flight and more arrive after the last one. */
const WINDOW = { from: 0.1, to: 0.85 };

export function planFaults(
  rng: Rng,
  options: Pick<ChaosOptions, 'durationMs' | 'workers' | 'apis' | 'workerKills' | 'temporalRestarts' | 'redisFlushes' | 'apiKills' | 'paymentsRestarts' | 'mysqlKills'>,
): PlannedFault[] {
  const start = options.durationMs * WINDOW.from;
  const span = options.durationMs * (WINDOW.to - WINDOW.from);
  const times = (count: number) => Array.from({ length: count }, (_, i) => Math.round(start + (span / count) * (i + rng.between(0.1, 0.9))));
  const plan: PlannedFault[] = [
    ...times(options.workerKills).map((atMs, i): PlannedFault => ({
      kind: 'worker-kill',
      atMs,
      downMs: rng.int(1_000, 3_000),
      // Crashes and deploys alternate: SIGKILL loses the worker outright, SIGTERM lets it drain its activities.
      signal: i % 2 === 0 ? 'SIGKILL' : 'SIGTERM',
      worker: rng.int(0, options.workers - 1),
    })),
    ...times(options.temporalRestarts).map((atMs, i): PlannedFault => ({
      kind: 'temporal-restart',
      atMs,
      downMs: rng.int(2_000, 5_000),
      // The first stop is the hard one; later ones are a coin toss.
      signal: i === 0 || rng.chance(0.5) ? 'SIGKILL' : 'SIGTERM',
    })),
    ...times(options.redisFlushes).map((atMs): PlannedFault => ({ kind: 'redis-flush', atMs, downMs: 0 })),
    ...times(options.apiKills).map(
      // The instances take turns, one at a time (kills of one kind never overlap), so another keeps serving.
      (atMs, i): PlannedFault => ({ kind: 'api-kill', atMs, downMs: rng.int(500, 2_000), signal: i % 2 === 0 ? 'SIGKILL' : 'SIGTERM', api: i % options.apis }),
    ),
    // A provider crash: its books are on disk (PAYMENTS_DATA_FILE), so the same file is reopened on restart.
    ...times(options.paymentsRestarts).map((atMs): PlannedFault => ({ kind: 'payments-restart', atMs, downMs: rng.int(500, 3_000), signal: 'SIGKILL' })),
    ...times(options.mysqlKills).map((atMs): PlannedFault => ({ kind: 'mysql-kill', atMs, downMs: 0 })),
  ];
  return plan.sort((a, b) => a.atMs - b.atMs);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export interface FaultHooks {
  /** Requests buyers have open on the API right now (to tell how many a kill cut). */
  apiRequestsInFlight(): number;
  log(line: string): void;
}

/** Runs the plan from `loadStartedAt`; resolves when every fault has happened and its target is back. */
export async function runFaults(plan: PlannedFault[], stack: ChaosStack, loadStartedAt: number, hooks: FaultHooks): Promise<FaultRecord[]> {
  const records: FaultRecord[] = [];
  const since = () => Date.now() - loadStartedAt;
  const fmt = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

  const fire = async (fault: PlannedFault): Promise<void> => {
    await sleep(fault.atMs - since());
    const firedAtMs = since();
    const record = (target: string, detail: string, injected = true, extra: Partial<FaultRecord> = {}) => {
      records.push({ ...fault, firedAtMs, target, detail, injected, ...extra });
      hooks.log(`${fmt(firedAtMs)} fault ${fault.kind}: ${detail}`);
    };
    switch (fault.kind) {
      case 'worker-kill': {
        const names = stack.workerNames;
        // The planned worker, or the next one that is up (it may still be restarting from an earlier kill).
        const order = names.map((_, i) => names[(fault.worker! + i) % names.length]);
        const name = order.find((candidate) => stack.supervisor.get(candidate).isUp());
        if (!name) {
          record(names[fault.worker!], 'skipped: no worker is up', false);
          return;
        }
        const part = stack.supervisor.get(name);
        const signal = fault.signal ?? 'SIGKILL';
        const pid = part.child?.pid;
        await part.stop(signal);
        record(name, `${signal} ${name} (pid ${pid}); restart in ${fmt(fault.downMs)}`);
        await sleep(fault.downMs);
        part.start();
        return;
      }
      case 'temporal-restart': {
        const part = stack.supervisor.get('temporal');
        const signal = fault.signal ?? 'SIGKILL';
        const stopping = Date.now();
        await part.stop(signal, 20_000);
        record('temporal', `${signal} Temporal dev server (stopped in ${Date.now() - stopping} ms); restart on the same SQLite file in ${fmt(fault.downMs)}`);
        await sleep(fault.downMs);
        part.start();
        const restarting = Date.now();
        await stack.waitForTemporal(90_000);
        hooks.log(`${fmt(since())} Temporal back after ${Date.now() - restarting} ms`);
        return;
      }
      case 'redis-flush': {
        const keys = await stack.redis.dbsize();
        await stack.redis.flushall();
        record('redis', `FLUSHALL (${keys} key(s) lost)`);
        return;
      }
      case 'api-kill': {
        const name = stack.apiNames[(fault.api ?? 0) % stack.apiNames.length];
        const part = stack.supervisor.get(name);
        if (!part.isUp()) {
          record(name, `skipped: ${name} is not up`, false);
          return;
        }
        const cut = hooks.apiRequestsInFlight();
        const signal = fault.signal ?? 'SIGKILL';
        await part.stop(signal);
        record(name, `${signal} ${name} with ${cut} buyer request(s) open on the APIs; restart in ${fmt(fault.downMs)}`);
        await sleep(fault.downMs);
        part.start();
        return;
      }
      case 'payments-restart': {
        const part = stack.supervisor.get('payments');
        const paymentCounts = await stack.paymentFaultCounts();
        const signal = fault.signal ?? 'SIGKILL';
        await part.stop(signal);
        record('payments', `${signal} payment stand-in; restart on the same ledger file in ${fmt(fault.downMs)}`, true, { paymentCounts });
        await sleep(fault.downMs);
        part.start();
        return;
      }
      case 'mysql-kill': {
        const { killed, spared, busy } = await killDatabaseConnections(stack.orm, stack.databaseName);
        record('mysql', `KILL CONNECTION of ${killed} connection(s) to ${stack.databaseName} (${busy} mid-statement; ${spared} of the run's own spared)`, killed > 0);
        return;
      }
    }
  };

  const outcomes = await Promise.allSettled(plan.map(fire));
  for (const [i, outcome] of outcomes.entries()) {
    if (outcome.status === 'rejected') {
      hooks.log(`fault ${plan[i].kind} at ${fmt(plan[i].atMs)} failed: ${(outcome.reason as Error).message}`);
      records.push({ ...plan[i], firedAtMs: -1, target: '-', detail: `failed: ${(outcome.reason as Error).message}`, injected: false });
      // A failed restart must not leave the target down: a process manager would bring it back.
      if (plan[i].kind === 'temporal-restart') stack.supervisor.get('temporal').start();
      if (plan[i].kind === 'api-kill') for (const name of stack.apiNames) stack.supervisor.get(name).start();
      if (plan[i].kind === 'payments-restart') stack.supervisor.get('payments').start();
    }
  }
  return records.sort((a, b) => a.firedAtMs - b.firedAtMs);
}
