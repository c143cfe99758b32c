import type { ChildProcess } from 'node:child_process';

/**
 * One part of `npm start` (Temporal, payments, worker, API), kept running the way a process manager would: a part
 * that exits without being asked to is started again after a backoff (1 s, doubling up to 30 s; back to 1 s once it
 * has run for a minute), with a log line saying so, while the other parts keep serving. stop() is the only way a
 * part ends for good.
 */
export interface PartLauncher {
  name: string;
  /** Starts the process; resolves once it is started (for Temporal: once it answers). */
  launch(): Promise<ChildProcess>;
}

const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;
/** A part that ran this long before exiting is restarted with the first backoff again: it was not crash-looping. */
const STABLE_AFTER_MS = 60_000;

export class SupervisedPart {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private backoffMs = FIRST_BACKOFF_MS;
  restarts = 0;

  constructor(
    private readonly launcher: PartLauncher,
    private readonly log: (line: string) => void,
  ) {}

  get name(): string {
    return this.launcher.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    const child = await this.launcher.launch();
    this.child = child;
    const startedAt = Date.now();
    this.log(`${this.name} started (pid ${child.pid})`);
    child.once('exit', (code, signal) => {
      if (this.stopping || this.child !== child) return;
      if (Date.now() - startedAt >= STABLE_AFTER_MS) this.backoffMs = FIRST_BACKOFF_MS;
      const delayMs = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
      this.restarts += 1;
      const how = signal ? `signal ${signal}` : `code ${code}`;
      this.log(`${this.name} exited unexpectedly (${how}); restarting in ${delayMs / 1000} s (restart ${this.restarts}); the other parts keep running`);
      this.restartTimer = setTimeout(() => void this.restart(), delayMs);
    });
  }

  private async restart(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.start();
    } catch (error) {
      // A start that fails (Temporal not answering in time) is one more failed attempt: try again, later.
      if (this.stopping) return;
      const delayMs = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
      this.log(`${this.name} could not start (${error instanceof Error ? error.message : String(error)}); retrying in ${delayMs / 1000} s`);
      this.restartTimer = setTimeout(() => void this.restart(), delayMs);
    }
  }

  /**
   * No restart from now on. Called for every part as soon as a stop begins: Ctrl-C's SIGINT reaches every part at
   * once (one foreground process group), and a part that exits while another drains must stay stopped.
   */
  keepDown(): void {
    this.stopping = true;
    clearTimeout(this.restartTimer);
  }

  /** Stops the part for good: SIGTERM (the part drains), SIGKILL if it is still there after `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    this.keepDown();
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(killer);
  }
}
