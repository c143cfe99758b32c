/**
 * The processes of a fault run, each a child of this one in a process group of its own (so a SIGKILL takes the tsx
 * wrapper and its node child together), with its output appended to <logDir>/<name>.log.
 *
 * A part is either wanted or not. A wanted part that exits is restarted after a short backoff, as a process manager
 * (systemd, Kubernetes) would: the run counts those exits, since nothing but a fault should stop a part. A fault
 * un-wants a part, kills it, waits, and wants it again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface PartSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Whether `promise` settles within `ms`; the timer is cleared either way, so nothing lingers after the run. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Restarts of one part after unexpected exits, at most: a part that keeps dying is a finding, not a loop. */
const MAX_RESTARTS = 40;

export class Part {
  child: ChildProcess | undefined;
  wanted = false;
  starts = 0;
  /** Exits nobody asked for (crashes, or a start that failed). */
  readonly unexpectedExits: Array<{ at: number; code: number | null; signal: string | null }> = [];
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly spec: PartSpec,
    readonly logFile: string,
    private readonly log: (line: string) => void,
    private readonly startedAt: number,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  isUp(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Wants the part and starts it (no-op while it runs). */
  start(): void {
    this.wanted = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    if (this.isUp()) return;
    this.starts += 1;
    appendFileSync(this.logFile, `\n===== [chaos] start #${this.starts} of ${this.name} at ${new Date().toISOString()} =====\n`);
    const fd = openSync(this.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.spec.command, this.spec.args, {
        cwd: this.spec.cwd,
        env: this.spec.env,
        stdio: ['ignore', fd, fd],
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    child.once('error', (error) => appendFileSync(this.logFile, `[chaos] spawn error: ${error.message}\n`));
    child.once('exit', (code, signal) => {
      if (this.child !== child) return;
      if (!this.wanted) return;
      this.unexpectedExits.push({ at: Date.now() - this.startedAt, code, signal });
      const attempt = this.unexpectedExits.length;
      if (attempt > MAX_RESTARTS) {
        this.log(`${this.name} exited (code ${code}, signal ${signal}) ${attempt} times: not restarting it again`);
        return;
      }
      const backoff = Math.min(500 * attempt, 3_000);
      this.log(`${this.name} exited unexpectedly (code ${code}, signal ${signal}); restarting in ${backoff} ms`);
      this.restartTimer = setTimeout(() => {
        if (this.wanted && !this.isUp()) this.start();
      }, backoff);
    });
  }

  /** Un-wants the part and stops it with `signal` (the whole process group); SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals, graceMs = 20_000): Promise<void> {
    this.wanted = false;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    if (!child || !this.isUp()) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.signal(signal);
    const inTime = await within(exited, graceMs);
    if (!inTime) {
      this.signal('SIGKILL');
      await within(exited, 5_000);
    }
    // The group may outlive its leader (tsx's node child): make sure nothing of it is left.
    if (signal === 'SIGKILL' || !inTime) this.signal('SIGKILL');
  }

  /** Signals the process group; synchronous, for the exit handler too. */
  signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        process.kill(pid, signal);
      } catch {
        /* already gone */
      }
    }
  }

  /** The last lines of the part's log, for error messages. */
  tail(lines = 25): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

export class Supervisor {
  readonly parts = new Map<string, Part>();
  private readonly startedAt = Date.now();
  private readonly killAllOnExit = () => {
    for (const part of this.parts.values()) {
      part.wanted = false;
      if (part.isUp()) part.signal('SIGKILL');
    }
  };

  constructor(
    readonly logDir: string,
    private readonly log: (line: string) => void,
  ) {
    // Whatever happens to this process, its children go with it.
    process.once('exit', this.killAllOnExit);
  }

  add(spec: PartSpec): Part {
    const part = new Part(spec, path.join(this.logDir, `${spec.name}.log`), this.log, this.startedAt);
    this.parts.set(spec.name, part);
    return part;
  }

  get(name: string): Part {
    const part = this.parts.get(name);
    if (!part) throw new Error(`no part named ${name}`);
    return part;
  }

  /** Parts that exited without being asked to, by name. */
  unexpectedExits(): Record<string, number> {
    return Object.fromEntries([...this.parts.values()].map((part) => [part.name, part.unexpectedExits.length]));
  }

  /** Stops every part, in the order given (the rest after), politely first. */
  async stopAll(order: string[]): Promise<void> {
    const names = [...order.filter((name) => this.parts.has(name)), ...[...this.parts.keys()].filter((name) => !order.includes(name))];
    for (const name of names) await this.get(name).stop('SIGTERM', 15_000);
    process.off('exit', this.killAllOnExit);
  }
}

/**
 * Where freePort picks: below the kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768–60999 by default),
 * whose ports the kernel hands out on its own, to every outbound connection and to every server that listens on port
 * 0 (the Temporal dev server picks its internal services' ports that way). A port from that range, probed free and
 * released for a part to take, can be taken by one of those before the part binds it, or between a part's kill and
 * its restart: an API of the fault run then failed to start 41 times on EADDRINUSE. Below the range, only a process
 * that asks for that very port can take it.
 */
const PICK_FROM = 20_000;
const PICK_BELOW = Math.min(32_768, ephemeralRangeStart());
/** Ports this process has handed out: a part may not have bound its port yet when the next one is picked. */
const handedOut = new Set<number>();

function ephemeralRangeStart(): number {
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return start > PICK_FROM + 1_000 ? start : 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * True when nothing listens on `port` on any address (the API listens on every address, the other parts on
 * 127.0.0.1): probed on IPv6's any-address, which covers IPv4's too, or on IPv4's where the machine has no IPv6.
 */
function isFree(port: number, host = '::'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      const noIpv6 = host === '::' && (error.code === 'EAFNOSUPPORT' || error.code === 'EADDRNOTAVAIL');
      resolve(noIpv6 ? isFree(port, '0.0.0.0') : false);
    });
    server.listen({ port, host, ipv6Only: false, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A TCP port free on every address right now, outside the kernel's ephemeral range, for a part to take. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = PICK_FROM + Math.floor(Math.random() * (PICK_BELOW - PICK_FROM));
    if (handedOut.has(port) || !(await isFree(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free TCP port found in ${PICK_FROM}–${PICK_BELOW - 1}`);
}

/** Polls `probe` until it resolves true, the part dies for good, or the time is up. */
export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number, parts: Part[] = []): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      if (await probe()) return;
    } catch (error) {
      last = (error as Error).message;
    }
    for (const part of parts) {
      if (!part.isUp() && !part.wanted) throw new Error(`${part.name} is not running while waiting for ${what}:\n${part.tail()}`);
    }
    if (Date.now() > deadline) {
      const logs = parts.map((part) => `--- ${part.name} (${part.logFile}) ---\n${part.tail()}`).join('\n');
      throw new Error(`${what}: not ready after ${Math.round(timeoutMs / 1000)} s${last ? ` (${last})` : ''}\n${logs}`);
    }
    await sleep(250);
  }
}
