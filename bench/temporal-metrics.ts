/**
 * The dev server's own Prometheus counters, as evidence of what an order costs Temporal: persistence operations
 * (SQLite reads and writes, by operation) and service requests (gRPC calls, by operation), with their summed latency.
 * startDevServer lets the CLI pick the metrics port, so it is found among the server process's listening ports.
 */
import { execFileSync } from 'node:child_process';

export type Counters = Map<string, number>;

/** http://127.0.0.1:<port>/metrics of the dev server with this pid, or undefined when none answers like one. */
export async function findMetricsUrl(pid: number | undefined): Promise<string | undefined> {
  if (pid === undefined) return undefined;
  let listing: string;
  try {
    listing = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' });
  } catch {
    return undefined;
  }
  const ports = listing
    .split('\n')
    .filter((line) => line.includes(`pid=${pid},`))
    .map((line) => /:(\d+)\s/.exec(line.split(/\s+/)[3] + ' ')?.[1])
    .filter((port): port is string => port !== undefined);
  for (const port of ports) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok && (await response.text()).includes('persistence_requests')) return `http://127.0.0.1:${port}/metrics`;
    } catch {
      /* not this one */
    }
  }
  return undefined;
}

const FAMILIES = ['persistence_requests', 'persistence_latency_sum', 'service_requests', 'service_latency_sum'];

/** Sums of the selected counter families per operation, e.g. "persistence_requests UpdateWorkflowExecution". */
export async function scrape(url: string | undefined): Promise<Counters> {
  const counters: Counters = new Map();
  if (!url) return counters;
  try {
    const text = await (await fetch(url, { signal: AbortSignal.timeout(3_000) })).text();
    for (const line of text.split('\n')) {
      const match = /^([a-z_]+)\{([^}]*)\}\s+([0-9.e+-]+)$/.exec(line);
      if (!match || !FAMILIES.includes(match[1])) continue;
      const operation = /operation="([^"]*)"/.exec(match[2])?.[1] ?? '?';
      const key = `${match[1]} ${operation}`;
      counters.set(key, (counters.get(key) ?? 0) + Number(match[3]));
    }
  } catch {
    /* evidence only: an unreadable scrape leaves it empty */
  }
  return counters;
}

export interface PerUnitOps {
  persistenceOpsPerUnit: number;
  persistenceMsPerUnit: number;
  serviceRequestsPerUnit: number;
  topPersistenceOps: Array<{ operation: string; perUnit: number; msPerUnit: number }>;
  topServiceRequests: Array<{ operation: string; perUnit: number }>;
}

const r2 = (value: number) => Math.round(value * 100) / 100;

/** What one unit (an order, a workflow) cost the server between two scrapes. Latency sums are in seconds. */
export function perUnit(before: Counters, after: Counters, units: number): PerUnitOps | undefined {
  if (after.size === 0 || units === 0) return undefined;
  const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
  const operations = (family: string) =>
    [...after.keys()].filter((key) => key.startsWith(`${family} `)).map((key) => ({ operation: key.slice(family.length + 1), count: delta(key) }));
  const persistence = operations('persistence_requests').filter((op) => op.count > 0);
  const service = operations('service_requests').filter((op) => op.count > 0);
  return {
    persistenceOpsPerUnit: r2(persistence.reduce((sum, op) => sum + op.count, 0) / units),
    persistenceMsPerUnit: r2((operations('persistence_latency_sum').reduce((sum, op) => sum + op.count, 0) * 1000) / units),
    serviceRequestsPerUnit: r2(service.reduce((sum, op) => sum + op.count, 0) / units),
    topPersistenceOps: persistence
      .sort((a, b) => b.count - a.count)
      .slice(0, 8)
      .map((op) => ({ operation: op.operation, perUnit: r2(op.count / units), msPerUnit: r2((delta(`persistence_latency_sum ${op.operation}`) * 1000) / units) })),
    topServiceRequests: service
      .sort((a, b) => b.count - a.count)
      .slice(0, 10)
      .map((op) => ({ operation: op.operation, perUnit: r2(op.count / units) })),
  };
}
