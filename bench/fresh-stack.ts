/**
 * A benchmark's life on a fresh stack (bench/stack.ts): the stack started, MySQL and Redis opened beside it, the run,
 * then everything closed whatever happened. The stack's logs are kept when the run failed (it threw, or answered true:
 * a target it guards or an invariant was breached), when a part was CPU-profiled, or with BENCH_KEEP_LOGS=1; a failed
 * run sets the exit code.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import { loadConfig } from '../config';
import { openOrm } from '../db/orm';
import { connectRedis } from '../inventory/redis';
import { startStack, type Stack } from './stack';

export interface FreshStack {
  stack: Stack;
  orm: MikroORM;
  redis: Redis;
}

/** `name` names the stack (its logs) and prefixes the start-up line; `run` answers whether the run failed. */
export async function onFreshStack(name: string, run: (fresh: FreshStack) => Promise<boolean>): Promise<void> {
  const config = loadConfig();
  console.log(`[${name}] starting a fresh stack…`);
  const stack = await startStack({ name });
  const orm = await openOrm(config.DATABASE_URL);
  const redis = await connectRedis(config.REDIS_URL);
  let failed = true;
  try {
    failed = await run({ stack, orm, redis });
  } finally {
    redis.disconnect();
    await orm.close();
    await stack.stop({ keepLogs: failed || stack.cpuProfiled.length > 0 || process.env.BENCH_KEEP_LOGS === '1' });
    if (failed) process.exitCode = 1;
  }
}
