/**
 * `npm run bench:flash:watch`: runs `npm run bench:flash` (same arguments and environment; its output goes to a log
 * file) and watches the sale on its operator console in chromium, signed in as staff, as a person would. Every second
 * it reads the console's counters (units left, orders placed and confirmed, revenue, orders holding stock, sagas in
 * flight) beside the truth read from MySQL, Redis and Temporal at the same moment (bench/console-truth.ts), prints a
 * table, and ends with when each counter reached its final value in the stores and on the page, and whether the
 * page's final values equal the truth.
 *
 *   --window=15m (the console's default)   CHROMIUM_PATH (/usr/bin/chromium)   BENCH_API_PORT etc. as bench:flash
 *
 * The watching costs the run a browser and one console summary per second: quote bench:flash's figures from an
 * unwatched run.
 */
import './databases';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config';
import { openOrm } from '../db/orm';
import { forkSql, select } from '../db/sql';
import { Inventory } from '../inventory/inventory';
import { connectRedis } from '../inventory/redis';
import { readTruth, type ConsoleCounters } from './console-truth';
import { numberArg, printTable, sleep } from './lib';

const COUNTERS: Array<keyof ConsoleCounters> = ['available', 'stock', 'placed', 'confirmed', 'revenueCents', 'holdingStock', 'sagasInFlight'];
const SHORT: Record<keyof ConsoleCounters, string> = {
  available: 'units left',
  stock: 'stock',
  placed: 'placed',
  confirmed: 'confirmed',
  revenueCents: 'revenue ¢',
  holdingStock: 'holding',
  sagasInFlight: 'in flight',
};

interface Sample {
  t: number;
  page: ConsoleCounters;
  truth: ConsoleCounters;
  /** How old the console's figures were when read (now − the summary's generatedAt), ms. */
  pageAgeMs: number | null;
  /** The page's latest GET /console/summary that finished: its status and how long it took, ms. */
  summary: { status: number; ms: number } | null;
  /** The latest GET /healthz this watcher sent the same API (one per second, not waited for): how long it took, ms. */
  healthzMs: number | null;
}

const windowArg = process.argv.find((arg) => arg.startsWith('--window='))?.slice('--window='.length) ?? '15m';
const windowSeconds = (() => {
  const match = /^(\d+)([mhd])$/.exec(windowArg);
  if (!match) throw new Error(`--window must look like 15m, 1h or 7d, not ${windowArg}`);
  return Number(match[1]) * { m: 60, h: 3_600, d: 86_400 }[match[2] as 'm' | 'h' | 'd'];
})();

/** The console's counters as the page shows them (numbers parsed back from their text; "—" is null). */
async function readPage(page: Page, sku: string | undefined): Promise<ConsoleCounters> {
  const text = async (selector: string) => ((await page.locator(selector).first().textContent({ timeout: 500 }).catch(() => null)) ?? '').trim();
  const number = (value: string) => (/\d/.test(value) ? Number(value.replace(/[^\d]/g, '')) : null);
  const tile = (id: string) => text(`[data-testid="tile-${id}"] [data-testid="value"]`);
  const row = (cell: string) => (sku ? text(`[data-testid="console-product-${sku}"] [data-testid="${cell}"]`) : Promise.resolve(''));
  const [available, stock, placed, confirmed, revenue, holdingStock, sagasInFlight] = await Promise.all([
    row('available'),
    row('stock'),
    tile('placed'),
    tile('confirmed'),
    tile('revenue'),
    tile('open-orders'),
    tile('sagas-in-flight'),
  ]);
  // Revenue is shown as money with cents ("€4,999.00"): its digits are the cents.
  return {
    available: number(available),
    stock: number(stock),
    placed: number(placed),
    confirmed: number(confirmed),
    revenueCents: number(revenue),
    holdingStock: number(holdingStock),
    sagasInFlight: number(sagasInFlight),
  };
}

async function waitForApi(apiUrl: string, flashExited: () => boolean): Promise<void> {
  for (;;) {
    if (flashExited()) throw new Error('bench:flash ended before its API answered');
    const ready = await fetch(`${apiUrl}/readyz`, { signal: AbortSignal.timeout(2_000) }).then((answer) => answer.ok).catch(() => false);
    if (ready) return;
    await sleep(500);
  }
}

async function main(): Promise<void> {
  const apiUrl = `http://127.0.0.1:${numberArg('api-port', 'BENCH_API_PORT', 3400)}`;
  const temporalAddress = `127.0.0.1:${numberArg('temporal-port', 'BENCH_TEMPORAL_PORT', 7400)}`;
  const config = loadConfig();
  const orm = await openOrm(config.DATABASE_URL);
  const redis = await connectRedis(config.REDIS_URL);
  const inventory = new Inventory(redis);
  const em = forkSql(orm);
  // The drop's product is the first `flash-<tag>` made after this point (the warm-up product is `flash-warm-<tag>`).
  const [{ newest }] = await select<{ newest: number | null }>(em, 'SELECT MAX(id) AS newest FROM product');

  const logDir = mkdtempSync(path.join(os.tmpdir(), 'flash-watch-'));
  const logFile = path.join(logDir, 'bench-flash.log');
  const flashArgs = process.argv.slice(2).filter((arg) => !arg.startsWith('--window='));
  const flash = spawn(path.join(__dirname, '..', 'node_modules', '.bin', 'tsx'), [path.join(__dirname, 'flash-sale.ts'), ...flashArgs], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  const log = createWriteStream(logFile);
  flash.stdout.pipe(log);
  flash.stderr.pipe(log);
  let flashCode: number | null = null;
  const flashDone = new Promise<void>((resolve) => flash.once('exit', (code) => ((flashCode = code ?? 1), resolve())));
  console.log(`[watch] bench:flash started (log: ${logFile}); waiting for its API at ${apiUrl}`);

  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  let temporalConnection: Connection | undefined;
  const samples: Sample[] = [];
  try {
    await waitForApi(apiUrl, () => flashCode !== null);
    temporalConnection = await Connection.connect({ address: temporalAddress });
    const temporal = new Client({ connection: temporalConnection, namespace: config.TEMPORAL_NAMESPACE });
    // A deadline, so the last sample cannot hang on a dev server the benchmark is stopping.
    const countRunningOrderWorkflows = () =>
      temporalConnection!.withDeadline(Date.now() + 2_000, () => temporal.workflow.count("WorkflowType = 'orderWorkflow' AND ExecutionStatus = 'Running'")).then((answer) => answer.count);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    let generatedAt: number | null = null;
    let lastSummary: Sample['summary'] = null;
    page.on('response', (response) => {
      if (!response.url().includes('/console/summary')) return;
      const timing = response.request().timing();
      lastSummary = { status: response.status(), ms: Math.round(timing.responseEnd > 0 ? timing.responseEnd : timing.responseStart) };
      if (response.ok()) response.json().then((summary: { generatedAt: string }) => (generatedAt = Date.parse(summary.generatedAt)), () => undefined);
    });
    // Whether the API answers anything promptly: a bare endpoint beside the console's summary.
    let healthzMs: number | null = null;
    const probeHealthz = () => {
      const sent = Date.now();
      void fetch(`${apiUrl}/healthz`, { signal: AbortSignal.timeout(60_000) }).then(
        () => (healthzMs = Date.now() - sent),
        () => (healthzMs = -1),
      );
    };
    await page.goto(`${apiUrl}/#/console`);
    await page.getByLabel('Name', { exact: true }).fill('ops-watch');
    await page.getByLabel('as', { exact: true }).selectOption('staff');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').waitFor();
    if (windowArg !== '15m') await page.getByLabel('Window').selectOption(windowArg);
    console.log('[watch] console open, signed in as staff; waiting for the drop\'s product');

    let product: { id: number; sku: string } | undefined;
    const started = Date.now();
    while (flashCode === null) {
      const tick = Date.now();
      if (!product) {
        [product] = await select<{ id: number; sku: string }>(
          em,
          "SELECT id, sku FROM product WHERE id > ? AND sku LIKE 'flash-%' AND sku NOT LIKE 'flash-warm-%' ORDER BY id LIMIT 1",
          [newest ?? 0],
        );
        if (product) console.log(`[watch] the drop's product: ${product.sku} (id ${product.id})`);
      }
      if (product) {
        probeHealthz();
        // The page and the stores are read at the same moment.
        const [pageCounters, truth] = await Promise.all([readPage(page, product.sku), readTruth({ orm, inventory, countRunningOrderWorkflows }, product.id, windowSeconds).catch(() => null)]);
        if (!truth) break; // the stack is going down
        const sample: Sample = {
          t: (Date.now() - started) / 1000,
          page: pageCounters,
          truth,
          pageAgeMs: generatedAt === null ? null : Date.now() - generatedAt,
          summary: lastSummary,
          healthzMs,
        };
        samples.push(sample);
        printSample(sample, samples.length === 1);
      }
      await sleep(Math.max(0, 1_000 - (Date.now() - tick)));
    }
    await page.screenshot({ path: path.join(logDir, 'console-at-the-end.png'), fullPage: true }).catch(() => undefined);
  } finally {
    await browser.close();
    await temporalConnection?.close();
    redis.disconnect();
    await orm.close();
  }
  await flashDone;
  summarise(samples);
  console.log(`\n[watch] bench:flash exited with ${flashCode}; its output: ${logFile}; the console at the end: ${path.join(logDir, 'console-at-the-end.png')}`);
  process.exitCode = flashCode ?? 1;
}

const show = (value: number | null) => (value === null ? '—' : String(value));

function printSample(sample: Sample, header: boolean): void {
  if (header) {
    console.log('each counter: page/truth (≠: they differ); age: how old the page\'s figures were when read; summary: the page\'s last');
    console.log('GET /console/summary (status, ms from sending to its answer); healthz: this watcher\'s last GET /healthz (ms)');
    console.log(['t s', 'age ms', 'summary', 'healthz ms', ...COUNTERS.map((counter) => SHORT[counter])].map((cell) => cell.padStart(16)).join(''));
  }
  const cells = COUNTERS.map((counter) => {
    const [page, truth] = [sample.page[counter], sample.truth[counter]];
    return `${show(page)}/${show(truth)}${page === truth ? '' : ' ≠'}`;
  });
  const summary = sample.summary ? `${sample.summary.status} ${sample.summary.ms}` : '—';
  console.log([sample.t.toFixed(1), show(sample.pageAgeMs), summary, show(sample.healthzMs), ...cells].map((cell) => cell.padStart(16)).join(''));
}

/** For each counter: its final value, when the stores first held it and when the page first showed it for good. */
function summarise(samples: Sample[]): void {
  if (samples.length === 0) {
    console.log('[watch] no samples: the drop\'s product never appeared');
    return;
  }
  const last = samples[samples.length - 1];
  // The moment a series settled on its final value (it never left it afterwards).
  const settledAt = (series: Array<number | null>, final: number | null) => {
    let index = series.length;
    while (index > 0 && series[index - 1] === final) index -= 1;
    return index < series.length ? samples[index].t : null;
  };
  const rows: Array<[string, ...Array<string | number>]> = [['counter', 'page at the end', 'truth at the end', 'equal', 'truth settled at s', 'page settled at s', 'lag s']];
  for (const counter of COUNTERS) {
    const final = last.truth[counter];
    const truthAt = settledAt(samples.map((sample) => sample.truth[counter]), final);
    const pageAt = settledAt(samples.map((sample) => sample.page[counter]), final);
    rows.push([counter, show(last.page[counter]), show(final), last.page[counter] === final ? 'yes' : 'NO', truthAt ?? '—', pageAt ?? '—', truthAt !== null && pageAt !== null ? (pageAt - truthAt).toFixed(1) : '—']);
  }
  printTable('The console beside the stores (sampled every second)', rows);
  const ages = samples.map((sample) => sample.pageAgeMs).filter((age): age is number => age !== null).sort((a, b) => a - b);
  if (ages.length > 0) console.log(`figures' age when read: median ${ages[Math.floor(ages.length / 2)]} ms, max ${ages[ages.length - 1]} ms over ${samples.length} samples`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
