/**
 * A second API on a running test service's stores (MySQL, Redis, Temporal, its task queue), configured otherwise
 * (another auth, sign-in, limits or logger), for tests that compare configurations against the same data.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp, type AppDeps } from '../../api/app';
import { NO_LIMITS } from '../../config/limits';
import type { Service } from './service';

export interface ServedApp {
  url: string;
  close(): Promise<void>;
}

export async function serveAppOn(service: Service, deps: Partial<AppDeps>): Promise<ServedApp> {
  const server = createServer(
    createApp({
      orm: service.orm,
      redis: service.redis,
      inventory: service.inventory,
      temporal: service.temporalClient,
      holdMs: 60_000,
      logger: pino({ level: 'silent' }),
      taskQueue: service.taskQueue,
      limits: NO_LIMITS,
      webDir: null,
      ...deps,
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
