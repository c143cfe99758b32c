import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { removeIdleCarts } from '../db/carts';

/**
 * Removes carts nobody changed for CART_TTL, every `everyMs` (the reconcile interval), from each worker process: a
 * DELETE by age, so workers running it at once only share the work. Returns the stop.
 */
export function startCartCleanup(orm: MikroORM, { ttlMs, everyMs, logger }: { ttlMs: number; everyMs: number; logger: Logger }): () => void {
  const sweep = async () => {
    try {
      const removed = await removeIdleCarts(orm, new Date(Date.now() - ttlMs));
      if (removed > 0) logger.info({ removed, cartTtlMs: ttlMs }, 'idle carts removed');
    } catch (error) {
      logger.warn({ error: (error as Error).message }, 'idle carts could not be removed; trying again next interval');
    }
  };
  const timer = setInterval(() => void sweep(), everyMs);
  timer.unref();
  void sweep();
  return () => clearInterval(timer);
}
