import express, { type Express } from 'express';
import type { MikroORM } from '@mikro-orm/core';
import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Inventory } from '../inventory/inventory';
import { OrderClient } from '../temporal/order-client';
import { notFound, problemHandler } from './errors';
import { healthRouter } from './routes/health';
import { ordersRouter } from './routes/orders';
import { productsRouter } from './routes/products';

export interface AppDeps {
  orm: MikroORM;
  redis: Redis;
  inventory: Inventory;
  temporal: Client;
  holdMs: number;
  logger: Logger;
  /** Task queue of the order workflows (one per test run in the tests). */
  taskQueue?: string;
}

/** The REST API: it holds no order state of its own (workflows and MySQL do). */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(express.json({ limit: '16kb', strict: true }));
  app.use(healthRouter({ orm: deps.orm, redis: deps.redis, temporal: deps.temporal }));
  app.use('/products', productsRouter(deps));
  app.use('/orders', ordersRouter({ ...deps, orders: new OrderClient(deps.temporal, deps.taskQueue) }));
  app.use(notFound);
  app.use(problemHandler(deps.logger));
  return app;
}
