import { Router } from 'express';
import { optionalCallerOf } from '../auth/middleware';
import { isOperator } from '../auth/roles';
import type { MikroORM } from '@mikro-orm/core';
import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';

export interface HealthDeps {
  orm: MikroORM;
  redis: Redis;
  temporal: Client;
  /** The order workflows' task queue: ready only while some worker polls it. */
  taskQueue: string;
}

/**
 * A worker polls again at least every minute while idle (its long poll ends then); a poller not seen for longer is
 * gone or frozen. Temporal keeps listing pollers for minutes after they stop, so the time is what tells.
 */
const POLLER_FRESH_MS = 75_000;
/** temporal.api.enums.v1.TaskQueueType: the pollers of workflow tasks. */
const TASK_QUEUE_TYPE_WORKFLOW = 1;

const CHECK_TIMEOUT_MS = 2_000;

/** /healthz: the process answers. /readyz: every dependency an order needs answers too (for load balancers). */
export function healthRouter({ orm, redis, temporal, taskQueue }: HealthDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const checks = {
      mysql: await probe(() => orm.em.getConnection().execute('SELECT 1')),
      redis: await probe(() => redis.ping()),
      // A deadline on the calls themselves, so a Temporal that does not answer leaves no call open behind the probe.
      temporal: await probe(() => temporal.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => temporal.workflowService.getSystemInfo({}))),
      worker: await probe(() => temporal.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => assertWorkerPolls(temporal, taskQueue))),
    };
    const ready = Object.values(checks).every((check) => check === 'ok');
    // Which dependency failed, and how, is for staff (an operator token); a load balancer needs the status alone.
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', ...(isOperator(optionalCallerOf(res)) ? { checks } : {}) });
  });
  return router;
}

async function probe(check: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  } finally {
    clearTimeout(timer);
  }
}

/** Fails unless a worker has polled the task queue for workflow tasks lately. */
async function assertWorkerPolls(temporal: Client, taskQueue: string): Promise<void> {
  const { pollers } = await temporal.workflowService.describeTaskQueue({
    namespace: temporal.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
  });
  const now = Date.now();
  const fresh = (pollers ?? []).some((poller) => {
    const seconds = Number(poller.lastAccessTime?.seconds ?? 0);
    return now - seconds * 1_000 < POLLER_FRESH_MS;
  });
  if (!fresh) throw new Error(`no worker polls task queue ${taskQueue}`);
}
