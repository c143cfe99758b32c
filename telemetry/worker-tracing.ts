/** Imported first by worker/main.ts: tracing must patch ioredis, mysql2 and fetch before anything loads them. */
import type { WorkerOptions } from '@temporalio/worker';
import { startTracing, type Tracing } from './tracing';

export const workerTracing = startTracing('order-saga-worker');

/**
 * Temporal's OpenTelemetry plugin: the workflow's and activities' spans continue the trace the API's client started
 * (the context travels in Temporal headers), and the workflow's spans leave the sandbox through a sink.
 */
export function tracingPlugins(tracing: Tracing | undefined): WorkerOptions['plugins'] {
  if (!tracing) return [];
  const { OpenTelemetryPlugin } = require('@temporalio/interceptors-opentelemetry') as typeof import('@temporalio/interceptors-opentelemetry');
  return [new OpenTelemetryPlugin({ resource: tracing.resource, spanProcessor: tracing.spanProcessor })];
}
