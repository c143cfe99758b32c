import net from 'node:net';
import type { RuntimeOptions, WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { serveMetricsIfFree, type MetricsEndpoint } from './metrics-endpoint';
import { createSagaMetrics, sagaMetricsSinks, type SagaMetrics } from './saga-metrics';

/** Milliseconds (Core's unit): fine around the 200 ms schedule-to-start alert threshold. */
const SCHEDULE_TO_START_BUCKETS_MS = [1, 5, 10, 25, 50, 100, 200, 500, 1000, 2500, 5000, 10000, 30000];

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export interface WorkerMetrics {
  /** For Runtime.install: the Temporal SDK's own metrics (task latencies, slots, ...) on a private loopback port. */
  runtimeTelemetry: RuntimeOptions['telemetryOptions'];
  /** For the worker: the saga sinks and the workflow interceptors that feed them. */
  workerOptions: Pick<WorkerOptions, 'sinks' | 'interceptors'>;
  saga: SagaMetrics;
  /** Serves both on WORKER_METRICS_PORT, once the Runtime is installed. */
  serve(): Promise<MetricsEndpoint | undefined>;
}

/**
 * The worker's metrics on one port: the saga's business metrics (prom-client) and the Temporal SDK's `temporal_`
 * metrics, which Core's own exporter serves on a loopback port that WORKER_METRICS_PORT reads through on each scrape.
 * Undefined when WORKER_METRICS_PORT=off.
 */
export async function workerMetrics(config: Pick<Config, 'WORKER_METRICS_PORT' | 'METRICS_HOST'>, logger: Logger): Promise<WorkerMetrics | undefined> {
  if (config.WORKER_METRICS_PORT === 'off') return undefined;
  const port = config.WORKER_METRICS_PORT;
  const coreUrl = `http://127.0.0.1:${await freeLoopbackPort()}/metrics`;
  const saga = createSagaMetrics({ processMetrics: true });
  const coreMetrics = async () => {
    try {
      const response = await fetch(coreUrl, { signal: AbortSignal.timeout(2_000) });
      return response.ok ? await response.text() : '';
    } catch {
      return ''; // Core's exporter not up yet: the saga's metrics still answer.
    }
  };
  return {
    runtimeTelemetry: {
      metrics: {
        prometheus: {
          bindAddress: new URL(coreUrl).host,
          histogramBucketOverrides: {
            workflow_task_schedule_to_start_latency: SCHEDULE_TO_START_BUCKETS_MS,
            activity_schedule_to_start_latency: SCHEDULE_TO_START_BUCKETS_MS,
          },
        },
      },
    },
    workerOptions: {
      sinks: sagaMetricsSinks(saga),
      interceptors: { workflowModules: [require.resolve('./workflow-interceptors')] },
    },
    saga,
    serve: () => serveMetricsIfFree({ port, host: config.METRICS_HOST }, [() => saga.registry.metrics(), coreMetrics], logger, 'worker'),
  };
}
