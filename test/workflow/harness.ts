import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { OrderClient } from '../../temporal/order-client';
import { createOrderWorker } from '../../worker/worker';
import type { OrderInput, OrderView } from '../../workflows/order-types';
import { createTimeSkippingEnv } from '../support/temporal-env';
import type { FakeActivities } from './fake-activities';

export const HOLD_MS = 30 * 60_000;

/** One time-skipping test server for the test file, started before its tests and stopped after them. */
export function useTimeSkippingEnv(): () => TestWorkflowEnvironment {
  let env: TestWorkflowEnvironment | undefined;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });
  return () => env!;
}

export function orderInput(overrides: Partial<OrderInput> = {}): OrderInput {
  return {
    orderId: `ord_${randomUUID()}`,
    customerId: 'cus_wf',
    lines: [{ productId: 1, sku: 'SKU-1', quantity: 2, unitPriceCents: 1500 }],
    totalCents: 3000,
    holdMs: HOLD_MS,
    requestHash: 'hash',
    ...overrides,
  };
}

/**
 * Runs `scenario` for one order with a production worker (worker/worker.ts) whose activities are the given fakes,
 * and returns the order as its workflow finished. Waiting for the end matters: a workflow left running would stop
 * the test server's clock.
 */
export async function runOrder(
  env: TestWorkflowEnvironment,
  fake: FakeActivities,
  input: OrderInput,
  scenario: (orders: OrderClient) => Promise<void>,
): Promise<OrderView> {
  const taskQueue = `orders-${randomUUID()}`;
  const worker = await createOrderWorker({ connection: env.nativeConnection, namespace: env.namespace, taskQueue, activities: fake.activities });
  return worker.runUntil(async () => {
    await scenario(new OrderClient(env.client, taskQueue));
    return env.client.workflow.getHandle(input.orderId).result();
  });
}

/** Retries an assertion for a few seconds of real time (queries do not move the test server's clock). */
export async function eventually(assertion: () => Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
