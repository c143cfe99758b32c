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
}

const CHECK_TIMEOUT_MS = 2_000;

/** /healthz: the process answers. /readyz: every dependency an order needs answers too (for load balancers). */
export function healthRouter({ orm, redis, temporal }: HealthDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const checks = {
      mysql: await probe(() => orm.em.getConnection().execute('SELECT 1')),
      redis: await probe(() => redis.ping()),
      temporal: await probe(() => temporal.workflowService.getSystemInfo({})),
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
