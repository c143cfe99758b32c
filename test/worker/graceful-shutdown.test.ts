/**
 * A deploy replaces a worker: SIGTERM stops it polling, the activity it is running finishes (it is not abandoned to
 * time out and retry), the process exits cleanly, and the replacement worker carries the order on to CONFIRMED.
 * The worker runs as its real entry point (`tsx worker/main.ts`) against a real dev server, MariaDB and Redis.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Redis } from 'ioredis';
import { Inventory } from '../../inventory/inventory';
import { OrderClient } from '../../temporal/order-client';
import type { OrderInput } from '../../workflows/order-types';
import { createTestProduct, openTestOrm } from '../support/db';
import { exitOf, startEntryPoint, stopProcessGroup } from '../support/entry-point';
import { startDevServerEnv } from '../support/dev-server';
import { openTestRedis } from '../support/redis';
import { startStandIn, type StandIn } from '../payments/stand-in';

/** Every provider call takes this long, so the authorisation is surely in flight when the worker is told to stop. */
const PROVIDER_LATENCY_MS = 3_000;

let env: TestWorkflowEnvironment;
let standIn: StandIn;
let orm: MikroORM;
let redis: Redis;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  env = await startDevServerEnv();
  standIn = await startStandIn({ faults: { latencyMs: { min: PROVIDER_LATENCY_MS, max: PROVIDER_LATENCY_MS }, failRate: 0, loseAnswerRate: 0 } });
  orm = await openTestOrm();
  redis = await openTestRedis();
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map(stopProcessGroup));
  await redis?.quit();
  await orm?.close();
  await standIn?.close();
  await env?.teardown();
}, 60_000);

/** The production entry point, configured like an operator would, waiting until it polls. */
async function startWorker(): Promise<ChildProcess> {
  const worker = await startEntryPoint('worker/main.ts', { TEMPORAL_ADDRESS: env.address, PAYMENTS_URL: standIn.baseUrl, LOG_LEVEL: 'info' }, 'order worker running');
  workers.push(worker);
  return worker;
}

test('a worker stopped by SIGTERM finishes its in-flight activity, exits cleanly, and its replacement completes the order', async () => {
  const product = await createTestProduct(orm, { stock: 3 });
  await new Inventory(redis).load(product.id, 3);
  const input: OrderInput = {
    orderId: `ord_deploy_${randomUUID().replaceAll('-', '')}`,
    customerId: 'cus_deploy',
    lines: [{ productId: product.id, sku: product.sku, quantity: 1, unitPriceCents: product.priceCents }],
    totalCents: product.priceCents,
    holdMs: 60_000,
    requestHash: 'deploy',
  };
  const orders = new OrderClient(env.client);
  const outgoing = await startWorker();
  expect((await orders.place(input)).status).toBe('RESERVED');

  const paid = orders.pay(input.orderId, 'tok_visa');
  await new Promise((resolve) => setTimeout(resolve, PROVIDER_LATENCY_MS / 3));
  const exited = exitOf(outgoing);
  outgoing.kill('SIGTERM');
  await startWorker();

  expect(await exited).toBe(0);
  expect((await paid).status).toBe('CONFIRMED');
  // Drained, not abandoned: the authorisation that was running at SIGTERM completed on its first attempt.
  const history = await env.client.workflow.getHandle(input.orderId).fetchHistory();
  const authorizationStarts = (history.events ?? []).filter(
    (event) =>
      event.activityTaskStartedEventAttributes &&
      (history.events ?? []).find((scheduled) => Number(scheduled.eventId) === Number(event.activityTaskStartedEventAttributes!.scheduledEventId))
        ?.activityTaskScheduledEventAttributes?.activityType?.name === 'authorizePayment',
  );
  expect(authorizationStarts.map((event) => event.activityTaskStartedEventAttributes!.attempt)).toEqual([1]);
}, 120_000);
