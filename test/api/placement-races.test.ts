/**
 * Placement at its edges, end to end: a request that ends without the workflow's answer (the buyer hung up) must not
 * keep its admission claim, and a keyed retry that arrives while the first request's workflow already holds the
 * last units is answered by that workflow, not refused by the gate.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { createActivities } from '../../activities';
import { orderIdFor, orderIdSecretOf } from '../../api/order-ids';
import { requestHashOf } from '../../api/order-placement';
import { admissionKey } from '../../inventory/keys';
import type { PaymentsClient } from '../../payments/client';
import { serveAppOn } from '../support/app-on-service';
import { buyer, TEST_AUTH_SECRET, tokenFor } from '../support/auth';
import { eventually, unique } from './http';
import { serviceForThisFile } from './service-per-file';

const stack = serviceForThisFile({ holdMs: 60_000 });

/** How the API names a keyed order of this buyer (the tests' apps derive the secret from the JWT secret). */
const idScope = (callerId: string) => ({ secret: orderIdSecretOf({ AUTH_JWT_SECRET: TEST_AUTH_SECRET, ORDER_ID_SECRET: undefined }), callerId });

async function newProduct(stock: number): Promise<{ id: number; sku: string }> {
  const answer = await stack.api.post('/products', { sku: unique('race-sku'), name: 'Race test product', priceCents: 500, stock });
  expect(answer.status).toBe(201);
  return answer.body;
}

/**
 * An API on the same stores and Temporal, whose orders go to a task queue no worker polls: placement never answers.
 * It has a Temporal connection of its own, closed with it, so no call of a hung request outlives the test.
 */
async function apiWithNoWorker(): Promise<{ baseUrl: string; taskQueue: string; close: () => Promise<void> }> {
  const taskQueue = `nobody-polls-${randomUUID()}`;
  const connection = await Connection.connect({ address: (stack.service.temporalClient.connection as Connection).options.address });
  const app = await serveAppOn(stack.service, {
    temporal: new Client({ connection, namespace: stack.service.temporalClient.options.namespace }),
    taskQueue,
    auth: { AUTH_JWT_SECRET: TEST_AUTH_SECRET },
  });
  const close = async () => {
    await connection.close();
    await app.close();
  };
  return { baseUrl: app.url, taskQueue, close };
}

test('a buyer who hangs up before the answer gives up their admission claim at once, not after its 30 s', async () => {
  const product = await newProduct(1);
  const stalled = await apiWithNoWorker();
  const key = unique('hang-up');
  const customerId = unique('cus');
  try {
    const hangUp = AbortSignal.timeout(1_000);
    const request = fetch(`${stalled.baseUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key, authorization: `Bearer ${await tokenFor(buyer(customerId))}` },
      body: JSON.stringify({ customerId, items: [{ productId: product.id, quantity: 1 }] }),
      signal: hangUp,
    });
    await expect(request).rejects.toThrow();

    // The claim on the only unit is gone within moments of the hang-up...
    await eventually(async () => expect(await stack.service.redis.zcard(admissionKey(product.id))).toBe(0), 2_000, 50);
    // ...so the next buyer is admitted to the unit instead of hearing it is being reserved by a buyer ahead.
    const next = await stack.api.post('/orders', { customerId: unique('cus'), items: [{ productId: product.id, quantity: 1 }] });
    expect(next.status).toBe(201);
  } finally {
    await stack.service.temporalClient.workflow.getHandle(orderIdFor(key, idScope(customerId))).terminate('test over').catch(() => undefined);
    await stalled.close();
  }
});

test('a keyed retry while the first request already holds the last unit is answered with that order, not OUT_OF_STOCK', async () => {
  const product = await newProduct(1);
  const key = unique('retry');
  const body = { customerId: unique('cus'), items: [{ productId: product.id, quantity: 1 }] };
  const orderId = orderIdFor(key, idScope(body.customerId));
  // Where the first request's workflow is when the retry arrives: recorded PENDING, the last unit reserved in Redis,
  // RESERVED not yet recorded (the first request is still waiting for it).
  const activities = createActivities({ orm: stack.service.orm, inventory: stack.service.inventory, payments: {} as PaymentsClient, notifier: { send: async () => undefined } });
  const line = { productId: product.id, sku: product.sku, quantity: 1, unitPriceCents: 500 };
  await activities.saveOrder({
    id: orderId,
    customerId: body.customerId,
    status: 'PENDING',
    items: [line],
    totalCents: 500,
    reservedUntil: null,
    payment: null,
    notifications: [],
    requestHash: requestHashOf(body),
  });
  expect(await activities.reserveStock({ orderId, lines: [{ productId: product.id, quantity: 1 }] })).toEqual({ reserved: true });
  expect(await stack.service.inventory.available(product.id)).toBe(0);

  const retry = await stack.api.post('/orders', body, { idempotencyKey: key });

  expect(retry.status).toBe(201);
  expect(retry.body).toMatchObject({ id: orderId, status: 'RESERVED' });
});
