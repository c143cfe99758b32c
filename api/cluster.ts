import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import type { Config } from '../config';
import { serveMetricsIfFree } from '../telemetry/metrics-endpoint';

/** A process that dies this soon after it was forked is restarted only after the back-off below, not at once. */
const EARLY_DEATH_MS = 5_000;
const RESPAWN_DELAY_MS = { first: 250, max: 10_000 };

/**
 * API_PROCESSES > 1: this process (the cluster's primary) serves no requests. It forks that many API processes,
 * which share PORT through node:cluster (the primary accepts each connection and hands it to the next process in
 * turn), restarts one that dies unexpectedly, serves the processes' metrics summed on METRICS_PORT, and on SIGTERM or
 * SIGINT passes the signal on and waits for every process to finish its requests: each keeps its own
 * API_SHUTDOWN_TIMEOUT, and past that (plus a second for the exits to arrive) the primary kills what is left and
 * exits 1.
 */
export async function runPrimary(config: Pick<Config, 'API_PROCESSES' | 'API_SHUTDOWN_TIMEOUT' | 'METRICS_PORT' | 'METRICS_HOST'>, logger: Logger): Promise<void> {
  let stopping = false;
  let failedStop = false;
  const forkedAt = new Map<Worker, number>();
  let delayMs = RESPAWN_DELAY_MS.first;

  const fork = () => {
    const worker = cluster.fork();
    forkedAt.set(worker, Date.now());
    logger.info({ pid: worker.process.pid }, 'API process started');
  };

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (forkedAt.get(worker) ?? 0);
    forkedAt.delete(worker);
    if (stopping) {
      if (code !== 0) failedStop = true;
      if (forkedAt.size === 0) {
        logger.info('API stopped: every process finished');
        process.exit(failedStop ? 1 : 0);
      }
      return;
    }
    // One that crashes at start (a bad migration, a port taken) would otherwise be forked in a hot loop.
    delayMs = lived < EARLY_DEATH_MS ? Math.min(delayMs * 2, RESPAWN_DELAY_MS.max) : RESPAWN_DELAY_MS.first;
    logger.error({ pid: worker.process.pid, code, signal, restartInMs: delayMs }, 'API process exited unexpectedly; starting another');
    setTimeout(() => {
      if (!stopping) fork();
    }, delayMs);
  });

  // The processes' own metrics, summed per series (their gauges that read the stores say `first`): one scrape target
  // however many processes run, as with one process.
  if (config.METRICS_PORT !== 'off') {
    const aggregated = new AggregatorRegistry();
    await serveMetricsIfFree({ port: config.METRICS_PORT, host: config.METRICS_HOST }, [() => aggregated.clusterMetrics()], logger, 'API');
  }

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, processes: forkedAt.size }, 'API stopping: passing the signal to every process');
    if (forkedAt.size === 0) process.exit(0);
    for (const worker of forkedAt.keys()) worker.process.kill(signal);
    setTimeout(() => {
      logger.warn({ limitMs: config.API_SHUTDOWN_TIMEOUT, left: forkedAt.size }, 'API processes did not stop in time; killing them');
      for (const worker of forkedAt.keys()) worker.process.kill('SIGKILL');
      process.exit(1);
    }, config.API_SHUTDOWN_TIMEOUT + 1_000).unref();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));

  for (let i = 0; i < config.API_PROCESSES; i += 1) fork();
}

/** In an API process forked by runPrimary: hands its metrics registry to the primary's scrapes instead of a port. */
export function offerMetricsToPrimary(registry: Parameters<typeof AggregatorRegistry.setRegistries>[0]): void {
  AggregatorRegistry.setRegistries(registry);
  // Constructing one makes this process answer the primary's requests for its metrics.
  new AggregatorRegistry();
}
