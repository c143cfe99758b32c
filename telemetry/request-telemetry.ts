import { trace, type Span } from '@opentelemetry/api';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { ApiMetrics } from './api-metrics';

/** Set by the problem handler, so the refusal counters can say which problem a request got. */
export const PROBLEM_CODE = 'problemCode';

const ORDER_ID = /\b(ord_[A-Za-z0-9_-]+)/;

/**
 * The route pattern a request matched (`/orders/:id/payment`), or `unmatched`. Express restores `req.baseUrl` when an
 * error leaves a router, so the mount point is rebuilt from the URL: the path minus as many trailing segments as the
 * route pattern has. Raw paths are never used as labels: ids would make the series unbounded.
 */
export function routeOf(req: Request): string {
  const pattern: unknown = req.route?.path;
  if (typeof pattern !== 'string') return 'unmatched';
  const patternSegments = pattern.split('/').filter(Boolean);
  const pathSegments = (req.originalUrl.split('?')[0] ?? '').split('/').filter(Boolean);
  const mount = pathSegments.slice(0, Math.max(0, pathSegments.length - patternSegments.length));
  return `/${[...mount, ...patternSegments].join('/')}`;
}

/** The order a request is about: in its path, or in the Location of a placement's answer. */
function orderIdOf(req: Request, res: Response): string | undefined {
  return ORDER_ID.exec(req.originalUrl)?.[1] ?? ORDER_ID.exec(String(res.getHeader('location') ?? ''))?.[1];
}

/**
 * One access line and one histogram observation per request, when its answer has been sent; plus the order
 * counters for `POST /orders`. The access line carries the trace of the request (when tracing is on) and its order.
 */
export function requestTelemetry(metrics: ApiMetrics | undefined, logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const span = trace.getActiveSpan();
    const spanContext = span?.spanContext();
    if (span) nameSpanOnHeaders(span, req, res);
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req);
      const status = res.statusCode;
      const problemCode = res.locals[PROBLEM_CODE] as string | undefined;
      if (metrics) countRequest(metrics, req.method, route, status, seconds, problemCode, res.getHeader('idempotent-replayed') === 'true');
      const orderId = orderIdOf(req, res);
      if (!logger.isLevelEnabled('info')) return;
      logger.info(
        {
          ...(spanContext ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : {}),
          ...(orderId ? { orderId } : {}),
          method: req.method,
          route,
          path: req.originalUrl,
          status,
          ...(problemCode ? { code: problemCode } : {}),
          ms: Math.round(seconds * 10_000) / 10,
        },
        'request',
      );
    });
    next();
  };
}

function countRequest(metrics: ApiMetrics, method: string, route: string, status: number, seconds: number, problemCode: string | undefined, replayed: boolean): void {
  metrics.httpRequestDuration.observe({ method, route, status_code: String(status) }, seconds);
  if (status === 429) metrics.rateLimitRefusals.inc({ route });
  if (method === 'POST' && route === '/orders') {
    if (status === 201) metrics.ordersPlaced.inc({ replayed: String(replayed) });
    else metrics.ordersRefused.inc({ code: problemCode ?? `HTTP_${status}` });
  }
}

/**
 * The HTTP instrumentation names a server span after the method alone and ends it on 'finish', before any listener of
 * ours runs; so the route pattern and the order are put on the span as the answer's headers are written.
 */
function nameSpanOnHeaders(span: Span, req: Request, res: Response): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: Response, ...args: Parameters<Response['writeHead']>) {
    const route = routeOf(req);
    span.updateName(`${req.method} ${route}`);
    span.setAttribute('http.route', route);
    const orderId = orderIdOf(req, res);
    if (orderId) span.setAttribute('order.id', orderId);
    return writeHead.apply(this, args);
  } as Response['writeHead'];
}
