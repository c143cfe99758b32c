/**
 * Small helpers the benchmarks share: arguments, percentiles, a keep-alive HTTP client for bounded load loops,
 * CPU accounting per process (from /proc), result files and the printed table.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { adminAuth } from './tokens';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `--name=value` on the command line wins over the environment variable, which wins over the default. */
export function numberArg(name: string, envName: string, fallback: number): number {
  const flag = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  const text = flag ? flag.slice(name.length + 3) : process.env[envName];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} / ${envName} must be a non-negative number, got "${text}"`);
  return value;
}

/**
 * The parameters of a drop (bench/flash-sale.ts, bench/coupon-drop.ts): `--buyers` race at `--concurrency` for
 * `--<units>` units, then the refused answers are measured for `--<refused>-seconds` over `--<refused>-connections`
 * per endpoint. Each also reads <PREFIX>_BUYERS, <PREFIX>_CONCURRENCY, <PREFIX>_<UNITS>, <PREFIX>_<REFUSED>_SECONDS and
 * <PREFIX>_<REFUSED>_CONNECTIONS; the defaults are 10,000 buyers, 500 connections, 100 units, 5 s and 4 connections.
 */
export function dropArgs(prefix: string, units: string, refused: string) {
  const env = (name: string) => `${prefix}_${name.toUpperCase().replaceAll('-', '_')}`;
  const buyers = numberArg('buyers', env('buyers'), 10_000);
  const concurrency = numberArg('concurrency', env('concurrency'), 500);
  if (concurrency > buyers) throw new Error('concurrency cannot exceed the number of buyers');
  return {
    buyers,
    concurrency,
    units: numberArg(units, env(units), 100),
    refusedSeconds: numberArg(`${refused}-seconds`, env(`${refused}-seconds`), 5),
    refusedConnections: numberArg(`${refused}-connections`, env(`${refused}-connections`), 4),
  };
}

export function listArg(name: string, envName: string, fallback: number[]): number[] {
  const flag = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  const text = flag ? flag.slice(name.length + 3) : process.env[envName];
  if (!text) return fallback;
  return text.split(',').map((part) => {
    const value = Number(part.trim());
    if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} / ${envName}: "${part}" is not a positive integer`);
    return value;
  });
}

export interface Percentiles {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Exact percentiles (nearest rank) of latencies in milliseconds. */
export function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return { count: sorted.length, mean: round(mean), p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1]) };
}

export { round };

/** The median of a few rounds (the lower middle for an even count), as every benchmark here takes it. */
export function medianOf(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
}

/** "median (round, round, …)", each to `digits` decimals: how the benchmarks print their rounds. */
export function medianAndRounds(values: number[], digits = 2): string {
  return `${round(medianOf(values), digits)} (${values.map((value) => round(value, digits)).join(', ')})`;
}

export interface HttpAnswer {
  status: number;
  body: string;
  ms: number;
}

/** A keep-alive HTTP/1.1 client with at most `maxSockets` connections; every request has a timeout. */
export function httpClient(baseUrl: string, maxSockets: number, timeoutMs = 60_000) {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  /**
   * A request on a kept-alive socket the server closed meanwhile fails with ECONNRESET before the server saw it; as
   * Node's documentation advises, such a request (reusedSocket, reset) is sent once more on a fresh socket.
   */
  async function request(method: string, requestPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    try {
      return await once(method, requestPath, body, headers);
    } catch (error) {
      if ((error as { reusedSocket?: boolean }).reusedSocket && (error as NodeJS.ErrnoException).code === 'ECONNRESET') return once(method, requestPath, body, headers);
      throw error;
    }
  }
  function once(method: string, requestPath: string, body: unknown, headers: Record<string, string>): Promise<HttpAnswer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path: requestPath,
          agent,
          timeout: timeoutMs,
          headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: performance.now() - started }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${requestPath}: no answer within ${timeoutMs} ms`)));
      req.on('error', (error) => reject(Object.assign(error, { reusedSocket: req.reusedSocket })));
      req.end(payload);
    });
  }
  return { request, close: () => agent.destroy() };
}

/** For the few setup calls (catalogue writes, as admin): JSON in, JSON out, and a clear error on an unexpected status. */
export async function jsonRequest<T>(method: string, url: string, body: unknown, expected: number): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: { ...adminAuth(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== expected) throw new Error(`${method} ${url}: expected ${expected}, got ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** Failed sagas counted by what failed (the message up to its first colon, e.g. `pay 503 `), with the first few messages. */
export function failureTally(keepSamples = 5) {
  const failures: Record<string, number> = {};
  const failureSamples: string[] = [];
  const record = (error: unknown) => {
    const message = (error as Error).message;
    const key = message.split(':')[0];
    failures[key] = (failures[key] ?? 0) + 1;
    if (failureSamples.length < keepSamples) failureSamples.push(message);
  };
  return { failures, failureSamples, record };
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once; stops issuing new ones after `deadlineMs`. */
export async function boundedPool(count: number, concurrency: number, deadlineMs: number, task: (index: number) => Promise<void>): Promise<{ issued: number }> {
  const stopAt = Date.now() + deadlineMs;
  let next = 0;
  const runner = async () => {
    while (next < count && Date.now() < stopAt) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, runner));
  return { issued: next };
}

export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, intervalMs = 200): Promise<{ value: T; met: boolean }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return { value, met: true };
    if (Date.now() > deadline) return { value, met: false };
    await sleep(intervalMs);
  }
}

/** One autocannon run; `onResponse` sees every response's status and latency (ms, from request write to last byte). */
export function runAutocannon(
  options: autocannon.Options,
  onResponse?: (statusCode: number, responseTimeMs: number) => void,
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error: unknown, result: autocannon.Result) => (error ? reject(error) : resolve(result)));
    if (onResponse) instance.on('response', (_client, statusCode, _bytes, responseTime) => onResponse(statusCode, responseTime));
  });
}

/** The answers of autocannon runs: every latency (ms), and how many answers each status code had. */
export interface ResponseTally {
  latencies: number[];
  statuses: Record<string, number>;
}

export const responseTally = (): ResponseTally => ({ latencies: [], statuses: {} });

/** An `onResponse` for runAutocannon that counts each answer into `tally`. */
export const countInto =
  (tally: ResponseTally) =>
  (statusCode: number, responseTimeMs: number): void => {
    tally.statuses[statusCode] = (tally.statuses[statusCode] ?? 0) + 1;
    tally.latencies.push(responseTimeMs);
  };

// ---------------------------------------------------------------------------------------------------------------
// CPU time per process, from /proc: evidence of where the machine's two cores went during a phase.

const CLOCK_TICKS = 100;

export interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  cpuSeconds: number;
}

function readProcStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // fields[0] is state (field 3); utime is field 14 and stime field 15 → indexes 11 and 12 here.
    return { pid, ppid: Number(fields[1]), comm, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS };
  } catch {
    return undefined;
  }
}

/**
 * A part's node program and the node processes it forked (the API's processes with API_PROCESSES > 1). The part's
 * root is the tsx wrapper, whose node child is the program, or the program itself when it runs under --cpu-prof.
 * Only node processes count: the wrapper and the program each also run an esbuild service.
 */
export function programOf(processes: readonly ProcStat[], rootPid: number): { program?: ProcStat; forked: ProcStat[] } {
  const program = isTsxWrapper(rootPid) ? processes.find((stat) => stat.ppid === rootPid && stat.comm === 'node') : processes.find((stat) => stat.pid === rootPid);
  const forked = program ? processes.filter((stat) => stat.ppid === program.pid && stat.comm === 'node') : [];
  return { program, forked };
}

function isTsxWrapper(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('/.bin/tsx');
  } catch {
    return false;
  }
}

export function allProcesses(): ProcStat[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProcStat(Number(name)))
    .filter((stat): stat is ProcStat => stat !== undefined);
}

/**
 * CPU seconds used so far by each named process tree (a root pid and its descendants), plus the shared MariaDB and
 * Redis servers (found by command name) and this process. Subtract two snapshots to get a phase's share.
 */
export function cpuSnapshot(roots: Record<string, number | undefined>): Record<string, number> {
  const processes = allProcesses();
  const byPid = new Map(processes.map((stat) => [stat.pid, stat]));
  const treeSeconds = processTreeSeconds(processes);
  const snapshot: Record<string, number> = {};
  for (const [name, pid] of Object.entries(roots)) if (pid !== undefined) snapshot[name] = treeSeconds(pid);
  // A part that runs as several processes (the API with API_PROCESSES > 1: tsx wrapper → cluster primary → its
  // processes) is also shown process by process, as rows the totals leave out (they are already in the part's row).
  for (const [name, pid] of Object.entries(roots)) {
    if (pid === undefined) continue;
    const { program, forked } = programOf(processes, pid);
    if (!program || forked.length === 0) continue;
    snapshot[`${name}${PART_OF}primary (pid ${program.pid})`] = byPid.get(program.pid)?.cpuSeconds ?? 0;
    for (const child of forked) snapshot[`${name}${PART_OF}process pid ${child.pid}`] = treeSeconds(child.pid);
  }
  snapshot[CPU_ROW.mariadb] = commandCpuSeconds(processes, 'mariadbd', 'mysqld');
  snapshot[CPU_ROW.redis] = commandCpuSeconds(processes, 'redis-server');
  return { ...snapshot, ...benchAndMachineCpu() };
}

/** CPU seconds used so far by a process and all its descendants (a part's tsx wrapper, its node program, esbuild). */
export function processTreeSeconds(processes: readonly ProcStat[] = allProcesses()): (rootPid: number) => number {
  const children = new Map<number, ProcStat[]>();
  for (const stat of processes) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  const byPid = new Map(processes.map((stat) => [stat.pid, stat]));
  const treeSeconds = (pid: number): number => {
    const own = byPid.get(pid)?.cpuSeconds ?? 0;
    return own + (children.get(pid) ?? []).reduce((sum, child) => sum + treeSeconds(child.pid), 0);
  };
  return treeSeconds;
}

/**
 * The CPU seconds one part of the stack (its process tree, by root pid) used while `run` ran. Per answer, this is what
 * a route costs the API: others' work on the machine moves answers per second a lot (it takes the cores) and the CPU
 * an answer needs far less, so two routes compare by it more steadily than by their rates.
 */
export async function partCpuWhile<T>(rootPid: number | undefined, run: () => Promise<T>): Promise<{ result: T; cpuSeconds: number }> {
  const partSeconds = () => (rootPid === undefined ? NaN : processTreeSeconds()(rootPid));
  const before = partSeconds();
  const result = await run();
  return { result, cpuSeconds: partSeconds() - before };
}

/** CPU seconds used so far by every process whose command name is one of `names`. */
export function commandCpuSeconds(processes: ProcStat[] = allProcesses(), ...names: string[]): number {
  return processes.filter((stat) => names.includes(stat.comm)).reduce((sum, stat) => sum + stat.cpuSeconds, 0);
}

/** This process's CPU seconds so far and the whole machine's busy seconds: the entries every snapshot ends with. */
export function benchAndMachineCpu(): Record<string, number> {
  const own = process.cpuUsage();
  return { [CPU_ROW.loadGenerator]: (own.user + own.system) / 1e6, [MACHINE]: machineBusySeconds() };
}

/** The rows of a CPU snapshot besides the stack's parts (whose rows are named after them: api, worker, payments…). */
export const CPU_ROW = {
  mariadb: 'mariadbd',
  redis: 'redis-server',
  /** The benchmark's own process: the load generator (of the orders, and the no-op baseline's Temporal client). */
  loadGenerator: 'bench (load generator)',
  /**
   * The no-op baseline's worker (bench/noop-worker-main.ts), a process of its own like the order `worker`: the two
   * rows compare directly, and the bench row holds only the load it generates.
   */
  noopWorker: 'noop worker',
  /** cpuDelta's row for the CPU the machine used outside these processes. */
  otherWork: 'everything else on the machine',
} as const;

const MACHINE = '__machine_busy__';
/** Marks a row that breaks a part's CPU down by process (`api ▸ process pid 123`): not added to the totals again. */
export const PART_OF = ' ▸ ';

/** Busy CPU seconds of the whole machine (all cores), from the first line of /proc/stat. */
function machineBusySeconds(): number {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const [user, nice, system, _idle, _iowait, irq, softirq, steal] = fields.map(Number);
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** CPU seconds per process between two snapshots, and the share of the machine's cores over the wall time. */
export function cpuDelta(before: Record<string, number>, after: Record<string, number>, wallSeconds: number) {
  const cores = os.cpus().length;
  const rows = Object.keys(after)
    .filter((name) => name !== MACHINE)
    .map((name) => {
      const seconds = round(after[name] - (before[name] ?? 0));
      return { process: name, cpuSeconds: seconds, coresUsed: round(seconds / wallSeconds) };
    });
  const ours = round(rows.filter((row) => !row.process.includes(PART_OF)).reduce((sum, row) => sum + row.cpuSeconds, 0));
  const machine = round(after[MACHINE] - before[MACHINE]);
  // Whatever else ran on the machine meanwhile (other people's tests, the kernel): it competed for the same cores.
  rows.push({ process: CPU_ROW.otherWork, cpuSeconds: round(machine - ours), coresUsed: round((machine - ours) / wallSeconds) });
  return { wallSeconds: round(wallSeconds), machineCores: cores, cpuSecondsOfTheseProcesses: ours, machineBusyCpuSeconds: machine, machineBusy: round(machine / (wallSeconds * cores)), byProcess: rows };
}

/**
 * Other people's work shares this machine (test runs take a whole core): before a measured phase, wait — at most
 * BENCH_IDLE_WAIT seconds (default 180) — until the machine was less than `threshold` busy for two seconds running.
 * Returns what was seen, for the summary; the run goes on either way.
 */
export async function waitForQuietMachine(threshold = 0.25): Promise<{ waitedSeconds: number; busyWhenStarted: number; quiet: boolean }> {
  const maxWaitMs = numberArg('idle-wait', 'BENCH_IDLE_WAIT', 180) * 1000;
  const cores = os.cpus().length;
  const started = Date.now();
  for (;;) {
    const before = machineBusySeconds();
    await sleep(2_000);
    const busy = round((machineBusySeconds() - before) / (2 * cores));
    const waited = round((Date.now() - started) / 1000, 1);
    if (busy < threshold) return { waitedSeconds: waited, busyWhenStarted: busy, quiet: true };
    if (Date.now() - started > maxWaitMs) {
      console.log(`[bench] the machine is still ${Math.round(busy * 100)}% busy after ${waited}s; measuring anyway`);
      return { waitedSeconds: waited, busyWhenStarted: busy, quiet: false };
    }
    if (Date.now() - started < 2_500) console.log(`[bench] the machine is ${Math.round(busy * 100)}% busy with other work; waiting up to ${maxWaitMs / 1000}s for it to calm down`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Output.

export const RESULTS_DIR = path.join(__dirname, 'results');

/** Writes bench/results/<name>-<timestamp>.json (the folder's .gitignore keeps results out of git). */
export function writeResults(name: string, summary: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const gitignore = path.join(RESULTS_DIR, '.gitignore');
  if (!existsSync(gitignore)) writeFileSync(gitignore, '# Results depend on the machine and its load; they are reported, not committed.\n*.json\n');
  const stamp = new Date().toISOString().replaceAll(':', '-').replace(/\.\d+Z$/, 'Z');
  const file = path.join(RESULTS_DIR, `${name}-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  return file;
}

/** A two-or-more-column table, left column padded. */
export function printTable(title: string, rows: Array<[string, ...Array<string | number>]>): void {
  const widths = rows[0].map((_cell, column) => Math.max(...rows.map((row) => String(row[column] ?? '').length)));
  console.log(`\n${title}`);
  console.log('-'.repeat(widths.reduce((sum, width) => sum + width + 3, 0)));
  for (const row of rows) console.log(row.map((cell, column) => String(cell).padEnd(widths[column])).join(' | '));
}

export const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');

/** The code measured: HEAD and the files changed since (outside bench/), for reading a result later. */
export function codeVersion(): { commit: string; uncommittedOutsideBench: string[] } {
  try {
    const root = path.resolve(__dirname, '..');
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const changed = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .map((line) => line.slice(3).trim())
      .filter((file) => file && !file.startsWith('bench/'));
    return { commit, uncommittedOutsideBench: changed };
  } catch {
    return { commit: 'unknown', uncommittedOutsideBench: [] };
  }
}
