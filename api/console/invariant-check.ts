import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import { checkInvariants, INVARIANT_TITLES, INVARIANTS, type CheckResult } from '../../check/invariants';
import { takeSnapshot } from '../../check/snapshot';

/** Where the latest check is kept: every API replica shows the same one, and it outlives a restart. */
export const LATEST_CHECK_KEY = 'console:invariant-check:latest';
const MAX_FINDINGS = 20;

export interface InvariantCheckSources {
  orm: MikroORM;
  redis: Redis;
  /** The payment provider's base URL (I3); null skips I3. */
  paymentsUrl: string | null;
  /** Temporal for I4's cross-check; null skips it. */
  temporal: { address: string; namespace: string } | null;
}

/** What the console shows of one run of the checker (npm run check's logic): a summary, not the whole report. */
export interface InvariantCheckReport {
  ok: boolean;
  takenAt: string;
  durationMs: number;
  /** Orders created since this time were checked; every product always is. */
  ordersSince: string;
  invariants: Array<{ id: string; title: string; status: string; breaches: number; warnings: number; skipped?: string }>;
  findings: CheckResult['findings'];
  findingsLeftOut: number;
}

/**
 * Runs the invariant checker against the live stores and keeps the result as the latest check. During a sale,
 * mismatches that orders in flight explain are warnings, not breaches (the checker's --quiet-required=false): the
 * console watches a busy shop, where holds and sales move between the reads.
 */
export async function runInvariantCheck(sources: InvariantCheckSources, ordersSince: Date): Promise<InvariantCheckReport> {
  const started = Date.now();
  const snapshot = await takeSnapshot(
    { orm: sources.orm, redis: sources.redis, paymentsUrl: sources.paymentsUrl, temporal: sources.temporal, timeoutMs: 5_000 },
    { ordersSince },
  );
  const result = checkInvariants(snapshot, { stuckAfterMs: 2 * 60_000, quietRequired: false });
  const report: InvariantCheckReport = {
    ok: result.ok,
    takenAt: result.takenAt,
    durationMs: Date.now() - started,
    ordersSince: ordersSince.toISOString(),
    invariants: INVARIANTS.map((id) => ({ id, title: INVARIANT_TITLES[id], ...result.summary[id] })),
    findings: result.findings.slice(0, MAX_FINDINGS),
    findingsLeftOut: Math.max(0, result.findings.length - MAX_FINDINGS),
  };
  await sources.redis.set(LATEST_CHECK_KEY, JSON.stringify(report));
  return report;
}

export async function latestInvariantCheck(redis: Redis): Promise<InvariantCheckReport | null> {
  const stored = await redis.get(LATEST_CHECK_KEY);
  return stored === null ? null : (JSON.parse(stored) as InvariantCheckReport);
}
