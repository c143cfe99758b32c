/**
 * The return window is a durable timer in the order's after-sale workflow: on the time-skipping test server (from
 * .venv, nothing downloaded) a return asked on day 1 is accepted, the timer fires at RETURN_WINDOW and ends the run,
 * and a return asked on day 15 is refused with RETURN_WINDOW_CLOSED. Real activities on real MariaDB and Redis.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { createActivities } from '../../activities';
import { Inventory } from '../../inventory/inventory';
import { createPaymentsClient } from '../../payments/client';
import { AfterSaleClient, AfterSaleRefusedError } from '../../temporal/after-sale-client';
import { afterSaleWorkflowId } from '../../temporal/names';
import { OrderClient } from '../../temporal/order-client';
import { createOrderWorker } from '../../worker/worker';
import { DEFAULT_RETURN_WINDOW_MS } from '../../workflows/after-sale-types';
import { RETURN_WINDOW_CLOSED } from '../../workflows/failures';
import { createTestProduct, openTestOrm, uniqueOrderId } from '../support/db';
import { openTestRedis } from '../support/redis';
import { startStandIn, type StandIn } from '../payments/stand-in';
import { useTimeSkippingEnv } from '../workflow/harness';
import { TEST_PAYMENTS_API_KEY } from '../support/payments-keys';

const getEnv = useTimeSkippingEnv();
let orm: MikroORM;
let redis: Redis;
let standIn: StandIn;

beforeAll(async () => {
  orm = await openTestOrm();
  redis = await openTestRedis();
  standIn = await startStandIn();
});
afterAll(async () => {
  await standIn.close();
  await redis.quit();
  await orm.close();
});

const realActivities = () =>
  createActivities({ orm, inventory: new Inventory(redis), payments: createPaymentsClient({ apiKey: TEST_PAYMENTS_API_KEY, baseUrl: standIn.baseUrl, timeoutMs: 2_000 }), notifier: { send: async () => undefined } });

/** A CONFIRMED, captured order of 2 units, recorded in MySQL as the order workflow records it. */
async function confirmedOrder(): Promise<{ orderId: string; productId: number }> {
  const product = await createTestProduct(orm, { priceCents: 500 });
  const orderId = uniqueOrderId('window');
  await realActivities().saveOrder({
    id: orderId,
    customerId: 'cus_window',
    status: 'CONFIRMED',
    items: [{ productId: product.id, sku: product.sku, quantity: 2, unitPriceCents: 500 }],
    totalCents: 1_000,
    reservedUntil: null,
    payment: { status: 'CAPTURED', amountCents: 1_000, authorizationId: `auth_${randomUUID()}` },
    notifications: [],
    requestHash: 'hash',
  });
  return { orderId, productId: product.id };
}

test('a return within RETURN_WINDOW is accepted; the durable timer then closes the window and a late return is 409', async () => {
  const env: TestWorkflowEnvironment = getEnv();
  const taskQueue = `after-sale-${randomUUID()}`;
  const worker = await createOrderWorker({ connection: env.nativeConnection, namespace: env.namespace, taskQueue, activities: realActivities() });
  const { orderId, productId } = await confirmedOrder();
  const afterSale = new AfterSaleClient(env.client, new OrderClient(env.client, taskQueue), DEFAULT_RETURN_WINDOW_MS, taskQueue);

  await worker.runUntil(async () => {
    const first = await afterSale.requestReturn(orderId, { returnId: `ret_${randomUUID()}`, customerId: 'cus_window', lines: [{ productId, quantity: 1 }] });
    expect(first.status).toBe('REQUESTED');
    const run = env.client.workflow.getHandle(afterSaleWorkflowId(orderId));
    const { runId } = await run.describe();

    await env.sleep('15 days');
    // The timer fired and the run ended: the window is closed by the workflow's own clock, not by a later check.
    await env.client.workflow.getHandle(afterSaleWorkflowId(orderId), runId).result();
    const history = await env.client.workflow.getHandle(afterSaleWorkflowId(orderId), runId).fetchHistory();
    expect(history.events?.some((event) => event.timerFiredEventAttributes)).toBe(true);

    const late = afterSale.requestReturn(orderId, { returnId: `ret_${randomUUID()}`, customerId: 'cus_window', lines: [{ productId, quantity: 1 }] });
    await expect(late).rejects.toBeInstanceOf(AfterSaleRefusedError);
    await expect(late).rejects.toMatchObject({ refusal: RETURN_WINDOW_CLOSED });
    // The run the late request started ends at once: nothing is pending, and its window was closed from the start.
    await env.client.workflow.getHandle(afterSaleWorkflowId(orderId)).result();
  });
});
