import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config';
import type { Inventory } from '../inventory/inventory';
import { createApiMetrics, type ApiMetrics } from './api-metrics';
import { serveMetricsIfFree } from './metrics-endpoint';
import { registerOpenOrderGauges } from './open-order-gauges';
import { registerStockGauges } from './stock-gauges';

/**
 * The API's metrics with the stock gauges, served on METRICS_PORT; null when METRICS_PORT=off. With `offer` (an API
 * process of several, api/cluster.ts) the registry goes to that instead, and the primary serves the port.
 */
export async function serveApiMetrics(
  config: Pick<Config, 'METRICS_PORT' | 'METRICS_HOST' | 'RESERVATION_TTL'>,
  stores: { orm: MikroORM; inventory: Inventory },
  logger: Logger,
  offer?: (registry: Registry) => void,
): Promise<ApiMetrics | null> {
  if (config.METRICS_PORT === 'off') return null;
  const metrics = createApiMetrics({ processMetrics: true });
  registerStockGauges(metrics.registry, stores);
  registerOpenOrderGauges(metrics.registry, { orm: stores.orm, holdMs: config.RESERVATION_TTL });
  if (offer) offer(metrics.registry);
  else await serveMetricsIfFree({ port: config.METRICS_PORT, host: config.METRICS_HOST }, [() => metrics.registry.metrics()], logger, 'API');
  return metrics;
}
