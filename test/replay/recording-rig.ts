/**
 * What both history recorders (record-histories.ts, record-after-sale.ts) run on: the dev server, the payments
 * stand-in, MariaDB and Redis, a product on sale, and an order worker with the real activities on a queue of its own.
 * Payloads are encrypted as production writes them (with the public test key the replay test holds). Workflow and
 * worker logs are at WARN, so the output is what was recorded. Needs DATABASE_URL and REDIS_URL.
 */
import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { logNotifier } from '../../activities/notify';
import { loadConfig } from '../../config';
import { Inventory } from '../../inventory/inventory';
import { connectRedis } from '../../inventory/redis';
import { createPaymentsClient } from '../../payments/client';
import { dataConverterFor } from '../../temporal/codec';
import { OrderClient } from '../../temporal/order-client';
import { createOrderWorker } from '../../worker/worker';
import { startStandIn } from '../payments/stand-in';
import { TEST_CODEC_KEYS } from '../support/codec';
import { createTestProduct, openTestOrm } from '../support/db';
import { startDevServerEnv } from '../support/dev-server';
import { TEST_PAYMENTS_API_KEY } from '../support/payments-keys';

export interface RecordingRig {
  orm: MikroORM;
  client: Client;
  orders: OrderClient;
  taskQueue: string;
  product: { id: number; sku: string };
}

export interface RigOptions {
  /** Names the product. */
  label: string;
  /** The task queue's name starts with it. */
  queuePrefix: string;
  stock: number;
  priceCents: number;
  /** What the notifier's messages become (the order recorder prints them; the after-sale one drops them). */
  onNotification: (message: string) => void;
}

/** Starts the rig, runs `record` while the worker polls, then stops everything, whether `record` failed or not. */
export async function withRecordingRig({ label, queuePrefix, stock, priceCents, onNotification }: RigOptions, record: (rig: RecordingRig) => Promise<void>): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadConfig();
  const env = await startDevServerEnv();
  const standIn = await startStandIn();
  const orm = await openTestOrm();
  const redis = await connectRedis(config.REDIS_URL);
  try {
    const inventory = new Inventory(redis);
    const product = await createTestProduct(orm, { label, stock, priceCents });
    await inventory.load(product.id, product.stock);
    const taskQueue = `${queuePrefix}-${randomUUID()}`;
    const dataConverter = dataConverterFor(TEST_CODEC_KEYS);
    const client = new Client({ connection: env.connection, namespace: env.namespace, dataConverter });
    const worker = await createOrderWorker({
      dataConverter,
      connection: env.nativeConnection,
      namespace: env.namespace,
      taskQueue,
      activities: createActivities({
        inventory,
        orm,
        payments: createPaymentsClient({ apiKey: TEST_PAYMENTS_API_KEY, baseUrl: standIn.baseUrl, timeoutMs: 5_000 }),
        notifier: logNotifier({ info: (_fields, message) => onNotification(message) }),
      }),
    });
    const orders = new OrderClient(client, taskQueue);
    await worker.runUntil(() => record({ orm, client, orders, taskQueue, product }));
  } finally {
    redis.disconnect();
    await orm.close();
    await standIn.close();
    await env.teardown();
  }
}
