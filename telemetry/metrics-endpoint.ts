import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One text source of the Prometheus exposition format (a prom-client registry, or the Temporal Core's exporter). */
export type MetricsSource = () => Promise<string>;

export interface MetricsEndpoint {
  port: number;
  /** The address it listens on, e.g. 127.0.0.1. */
  address: string;
  close(): Promise<void>;
}

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * `GET /metrics` on a port of its own, apart from the API's, so scrapes never queue behind orders and the port can be
 * kept off the public network. Several sources are concatenated: their metric names must not overlap.
 */
export async function serveMetrics(where: ListenOn, sources: MetricsSource[]): Promise<MetricsEndpoint> {
  return listen(where, sources);
}

/** The port and the address to listen on (METRICS_PORT or WORKER_METRICS_PORT, and METRICS_HOST). */
export interface ListenOn {
  port: number;
  host: string;
}

/**
 * Like serveMetrics, but a port already taken (a second worker on the same host, a stack beside `npm start`) costs the
 * metrics endpoint only, never the process: it warns and serves nothing, since orders matter more than their counts.
 */
export async function serveMetricsIfFree(
  where: ListenOn,
  sources: MetricsSource[],
  logger: { info(message: string): void; warn(fields: object, message: string): void },
  what: string,
): Promise<MetricsEndpoint | undefined> {
  try {
    const endpoint = await listen(where, sources);
    logger.info(`${what} metrics on http://${where.host.includes(':') ? `[${where.host}]` : where.host}:${endpoint.port}/metrics`);
    return endpoint;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    logger.warn({ port: where.port }, `${what} metrics not served: port ${where.port} is in use (set another one, or off)`);
    return undefined;
  }
}

async function listen({ port, host }: ListenOn, sources: MetricsSource[]): Promise<MetricsEndpoint> {
  const server: Server = createServer(async (req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('metrics are at GET /metrics\n');
      return;
    }
    try {
      const texts = await Promise.all(sources.map((source) => source()));
      res.writeHead(200, { 'content-type': CONTENT_TYPE }).end(texts.map((text) => (text.endsWith('\n') ? text : `${text}\n`)).join(''));
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${(error as Error).message}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  server.unref();
  return {
    port: (server.address() as AddressInfo).port,
    address: (server.address() as AddressInfo).address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // a scraper's keep-alive connection would hold close() open
      }),
  };
}
