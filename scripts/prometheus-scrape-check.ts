/**
 * `tsx scripts/prometheus-scrape-check.ts`: a real Prometheus scrapes a running stack and evaluates the alert rules.
 * Starts the stack (bench/stack.ts: dev server, payment stand-in, worker, API as processes) with its metrics ports,
 * runs `prometheus` (Debian's package) with the rules of deploy/prometheus on a config naming those ports, places and
 * pays an order, then checks that both targets are up, that the order's counters and Temporal's own metrics arrived,
 * that every rule group evaluates without error, and that every query of the Grafana dashboard is valid PromQL.
 * Ports: PROM_CHECK_BASE_PORT (31480) and the next few. Ends with "N passed, N failed"; exits 1 on a failure.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sleep } from '../bench/lib';
import { startStack, type Stack } from '../bench/stack';
import { adminAuth, buyerAuth } from '../bench/tokens';

const root = path.resolve(__dirname, '..');
const base = Number(process.env.PROM_CHECK_BASE_PORT ?? 31480);
const ports = { api: base, payments: base + 1, temporal: base + 2, ui: base + 3, apiMetrics: base + 4, workerMetrics: base + 5, prometheus: base + 6 };

let passed = 0;
let failed = 0;
function check(name: string, ok: boolean, detail = ''): void {
  if (ok) passed += 1;
  else failed += 1;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

type Vector = Array<{ metric: Record<string, string>; value: [number, string] }>;
const promUrl = `http://127.0.0.1:${ports.prometheus}`;
const query = (expr: string) =>
  json<{ status: string; data: { result: Vector } }>(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`).then((answer) => answer.data.result);

async function eventually(name: string, probe: () => Promise<string | undefined>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const problem = await probe();
      if (problem === undefined) return check(name, true);
      last = problem;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline) return check(name, false, last);
    await sleep(1_000);
  }
}

function prometheusConfig(): string {
  return `global:
  scrape_interval: 2s
  evaluation_interval: 2s
rule_files:
  - rules.yml
scrape_configs:
  - job_name: order-saga-api
    static_configs:
      - targets: ['127.0.0.1:${ports.apiMetrics}']
  - job_name: order-saga-worker
    static_configs:
      - targets: ['127.0.0.1:${ports.workerMetrics}']
`;
}

async function placeAndPay(apiUrl: string): Promise<void> {
  const headers = { 'content-type': 'application/json' };
  const product = await json<{ id: number }>(`${apiUrl}/products`, {
    method: 'POST',
    headers: { ...headers, ...adminAuth() },
    body: JSON.stringify({ sku: `prom-check-${Date.now()}`, name: 'Prometheus check', priceCents: 1_000, stock: 2 }),
  });
  const customer = `cus_prom_${Date.now()}`;
  const order = await json<{ id: string }>(`${apiUrl}/orders`, {
    method: 'POST',
    headers: { ...headers, ...buyerAuth(customer) },
    body: JSON.stringify({ customerId: customer, items: [{ productId: product.id, quantity: 1 }] }),
  });
  await json(`${apiUrl}/orders/${order.id}/payment`, { method: 'POST', headers: { ...headers, ...buyerAuth(customer) }, body: JSON.stringify({ paymentToken: 'tok_visa' }) });
}

async function main(): Promise<void> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'prom-check-'));
  copyFileSync(path.join(root, 'deploy/prometheus/rules.yml'), path.join(workDir, 'rules.yml'));
  writeFileSync(path.join(workDir, 'prometheus.yml'), prometheusConfig());
  let stack: Stack | undefined;
  const prometheus = spawn(
    'prometheus',
    [`--config.file=${path.join(workDir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(workDir, 'data')}`, `--web.listen-address=127.0.0.1:${ports.prometheus}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let prometheusLog = '';
  prometheus.stderr.on('data', (chunk: Buffer) => (prometheusLog = (prometheusLog + chunk.toString()).slice(-4_000)));
  try {
    stack = await startStack({
      name: 'prom-check',
      apiPort: ports.api,
      paymentsPort: ports.payments,
      temporalPort: ports.temporal,
      uiPort: ports.ui,
      workerMetricsPort: ports.workerMetrics,
      env: { METRICS_PORT: String(ports.apiMetrics) },
    });
    await placeAndPay(stack.apiUrl);

    for (const job of ['order-saga-api', 'order-saga-worker']) {
      await eventually(`Prometheus scrapes ${job}`, async () => {
        const [sample] = await query(`up{job="${job}"}`);
        return sample?.value[1] === '1' ? undefined : `up=${sample?.value[1] ?? 'absent'}`;
      });
    }
    const present = async (expr: string, atLeast = 1) => {
      const result = await query(expr);
      const value = Number(result[0]?.value[1] ?? NaN);
      return value >= atLeast ? undefined : `${expr} = ${Number.isNaN(value) ? 'absent' : value}`;
    };
    await eventually('the API counted the order (orders_placed_total)', () => present('sum(orders_placed_total)'));
    await eventually('the API timed the payment request', () => present('sum(http_request_duration_seconds_count{route="/orders/:id/payment",status_code="200"})'));
    await eventually('the worker counted the confirmed saga (orders_finished_total)', () => present('sum(orders_finished_total{status="CONFIRMED"})'));
    await eventually("Temporal's own metrics arrive from the worker (temporal_worker_task_slots_available)", () => present('count(temporal_worker_task_slots_available)'));
    await eventually('schedule-to-start histograms arrive (temporal_activity_schedule_to_start_latency)', () => present('count(temporal_activity_schedule_to_start_latency_bucket)'));
    await eventually('stock gauges for products on sale', () => present('count(product_units_available)'));

    await eventually('every rule group evaluates without error', async () => {
      const answer = await json<{ data: { groups: Array<{ name: string; rules: Array<{ name: string; health: string; lastError?: string; lastEvaluation: string }> }> } }>(
        `${promUrl}/api/v1/rules`,
      );
      const rules = answer.data.groups.flatMap((group) => group.rules);
      if (rules.length < 10) return `only ${rules.length} rules loaded`;
      const unevaluated = rules.filter((rule) => rule.lastEvaluation.startsWith('0001'));
      if (unevaluated.length > 0) return `${unevaluated.length} rules not evaluated yet`;
      const bad = rules.filter((rule) => rule.health !== 'ok');
      return bad.length === 0 ? undefined : bad.map((rule) => `${rule.name}: ${rule.health} ${rule.lastError ?? ''}`).join('; ');
    });
    await eventually('no alert fires on a healthy stack', async () => {
      const alerts = await query('ALERTS{alertstate="firing"}');
      return alerts.length === 0 ? undefined : alerts.map((alert) => alert.metric.alertname).join(', ');
    }, 5_000);

    const dashboard = JSON.parse(readFileSync(path.join(root, 'deploy/grafana/dashboards/order-saga-drop.json'), 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        const expr = target.expr.replaceAll('$__range', '5m');
        try {
          await query(expr);
          check(`dashboard "${panel.title}": ${expr}`, true);
        } catch (error) {
          check(`dashboard "${panel.title}": ${expr}`, false, (error as Error).message);
        }
      }
    }
  } catch (error) {
    check('the stack and Prometheus run', false, (error as Error).message);
  } finally {
    await stack?.stop().catch(() => undefined);
    prometheus.kill('SIGTERM');
    await new Promise((resolve) => (prometheus.exitCode !== null ? resolve(null) : prometheus.once('exit', resolve)));
    rmSync(workDir, { recursive: true, force: true });
    if (failed > 0) console.log(`prometheus log (tail):\n${prometheusLog}`);
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

void main();
