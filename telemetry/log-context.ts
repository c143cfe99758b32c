import { trace } from '@opentelemetry/api';

/**
 * A pino mixin: every line logged inside a traced operation (a request, an activity) carries its trace and span ids,
 * so a log line leads to its trace and back. With tracing off there is no active span and nothing is added.
 */
export function traceIds(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
