/**
 * The SQL statements the order workers sent (their `db_statements_total` metric, by activity and task queue:
 * worker/statement-metrics.ts), so bench:saga can print statements per order, exact whatever else the machine runs.
 */
import { ORDER_TASK_QUEUE } from '../temporal/names';

/** Keyed "<task queue> <activity>". */
export type StatementCounts = Map<string, number>;

/** Sums each worker's counter by task queue and activity; an unreadable worker leaves its share out (evidence, not a check). */
export async function scrapeStatements(urls: readonly string[]): Promise<StatementCounts> {
  const counts: StatementCounts = new Map();
  for (const url of urls) {
    try {
      const text = await (await fetch(url, { signal: AbortSignal.timeout(3_000) })).text();
      for (const line of text.split('\n')) {
        const match = /^db_statements_total\{([^}]*)\}\s+([0-9.e+-]+)$/.exec(line);
        if (!match) continue;
        const activity = /activity="([^"]*)"/.exec(match[1])?.[1] ?? '?';
        const queue = /task_queue="([^"]*)"/.exec(match[1])?.[1] ?? '?';
        const key = `${queue} ${activity}`;
        counts.set(key, (counts.get(key) ?? 0) + Number(match[2]));
      }
    } catch {
      /* not up: counted as nothing */
    }
  }
  return counts;
}

export interface StatementsPerUnit {
  /** Statements per unit sent by the order saga's activities (the order task queue), BEGIN and COMMIT included. */
  orderSteps: number;
  /** Per unit, everything else the workers sent meanwhile (reconciler, webhooks, clean-ups outside any activity). */
  background: number;
  /** Per unit, by "<task queue> <activity>". */
  byActivity: Record<string, number>;
}

const r2 = (value: number) => Math.round(value * 100) / 100;

export function statementsPerUnit(before: StatementCounts, after: StatementCounts, units: number): StatementsPerUnit | undefined {
  if (after.size === 0 || units === 0) return undefined;
  const deltas = [...after]
    .map(([key, count]) => [key, (count - (before.get(key) ?? 0)) / units] as const)
    .filter(([, perUnit]) => perUnit > 0)
    .sort((a, b) => b[1] - a[1]);
  const ofOrders = (key: string) => key.startsWith(`${ORDER_TASK_QUEUE} `);
  const sum = (entries: ReadonlyArray<readonly [string, number]>) => r2(entries.reduce((total, [, value]) => total + value, 0));
  return {
    orderSteps: sum(deltas.filter(([key]) => ofOrders(key))),
    background: sum(deltas.filter(([key]) => !ofOrders(key))),
    byActivity: Object.fromEntries(deltas.map(([key, value]) => [key, r2(value)])),
  };
}
