import { createServer, type Server } from 'node:http';
import type { NativeConnection, Worker } from '@temporalio/worker';

/**
 * GET /healthz for a worker (a container's HEALTHCHECK, Kubernetes' liveness and readiness probes): 200 while its
 * pollers run (the worker is RUNNING) and Temporal answers its health check within two seconds; 503 otherwise, with
 * the reason. Off unless WORKER_HEALTH_PORT is set (several workers on one host would fight over a default port).
 */
export function startWorkerHealthServer(port: number, worker: Worker, connection: NativeConnection): Promise<Server> {
  const server = createServer(async (request, response) => {
    if (request.url !== '/healthz') {
      response.writeHead(404).end();
      return;
    }
    const state = worker.getState();
    let temporal = 'reachable';
    try {
      await connection.withDeadline(Date.now() + 2_000, () => connection.healthService.check({}));
    } catch (error) {
      temporal = `unreachable: ${error instanceof Error ? error.message : String(error)}`;
    }
    const healthy = state === 'RUNNING' && temporal === 'reachable';
    response.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: healthy ? 'ok' : 'unhealthy', worker: state, temporal }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}
