/**
 * OpenTelemetry tracing for the API and the worker, configured by the standard OTEL_* variables. It is on only when
 * an exporter is asked for: OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set, or
 * OTEL_TRACES_EXPORTER=otlp|console. Otherwise (and with OTEL_SDK_DISABLED=true) nothing is loaded or patched, no
 * span is made and nothing tries to reach a collector: tracing costs nothing and logs nothing.
 *
 * It must start before the modules it instruments are loaded (http, ioredis, mysql2), so each entry point imports
 * telemetry/start-tracing.ts first.
 */
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Resource } from '@opentelemetry/resources';

export interface Tracing {
  resource: Resource;
  /** For the Temporal OpenTelemetry plugin, which exports the workflow's spans through a sink. */
  spanProcessor: SpanProcessor;
  /** Flushes the spans still buffered (at shutdown). */
  shutdown(): Promise<void>;
}

type Env = NodeJS.ProcessEnv;

export function tracingRequested(env: Env = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (exporter === 'none') return false;
  return exporter === 'otlp' || exporter === 'console' || Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** The exporter the variables name; OTLP over HTTP, protobuf by default (the spec's default) or JSON. */
function exporterFrom(env: Env): SpanExporter {
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'console') {
    const { ConsoleSpanExporter } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
    return new ConsoleSpanExporter();
  }
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
  switch (protocol) {
    case 'http/protobuf': {
      const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
      return new OTLPTraceExporter();
    }
    case 'http/json': {
      const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
      return new OTLPTraceExporter();
    }
    default:
      throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported: use http/protobuf (default) or http/json`);
  }
}

/**
 * Registers the tracer provider (W3C trace context propagation, async-hooks context) and the instrumentations of
 * incoming and outgoing HTTP (the API's requests, the payment provider's calls through fetch), Redis and MySQL.
 * `exporter` replaces the one the variables name (the tests hand in an in-memory one).
 */
export function startTracing(defaultServiceName: string, options: { env?: Env; exporter?: SpanExporter } = {}): Tracing | undefined {
  const env = options.env ?? process.env;
  if (!options.exporter && !tracingRequested(env)) return undefined;
  // Loaded only now: with tracing off not one OpenTelemetry module is required.
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { Resource, envDetectorSync } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  const { IORedisInstrumentation } = require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
  const { MySQL2Instrumentation } = require('@opentelemetry/instrumentation-mysql2') as typeof import('@opentelemetry/instrumentation-mysql2');

  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (read by the env detector) win over the part's own name.
  const resource = Resource.default().merge(new Resource({ 'service.name': defaultServiceName })).merge(envDetectorSync.detect());
  const spanProcessor = new BatchSpanProcessor(options.exporter ?? exporterFrom(env));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes are not business: they would bury the orders' traces.
        ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)\b/.test(req.url ?? ''),
      }),
      new UndiciInstrumentation({ ignoreRequestHook: (req) => req.path.startsWith('/metrics') }),
      // Commands outside a traced request (a startup load, a health probe) make no root spans of their own.
      new IORedisInstrumentation({ requireParentSpan: true }),
      new MySQL2Instrumentation(),
    ],
  });
  return { resource, spanProcessor, shutdown: () => provider.shutdown() };
}
