/**
 * Webhook delivery survives crashes, on the real Temporal dev server with a real receiver on loopback:
 * - the recording step fails after its MySQL commit and before the delivery workflow starts: its retry starts it,
 *   also when the endpoint was deleted in between (the delivery then ends CANCELLED);
 * - a status no endpoint subscribes to records nothing and starts nothing;
 * - the worker running the delivery is SIGKILLed mid-request: another worker delivers the event.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/core';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createOrderRecordActivities } from '../../activities/order-record';
import { createWebhookActivities } from '../../activities/webhook-delivery';
import { loadConfig } from '../../config';
import { forkSql, run, select } from '../../db/sql';
import { createWebhookEmitter } from '../../webhooks/emitter';
import { newEndpointId, newSigningSecret } from '../../webhooks/secrets';
import { createEndpoint, deleteEndpoint, deliveryLog } from '../../webhooks/store';
import type { OrderView } from '../../workflows/order-types';
import { createWebhookWorker } from '../../worker/webhook-worker';
import { eventually } from '../api/http';
import { openTestOrm, uniqueOrderId } from '../support/db';
import { startDevServerEnv } from '../support/dev-server';
import { startWebhookReceiver, verifiedEvent, type WebhookReceiver } from '../support/webhook-receiver';

const ROOT = join(__dirname, '..', '..');
const POLICY = { attemptTimeoutMs: 3_000, initialIntervalMs: 200, maximumIntervalMs: 1_000, giveUpAfterMs: 60_000 };

let env: TestWorkflowEnvironment;
let orm: MikroORM;
let receiver: WebhookReceiver;

beforeAll(async () => {
  env = await startDevServerEnv();
  orm = await openTestOrm();
  // Endpoints other test files left in this database would be sent these events too.
  await run(forkSql(orm), 'UPDATE webhook_endpoint SET deleted_at = CURRENT_TIMESTAMP(3) WHERE deleted_at IS NULL');
  receiver = await startWebhookReceiver();
}, 60_000);

afterAll(async () => {
  await receiver?.close();
  await orm?.close();
  await env?.teardown();
}, 60_000);

function confirmedOrder(): OrderView {
  return {
    id: uniqueOrderId('hook'),
    customerId: 'cus-crash',
    status: 'CONFIRMED',
    items: [{ productId: 1, sku: 'crash-sku', quantity: 1, unitPriceCents: 100 }],
    totalCents: 100,
    reservedUntil: null,
    payment: null,
    notifications: [],
    requestHash: 'test',
  };
}

async function newEndpoint(): Promise<{ id: string; secret: string }> {
  const endpoint = { id: newEndpointId(), url: receiver.url, events: ['order.confirmed' as const], secret: newSigningSecret() };
  await createEndpoint(orm, endpoint);
  return endpoint;
}

async function delivered(endpointId: string) {
  return eventually(async () => {
    const [delivery] = await deliveryLog(orm, endpointId, 10);
    expect(delivery?.status).toBe('DELIVERED');
    return delivery;
  }, 30_000);
}

/**
 * A webhook worker on a queue of its own, and the recording step whose first start of a delivery fails as a crash
 * would, after the transaction committed; `starts` counts the starts asked for.
 */
async function withRecordingThatCrashesOnce(test: (step: { saveOrder: (order: OrderView) => Promise<void>; starts: () => number }) => Promise<void>) {
  const taskQueue = `webhooks-${randomUUID()}`;
  const worker = await createWebhookWorker({
    connection: env.nativeConnection,
    taskQueue,
    activities: createWebhookActivities(orm, { allowedHosts: new Set(['127.0.0.1']) }),
  });
  const running = worker.run();
  try {
    let starts = 0;
    const flakyClient = {
      workflow: {
        start: (...args: Parameters<Client['workflow']['start']>) => {
          starts += 1;
          return starts === 1 ? Promise.reject(new Error('worker died before the start')) : env.client.workflow.start(...args);
        },
      },
    } as unknown as Client;
    const { saveOrder } = createOrderRecordActivities(orm, createWebhookEmitter(orm, { client: flakyClient, taskQueue, policy: POLICY }));
    await test({ saveOrder, starts: () => starts });
  } finally {
    worker.shutdown();
    await running;
  }
}

it('starts the delivery on the retry of a recording step that failed between its commit and the start', async () => {
  const endpoint = await newEndpoint();
  try {
    await withRecordingThatCrashesOnce(async ({ saveOrder }) => {
      const order = confirmedOrder();
      await expect(saveOrder(order)).rejects.toThrow('worker died before the start');
      await saveOrder(order); // Temporal's retry of the recording step
      await saveOrder(order); // and a late duplicate: a no-op

      const delivery = await delivered(endpoint.id);
      expect(delivery.attempts.map((attempt) => attempt.statusCode)).toEqual([200]);
      const requests = receiver.received.filter((request) => request.body.includes(order.id));
      expect(requests).toHaveLength(1);
      expect(verifiedEvent(requests[0], endpoint.secret)).toMatchObject({ type: 'order.confirmed', data: { orderId: order.id } });
    });
  } finally {
    await deleteEndpoint(orm, endpoint.id);
  }
});

it('starts the delivery on that retry even when the endpoint was deleted in between, so it ends CANCELLED instead of staying PENDING', async () => {
  const endpoint = await newEndpoint();
  await withRecordingThatCrashesOnce(async ({ saveOrder, starts }) => {
    const order = confirmedOrder();
    await expect(saveOrder(order)).rejects.toThrow('worker died before the start');
    await deleteEndpoint(orm, endpoint.id); // no endpoint subscribes any more when the step is retried
    await saveOrder(order);

    await eventually(async () => {
      const [delivery] = await deliveryLog(orm, endpoint.id, 10);
      expect(delivery?.status).toBe('CANCELLED');
    }, 30_000);
    expect(starts()).toBe(2);
  });
});

it('records no event and starts nothing for a status no endpoint subscribes to', async () => {
  const noStarts = { workflow: { start: () => Promise.reject(new Error('nothing should be started')) } } as unknown as Client;
  const { saveOrder } = createOrderRecordActivities(orm, createWebhookEmitter(orm, { client: noStarts, policy: POLICY }));
  const order = confirmedOrder();
  await saveOrder(order);
  await saveOrder(order);
  const events = await select<{ id: string }>(forkSql(orm), 'SELECT id FROM webhook_event WHERE payload LIKE ?', [`%${order.id}%`]);
  expect(events).toEqual([]);
});

it('delivers when the worker running the delivery is SIGKILLed mid-request and another takes over', async () => {
  const taskQueue = `webhooks-${randomUUID()}`;
  const endpoint = await newEndpoint();
  const workers: ChildProcess[] = [];
  const startWorker = async () => {
    // node itself with tsx's loader (not the tsx CLI, which runs the script in a child of its own): SIGKILL hits the worker.
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'support', 'webhook-worker-process.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: env.namespace ?? 'default',
        DATABASE_URL: loadConfig().DATABASE_URL,
        WEBHOOK_TASK_QUEUE: taskQueue,
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    workers.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`webhook worker exited with ${code} before it was ready`)));
    });
    return child;
  };
  try {
    const first = await startWorker();
    receiver.script(['hang']);
    const arrived = receiver.nextRequest();
    const { saveOrder } = createOrderRecordActivities(orm, createWebhookEmitter(orm, { client: env.client, taskQueue, policy: POLICY }));
    const order = confirmedOrder();
    await saveOrder(order);

    await arrived; // the first worker is now inside the attempt, waiting for the receiver's answer
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    await startWorker();

    const delivery = await delivered(endpoint.id);
    const requests = receiver.received.filter((request) => request.body.includes(order.id));
    expect(requests).toHaveLength(2);
    expect(new Set(requests.map((request) => request.headers['webhook-id'])).size).toBe(1);
    expect(verifiedEvent(requests[1], endpoint.secret).type).toBe('order.confirmed');
    // The killed attempt left no record; the one that got the answer is attempt 2.
    expect(delivery.attempts.map(({ attempt, statusCode }) => ({ attempt, statusCode }))).toEqual([{ attempt: 2, statusCode: 200 }]);
  } finally {
    await deleteEndpoint(orm, endpoint.id);
    for (const child of workers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.all(workers.map((child) => (child.exitCode === null && child.signalCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined)));
  }
}, 90_000);
