/**
 * `npm start` supervises its parts: the worker SIGKILLed under it is restarted (with a log line) while the API keeps
 * answering, and an order reserved before the kill is paid and CONFIRMED after it. Ctrl-C (SIGINT) then stops every
 * part and `npm start` exits 0. Runs the real scripts/start-all.ts with its own ports, dev server folder, and the
 * tests' MySQL and Redis databases.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Runtime } from '@temporalio/worker';
import { freePort } from '../../chaos/supervisor';
import { apiClient, eventually } from '../api/http';
import type { Role } from '../../api/auth/roles';
import { LOCAL_IDP_DEFAULTS } from '../../config/idp';
import { customToken } from '../support/auth';

const root = path.resolve(__dirname, '..', '..');

let start: ChildProcess | undefined;
let output = '';
let dataDir: string;

afterAll(async () => {
  if (start?.pid && start.exitCode === null && start.signalCode === null) {
    try {
      process.kill(-start.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
  // This file never uses the Temporal runtime the jest setup installs, so it never shuts down by itself (its log
  // forwarding would keep jest from exiting).
  await Runtime.instance().shutdown();
});

/** Resolves with the regex's match once the output shows it (checked on every chunk). */
function waitForOutput(pattern: RegExp, timeoutMs: number, from = 0): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = output.slice(from).match(pattern);
      if (!match) return false;
      clearTimeout(timer);
      start!.stdout!.off('data', check);
      start!.stderr!.off('data', check);
      resolve(match);
      return true;
    };
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; npm start said:\n${output.slice(-3000)}`)), timeoutMs);
    if (check()) return;
    start!.stdout!.on('data', check);
    start!.stderr!.on('data', check);
  });
}

test('a worker SIGKILLed under npm start is restarted, the API keeps serving, and a reserved order is confirmed after', async () => {
  const [port, paymentsPort, temporalPort, uiPort, codecPort, idpPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'start-supervision-'));
  start = spawn(process.execPath, ['--import', 'tsx', 'scripts/start-all.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      PAYMENTS_PORT: String(paymentsPort),
      PAYMENTS_URL: `http://127.0.0.1:${paymentsPort}`,
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      TEMPORAL_UI_PORT: String(uiPort),
      CODEC_SERVER_PORT: String(codecPort),
      IDP_PORT: String(idpPort),
      TEMPORAL_DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so cleanup can take every part with it
  });
  for (const stream of [start.stdout!, start.stderr!]) stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => start!.once('exit', (code) => resolve(code)));

  const workerPid = Number((await waitForOutput(/\[start\] worker started \(pid (\d+)\)/, 90_000))[1]);
  await waitForOutput(/API listening/, 60_000);
  await waitForOutput(/order worker running/, 60_000);

  const api = apiClient(`http://127.0.0.1:${port}`);
  // npm start signs people in at its own OpenID provider, so the API wants that provider's issuer and audience.
  const signedFor = async (sub: string, roles: Role[]) => ({
    authorization: `Bearer ${await customToken({ sub, roles, issuer: `http://localhost:${idpPort}`, audience: LOCAL_IDP_DEFAULTS.audience })}`,
  });
  const asAdmin = { headers: await signedFor('test-admin', ['admin']) };
  const asBuyer = { headers: await signedFor('cus_supervision', ['customer']) };
  const product = await api.post('/products', { sku: `start-${randomUUID()}`, name: 'Supervision test product', priceCents: 1_000, stock: 3 }, asAdmin);
  expect(product.status).toBe(201);
  const placed = await api.post('/orders', { customerId: 'cus_supervision', items: [{ productId: product.body.id, quantity: 1 }] }, asBuyer);
  expect(placed.body.status).toBe('RESERVED');

  const beforeKill = output.length;
  process.kill(workerPid, 'SIGKILL');
  await waitForOutput(/\[start\] worker exited unexpectedly \(signal SIGKILL\); restarting in 1 s/, 10_000, beforeKill);
  // The rest keeps serving while the worker is down.
  expect((await api.get(`/products/${product.body.id}`, asBuyer)).status).toBe(200);
  const newPid = Number((await waitForOutput(/\[start\] worker started \(pid (\d+)\)/, 30_000, beforeKill))[1]);
  expect(newPid).not.toBe(workerPid);
  await waitForOutput(/order worker running/, 60_000, beforeKill);

  // The order's next task first waits out the dead worker's sticky queue (10 s), which can outlast the API's Temporal
  // deadline: the payment may then answer 503 with Retry-After. A buyer looks at the order and pays again only if it
  // is still RESERVED (a payment under way answers 409 meanwhile).
  const orderPath = `/orders/${placed.body.id}`;
  const confirmed = await eventually(async () => {
    if ((await api.get(orderPath, asBuyer)).body.status === 'RESERVED') await api.post(`${orderPath}/payment`, { paymentToken: 'tok_visa' }, asBuyer);
    const order = await api.get(orderPath, asBuyer);
    if (order.body.status !== 'CONFIRMED') throw new Error(`order is ${order.body.status}`);
    return order.body;
  }, 60_000, 1_000);
  expect(confirmed.status).toBe('CONFIRMED');
  expect(output).not.toMatch(/stopping the rest/);

  // Ctrl-C: everything stops, cleanly.
  process.kill(start.pid!, 'SIGINT');
  expect(await exited).toBe(0);
  expect(output.slice(output.indexOf('[start] stopping…'))).not.toMatch(/started \(pid/);
  expect(() => process.kill(newPid, 0)).toThrow(); // the worker went with it
}, 240_000);
