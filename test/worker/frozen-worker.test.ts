/**
 * A frozen worker (issue 7, done-when): with every order worker stopped by SIGSTOP, `POST /orders` still answers
 * within TEMPORAL_CALL_TIMEOUT plus 2 s (202, the order exists and is deciding), and after SIGCONT every order placed
 * during the freeze carries on to the end its buyer chose: paid → CONFIRMED, cancelled → CANCELLED, left → EXPIRED.
 * The worker and the API run as their real entry points (`tsx worker/main.ts`, `tsx api/main.ts`) against a real dev
 * server, the payment stand-in, MariaDB and Redis.
 */
import type { ChildProcess } from 'node:child_process';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { freePort } from '../../chaos/supervisor';
import { openTestOrm } from '../support/db';
import { startDevServerEnv } from '../support/dev-server';
import { startEntryPoint, stopProcessGroup } from '../support/entry-point';
import { apiClient, eventually, unique, type ApiClient } from '../api/http';
import { startStandIn, type StandIn } from '../payments/stand-in';

const CALL_TIMEOUT_MS = 1_500;
const ANSWER_WITHIN_MS = CALL_TIMEOUT_MS + 2_000;
const HOLD_MS = 8_000;

let env: TestWorkflowEnvironment;
let standIn: StandIn;
let api: ApiClient;
const parts: ChildProcess[] = [];
let worker: ChildProcess;

/** The worker or the API, configured like an operator would, on this test's dev server and stand-in. */
async function startPart(entry: string, extraEnv: NodeJS.ProcessEnv, ready: string): Promise<ChildProcess> {
  const partEnv = { TEMPORAL_ADDRESS: env.address, PAYMENTS_URL: standIn.baseUrl, LOG_LEVEL: 'info', METRICS_PORT: 'off', WORKER_METRICS_PORT: 'off', ...extraEnv };
  const child = await startEntryPoint(entry, partEnv, ready);
  parts.push(child);
  return child;
}

beforeAll(async () => {
  // The test database migrated, as the parts expect it.
  await (await openTestOrm()).close();
  env = await startDevServerEnv();
  standIn = await startStandIn();
  worker = await startPart('worker/main.ts', {}, 'order worker running');
  const port = await freePort();
  await startPart('api/main.ts', { PORT: String(port), TEMPORAL_CALL_TIMEOUT: `${CALL_TIMEOUT_MS}ms`, RESERVATION_TTL: `${HOLD_MS}ms` }, 'API listening');
  api = apiClient(`http://127.0.0.1:${port}`);
  await eventually(async () => expect((await api.get('/readyz')).status).toBe(200), 30_000, 250);
}, 120_000);

afterAll(async () => {
  await Promise.all(parts.map(stopProcessGroup));
  await standIn?.close();
  await env?.teardown();
}, 60_000);

const statusOf = async (orderId: string) => (await api.get(`/orders/${orderId}`)).body?.status as string | undefined;

test('with the worker frozen, POST /orders answers within the deadline plus 2 s, and after SIGCONT every order completes', async () => {
  const product = (await api.post('/products', { sku: unique('frozen'), name: 'Frozen worker drop', priceCents: 1_500, stock: 10 })).body as { id: number };
  const buyers = ['pays', 'cancels', 'walks-away'].map((intent) => ({ intent, customerId: unique(`cus-${intent}`) }));

  process.kill(-worker.pid!, 'SIGSTOP');
  const placed = await Promise.all(
    buyers.map(async (buyer) => {
      const started = Date.now();
      const answer = await api.post('/orders', { customerId: buyer.customerId, items: [{ productId: product.id, quantity: 1 }] }, { idempotencyKey: unique('key') });
      return { ...buyer, answer, ms: Date.now() - started };
    }),
  );
  process.kill(-worker.pid!, 'SIGCONT');

  for (const { answer, ms } of placed) {
    expect(ms).toBeLessThan(ANSWER_WITHIN_MS);
    expect(answer.status).toBe(202);
    expect(answer.body.status).toBe('PENDING');
    expect(answer.headers.get('location')).toBe(`/orders/${answer.body.id}`);
  }
  const [paying, cancelling, leaving] = placed.map((buyer) => buyer.answer.body.id as string);

  // Thawed, the worker reserves every order that waited for it; then each buyer does what they meant to.
  for (const orderId of [paying, cancelling, leaving]) await eventually(async () => expect(await statusOf(orderId)).toBe('RESERVED'), 30_000, 200);
  const paid = await api.post(`/orders/${paying}/payment`, { paymentToken: 'tok_visa' });
  expect([paid.status, paid.body.status]).toEqual([200, 'CONFIRMED']);
  const cancelled = await api.post(`/orders/${cancelling}/cancel`);
  expect([cancelled.status, cancelled.body.status]).toEqual([200, 'CANCELLED']);
  await eventually(async () => expect(await statusOf(leaving)).toBe('EXPIRED'), HOLD_MS + 20_000, 250);

  // One unit sold; the cancelled and the expired holds went back on sale.
  const after = (await api.get(`/products/${product.id}`)).body;
  expect({ stock: after.stock, available: after.available }).toEqual({ stock: 9, available: 9 });
}, 90_000);
