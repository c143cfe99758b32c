import type { DataConverter, Duration } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { WorkerActivities } from '../activities';
import { temporalConnectionOptions } from '../temporal/connection-options';
import { ORDER_TASK_QUEUE } from '../temporal/names';

export interface OrderWorkerOptions {
  connection: NativeConnection;
  /** Defaults to the SDK's 'default', as the dev server's. */
  namespace?: string;
  activities: WorkerActivities;
  /** The order task queue in production; tests give each run a queue of its own. */
  taskQueue?: string;
  /** Time in-flight activities get to finish when the worker is told to stop (SIGTERM on a deploy). */
  shutdownGraceTime?: Duration;
  /** Telemetry (telemetry/): metric sinks, tracing plugins and interceptors; none by default. */
  telemetry?: Pick<WorkerOptions, 'sinks' | 'interceptors' | 'plugins'>;
  /** The payload codec (temporal/codec.ts); must match the clients'. Default: payloads in clear. */
  dataConverter?: DataConverter;
}

/** A stateless worker on the order task queue: run as many as the load needs. */
export function createOrderWorker(options: OrderWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? ORDER_TASK_QUEUE,
    workflowsPath: require.resolve('../workflows'),
    activities: options.activities,
    shutdownGraceTime: options.shutdownGraceTime ?? '20s',
    dataConverter: options.dataConverter,
    ...options.telemetry,
  });
}

/** A worker started while Temporal restarts (a deploy, a fault) waits for it for a minute instead of exiting. */
export async function connectWhenReachable(address: string, patienceMs = 60_000): Promise<NativeConnection> {
  const deadline = Date.now() + patienceMs;
  // TLS, mTLS and the API key as configured (the same builder as the API's client).
  const options = temporalConnectionOptions(address);
  for (let delayMs = 250; ; delayMs = Math.min(delayMs * 2, 5_000)) {
    try {
      return await NativeConnection.connect(options);
    } catch (error) {
      if (Date.now() + delayMs > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
