/**
 * A production entry point (`tsx worker/main.ts`, `tsx api/main.ts`) as a real process for tests that signal it:
 * in a process group of its own (tsx runs the entry point in a child process, and the whole group must get the
 * signal), started once it logs its ready line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

/** Starts `entry` with the test's environment plus `env`; resolves once its output contains `ready`. */
export async function startEntryPoint(entry: string, env: NodeJS.ProcessEnv, ready: string): Promise<ChildProcess> {
  const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), [entry], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(ready)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${entry} exited early (${code}): ${output}`)));
  });
  return child;
}

export const exitOf = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

/** SIGCONT (a stopped group would not act on SIGTERM) and SIGTERM to the group; SIGKILL if it has not gone in 25 s. */
export async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = exitOf(child);
  process.kill(-child.pid!, 'SIGCONT');
  process.kill(-child.pid!, 'SIGTERM');
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 25_000);
  await exited;
  clearTimeout(timer);
}
