import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Config } from '../config';
import { requireBinary, TEMPORAL_CLI } from './binaries';
import { ORDER_SEARCH_ATTRIBUTES } from './names';

export interface DevServerOptions {
  host: string;
  port: number;
  uiPort: number;
  /** The codec server the Web UI decodes payloads with (`npm start` runs one). */
  codecEndpoint?: string;
  namespace: string;
  /** Folder of the SQLite file; the server's state (and every order in flight) survives a restart. */
  dataDir: string;
  /** Further `key=value` dynamic-config settings, to measure what a server setting changes (benchmarks). */
  dynamicConfig?: string[];
}

/** The dev server the configuration describes; a relative data folder is taken from the project root. */
export function devServerOptionsFrom(config: Config): DevServerOptions {
  const [host, port] = config.TEMPORAL_ADDRESS.split(':');
  return {
    host,
    port: Number(port),
    uiPort: config.TEMPORAL_UI_PORT,
    namespace: config.TEMPORAL_NAMESPACE,
    dataDir: path.resolve(__dirname, '..', config.TEMPORAL_DATA_DIR),
  };
}

/**
 * The dev server's SQLite in write-ahead-log mode with `synchronous=normal`: a commit appends to the log and is
 * synced at checkpoints, not on every write. Measured on the saga benchmark it doubles orders per second. The
 * trade-off: a crash of the dev server process loses nothing (the log is in the OS's page cache and replayed on
 * start); a crash of the machine (power, kernel) may lose the last commits. Every dev server the project starts
 * (npm start, tests, benchmarks, the fault run) uses these pragmas. In-memory servers accept and ignore them.
 */
export const SQLITE_WAL_PRAGMA_ARGS: readonly string[] = [
  '--sqlite-pragma', 'journal_mode=wal',
  '--sqlite-pragma', 'synchronous=normal',
];

/** Starts `temporal server start-dev` with its SQLite file, Web UI and the order search attributes registered. */
export async function startDevServer(options: DevServerOptions): Promise<ChildProcess> {
  mkdirSync(options.dataDir, { recursive: true });
  const searchAttributeArgs = ORDER_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]);
  const server = spawn(
    requireBinary(TEMPORAL_CLI),
    [
      'server', 'start-dev',
      '--ip', options.host,
      '--port', String(options.port),
      '--ui-port', String(options.uiPort),
      ...(options.codecEndpoint ? ['--ui-codec-endpoint', options.codecEndpoint] : []),
      '--namespace', options.namespace,
      '--db-filename', path.join(options.dataDir, 'temporal.sqlite'),
      ...SQLITE_WAL_PRAGMA_ARGS,
      '--log-level', 'warn',
      // The search attributes are registered at start, so reading them need not refresh the cache each time:
      // measured on the saga benchmark, persistence operations per order fall from 52 to 24.
      '--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=false',
      ...(options.dynamicConfig ?? []).flatMap((setting) => ['--dynamic-config-value', setting]),
      ...searchAttributeArgs,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  await waitUntilReachable(`${options.host}:${options.port}`, server);
  return server;
}

async function waitUntilReachable(address: string, server: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`Temporal dev server exited with code ${server.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.healthService.check({});
      await connection.close();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`Temporal dev server not reachable at ${address}: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
