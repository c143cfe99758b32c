/**
 * The container test (.ci/suites/containers.sh runs it against `npm run containers:up -- --workers=3`): 66 orders
 * placed and paid through the API on localhost:3000 while one worker container crashes (SIGKILL to its main process)
 * and, 20 s later, another is stopped with `docker stop` (SIGTERM, drain). Then it asserts, one line per check:
 * every order CONFIRMED with the right amounts; the product's stock and availability add up; `npm run check`
 * (inside the compose network) passes I1–I8; activities ran on at least 2 worker identities (from the Temporal
 * histories); the crashed worker came back by its restart policy; the stopped one exited 0 within its grace period
 * and no activity scheduled after the crash ran twice (nothing of the stopped worker was abandoned and retried).
 * Ends with "N passed, N failed"; exits 1 on a failure.
 *
 * Why the crash is a SIGKILL to the container's process and not `docker kill`: Docker Engine records `docker kill`
 * as a manual stop, which no restart policy (not even `always`) undoes; a process that dies is what a restart
 * policy exists for (an OOM kill, a crash).
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Connection, Client } from '@temporalio/client';
import type { Role } from '../../api/auth/roles';
import { signToken } from '../../api/auth/sign-token';
import { LOCAL_TOKEN_CLAIMS } from '../../config/auth';
import { ensureLocalSecrets } from '../../scripts/local-secrets';

const API = 'http://localhost:3000';
const ORDERS = 66;
const START_EVERY_MS = 650;
const CRASH_AT_MS = 8_000;
const STOP_AFTER_CRASH_MS = 20_000;
const PRICE_CENTS = 1_234;
const STOCK = 80;

const results: Array<{ name: string; ok: boolean; detail: string }> = [];
function check(name: string, ok: boolean, detail = ''): void {
  results.push({ name, ok, detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

/** Bearer tokens signed with the stack's AUTH_JWT_SECRET (the environment's, else the local one containers:up used). */
const secret = process.env.AUTH_JWT_SECRET || ensureLocalSecrets().AUTH_JWT_SECRET;
const tokens = new Map<string, Promise<string>>();
function tokenOf(sub: string, role: Role): Promise<string> {
  const key = `${sub}|${role}`;
  if (!tokens.has(key)) tokens.set(key, signToken(secret, { sub, roles: [role], ttlSeconds: 3_600, ...LOCAL_TOKEN_CLAIMS }));
  return tokens.get(key)!;
}
const ADMIN = { sub: 'ctr-admin', role: 'admin' as const };
const buyerOf = (index: number) => ({ sub: `cus_ctr_${runId}_${index}`, role: 'customer' as const });

async function call(as: { sub: string; role: Role }, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  try {
    const response = await fetch(API + path, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenOf(as.sub, as.role)}`, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  } catch (error) {
    return { status: 0, body: String(error) };
  }
}

/** One buyer: reserve one unit, then pay; a payment call that got no answer is repeated while the order is RESERVED. */
async function buy(index: number): Promise<string | undefined> {
  const buyer = buyerOf(index);
  const place = () => call(buyer, 'POST', '/orders', { items: [{ productId: productId!, quantity: 1 }] }, { 'idempotency-key': `ctr-${runId}-${index}` });
  let placed = await place();
  for (let attempt = 0; placed.status !== 201 && attempt < 5; attempt++) {
    await sleep(2_000);
    placed = await place();
  }
  if (placed.status !== 201) {
    console.log(`order ${index} not placed: ${placed.status} ${JSON.stringify(placed.body)}`);
    return undefined;
  }
  const orderId: string = placed.body.id;
  owners.set(orderId, index);
  for (let attempt = 0; attempt < 6; attempt++) {
    const paid = await call(buyer, 'POST', `/orders/${orderId}/payment`, { paymentToken: 'tok_visa' });
    if (paid.status === 200) break;
    const now = await call(buyer, 'GET', `/orders/${orderId}`);
    if (now.body?.status !== 'RESERVED') break;
    await sleep(2_000);
  }
  return orderId;
}

const owners = new Map<string, number>();

let productId: number | undefined;
const runId = randomUUID().slice(0, 8);

function workerContainers(): string[] {
  return docker('ps', '--filter', 'label=com.docker.compose.project=order-saga', '--filter', 'label=com.docker.compose.service=worker', '--format', '{{.Names}}')
    .split('\n')
    .filter(Boolean)
    .sort();
}

async function main(): Promise<number> {
  const workers = workerContainers();
  check('3 worker containers running', workers.length === 3, workers.join(', '));
  if (workers.length < 3) return report();
  const [crashed, stopped] = workers;
  const hostnameOf = (name: string) => docker('inspect', '-f', '{{.Config.Hostname}}', name);
  const stoppedHost = hostnameOf(stopped);

  const product = await call(ADMIN, 'POST', '/products', { sku: `ctr-${runId}`, name: 'Container test product', priceCents: PRICE_CENTS, stock: STOCK });
  check('product created', product.status === 201, `status ${product.status}`);
  if (product.status !== 201) return report();
  productId = product.body.id;

  const startedAt = Date.now();
  let crashAt = 0;
  let stopAt = 0;
  let stopExit: Promise<void> | undefined;
  const buyers: Array<Promise<string | undefined>> = [];
  for (let index = 0; index < ORDERS; index++) {
    buyers.push(buy(index));
    await sleep(START_EVERY_MS);
    const elapsed = Date.now() - startedAt;
    if (!crashAt && elapsed >= CRASH_AT_MS) {
      crashAt = Date.now();
      const pid = docker('inspect', '-f', '{{.State.Pid}}', crashed);
      process.kill(Number(pid), 'SIGKILL');
      console.log(`crashed ${crashed} (SIGKILL to pid ${pid}) after ${index + 1} orders`);
    }
    if (crashAt && !stopAt && Date.now() - crashAt >= STOP_AFTER_CRASH_MS) {
      stopAt = Date.now();
      console.log(`docker stop ${stopped} after ${index + 1} orders`);
      // In the background: the load goes on while the worker drains (up to its 30 s grace).
      stopExit = new Promise((resolve) => execFile('docker', ['stop', '-t', '30', stopped], () => resolve()));
    }
  }
  const orderIds = (await Promise.all(buyers)).filter((id): id is string => id !== undefined);
  await stopExit;
  check(`${ORDERS} orders placed`, orderIds.length === ORDERS, `${orderIds.length} placed`);
  check('the crash and the stop happened mid-load', crashAt > 0 && stopAt > 0);

  // Every order terminal, and the right one: CONFIRMED, paid the catalogue price, notified.
  const deadline = Date.now() + 120_000;
  let orders: any[] = [];
  for (;;) {
    orders = await Promise.all(orderIds.map(async (id) => (await call(buyerOf(owners.get(id)!), 'GET', `/orders/${id}`)).body));
    if (orders.every((order) => ['CONFIRMED', 'FAILED', 'CANCELLED', 'EXPIRED', 'REJECTED'].includes(order?.status)) || Date.now() > deadline) break;
    await sleep(2_000);
  }
  const wrong = orders.filter(
    (order) =>
      order?.status !== 'CONFIRMED' ||
      order.totalCents !== PRICE_CENTS ||
      order.payment?.status !== 'CAPTURED' ||
      order.payment?.amountCents !== PRICE_CENTS ||
      !order.notifications?.includes('ORDER_CONFIRMED'),
  );
  check('every order CONFIRMED, captured for its total and notified', wrong.length === 0, wrong.length ? JSON.stringify(wrong.slice(0, 2)) : `${orders.length} orders`);

  const after = (await call(ADMIN, 'GET', `/products/${productId}`)).body;
  check('stock and availability both fell by the units sold', after.stock === STOCK - ORDERS && after.available === STOCK - ORDERS, `stock ${after.stock}, available ${after.available}`);

  const checker = spawnSync('bash', ['containers/compose.sh', 'run', '--rm', '--no-deps', '-T', 'worker', 'check', `--products=${productId}`, '--orders-since=30m'], {
    encoding: 'utf8',
  });
  check('npm run check passes I1–I8 (in the compose network)', checker.status === 0, checker.status === 0 ? '' : `exit ${checker.status}: ${checker.stdout.slice(-1500)}${checker.stderr.slice(-500)}`);

  // Who ran what: the histories' ActivityTaskStarted events.
  const connection = await Connection.connect({ address: '127.0.0.1:7233' });
  const client = new Client({ connection });
  const identities = new Set<string>();
  const retriedAfterCrash: string[] = [];
  let onStopped = 0;
  for (const id of orderIds) {
    const events = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
    const scheduledAt = new Map(events.filter((event) => event.activityTaskScheduledEventAttributes).map((event) => [Number(event.eventId), Number(event.eventTime!.seconds) * 1000]));
    for (const event of events) {
      const started = event.activityTaskStartedEventAttributes;
      if (!started) continue;
      identities.add(started.identity!);
      if (started.identity!.endsWith(`@${stoppedHost}`)) onStopped += 1;
      const scheduled = scheduledAt.get(Number(started.scheduledEventId)) ?? 0;
      if ((started.attempt ?? 1) > 1 && scheduled >= crashAt + 1_000) retriedAfterCrash.push(`${id} event ${started.scheduledEventId} attempt ${started.attempt}`);
    }
  }
  await connection.close();
  check('activities ran on at least 2 worker identities', identities.size >= 2, [...identities].join(', '));

  const crashedState = docker('inspect', '-f', '{{.RestartCount}} {{.State.Status}}', crashed).split(' ');
  check('the crashed worker came back by its restart policy', Number(crashedState[0]) >= 1 && crashedState[1] === 'running', `restarts ${crashedState[0]}, ${crashedState[1]}`);

  const stoppedState = docker('inspect', '-f', '{{.State.ExitCode}} {{.State.Status}}', stopped).split(' ');
  check('the stopped worker drained and exited 0 within its grace period', stoppedState[0] === '0' && stoppedState[1] === 'exited', `exit ${stoppedState[0]}, ${stoppedState[1]}; it ran ${onStopped} activities`);
  check('no activity scheduled after the crash ran twice (nothing abandoned by the stop)', retriedAfterCrash.length === 0, retriedAfterCrash.slice(0, 5).join('; '));
  return report();
}

function report(): number {
  const failed = results.filter((result) => !result.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    results.push({ name: 'container test ran to the end', ok: false, detail: String(error) });
    process.exit(report());
  },
);
