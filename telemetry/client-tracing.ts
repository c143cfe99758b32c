import type { WorkflowClientInterceptor } from '@temporalio/client';
import { tracingRequested } from './tracing';

/**
 * The client side of Temporal's OpenTelemetry interceptors: each call to a workflow (Update-with-Start, updates)
 * gets a span, and its context goes to the workflow in Temporal headers. None when tracing is off.
 */
export function tracingClientInterceptors(env: NodeJS.ProcessEnv = process.env): WorkflowClientInterceptor[] {
  if (!tracingRequested(env)) return [];
  const { OpenTelemetryWorkflowClientInterceptor } = require('@temporalio/interceptors-opentelemetry') as typeof import('@temporalio/interceptors-opentelemetry');
  return [new OpenTelemetryWorkflowClientInterceptor()];
}
