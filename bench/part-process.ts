/**
 * One benchmark part as a child process of its own: started with tsx (or under `node --cpu-prof`), its output in a log
 * file, waited for until it polls its task queue, stopped. The stack's parts (bench/stack.ts) and the no-op baseline's
 * worker (bench/noop-baseline.ts) start this way, so `cpuSnapshot` can count each one's process tree apart.
 *
 * No side effects on import (unlike bench/stack.ts, which sets the bench codec key and databases in the environment):
 * bench:containers starts the no-op's worker against a stack whose keys are not the bench's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';

const root = path.resolve(__dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

export interface RunningPart {
  name: string;
  child: ChildProcess;
  logFile: string;
}

/**
 * Starts `entry` as `tsx <entry>`, or as `node --cpu-prof --import tsx <entry>` when `cpuProfile` (its .cpuprofile
 * lands in `<logDir>/prof-<name>/`); output goes to `<logDir>/<name>.log`. Detached: the part leads its own process
 * group, so a Ctrl-C on the benchmark reaches the benchmark alone, which then stops the parts in its own order.
 */
export function spawnPart(name: string, entry: string, { logDir, env, cpuProfile = false }: { logDir: string; env: NodeJS.ProcessEnv; cpuProfile?: boolean }): RunningPart {
  const logFile = path.join(logDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  // --cpu-prof is not allowed in NODE_OPTIONS: a profiled part runs as `node --cpu-prof --import tsx <entry>`.
  const [command, args] = cpuProfile
    ? [process.execPath, ['--cpu-prof', `--cpu-prof-dir=${path.join(logDir, `prof-${name}`)}`, '--import', 'tsx', entry]]
    : [tsx, [entry]];
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  return { name, child, logFile };
}

export function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM, then up to `graceMs` for the part to drain and exit, then SIGKILL to its whole process group. */
export async function stopChild(child: ChildProcess, graceMs = 30_000): Promise<void> {
  if (exited(child)) return;
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const inTime = await Promise.race([done.then(() => true), sleep(graceMs).then(() => false)]);
  if (!inTime && child.pid !== undefined) {
    // The tsx wrapper leads its own process group (detached), so its node child goes with it.
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await done;
  }
}

export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Waits until the task queue has `count` pollers of both kinds (workflow and activity): the workers are really polling. */
export async function waitForPollers(address: string, namespace: string, taskQueue: string, count: number, timeoutMs: number, parts: RunningPart[]): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const part of parts) {
        if (exited(part.child)) throw new Error(`${part.name} exited with code ${part.child.exitCode} while starting:\n${tail(part.logFile)}`);
      }
      // TaskQueueType: 1 = workflow, 2 = activity (temporal.api.enums.v1.TaskQueueType).
      const [workflowPollers, activityPollers] = await Promise.all(
        [1, 2].map(async (taskQueueType) => {
          const answer = await connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType });
          return new Set((answer.pollers ?? []).map((poller) => poller.identity)).size;
        }),
      );
      if (workflowPollers >= count && activityPollers >= count) return;
      if (Date.now() > deadline) throw new Error(`only ${workflowPollers}/${activityPollers} worker(s) polling ${taskQueue} after ${timeoutMs} ms`);
      await sleep(250);
    }
  } finally {
    await connection.close();
  }
}
