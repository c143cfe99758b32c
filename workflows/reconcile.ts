/**
 * The reconciler, started by the `reconcile-inventory` schedule (temporal/reconcile-schedule.ts) every
 * RECONCILE_INTERVAL: first it sweeps orders that their closed workflow left open (their release may give units back),
 * then it compares every product's Redis availability with MySQL, a page at a time, and repairs drift on quiet products.
 * Each run starts from scratch: what it leaves (a busy product, a failed sweep) the next run looks at again.
 * Deterministic code only; the work is in activities/reconcile.ts.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { ReconcileActivities } from '../activities/reconcile';
import type { SweptOrder } from '../activities/order-sweep';
import type { DriftLeftAlone, DriftPage, DriftRepair } from '../inventory/drift-repair';

export interface ReconcileInput {
  /** An open order whose workflow is closed is swept once its hold ended this long ago (RECONCILE_SWEEP_AFTER). */
  sweepAfterMs: number;
}

export interface ReconcileReport {
  swept: SweptOrder[];
  /** Orders past the bound whose workflow is still running: left alone. */
  stillRunning: number;
  sweepFailures: Array<{ orderId: string; error: string }>;
  productsChecked: number;
  productsInFlight: number;
  productsNotLoaded: number;
  repairs: DriftRepair[];
  leftAlone: DriftLeftAlone[];
}

/** Products per drift activity: one MySQL read and one Redis MGET each, a few milliseconds. */
export const DRIFT_PAGE = 500;

/** Both steps are idempotent and the next run repeats them anyway: a few retries, then this run fails and the next one tries. */
const step = (summary: string, startToCloseTimeout: Duration) =>
  proxyActivities<ReconcileActivities>({
    startToCloseTimeout,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3 },
    summary,
  });

export async function reconcileWorkflow({ sweepAfterMs }: ReconcileInput): Promise<ReconcileReport> {
  const sweep = await step(`Sweep orders open ${sweepAfterMs / 1000}s past their hold whose workflow is closed`, '5m').sweepClosedOrders({ sweepAfterMs });
  const report: ReconcileReport = {
    swept: sweep.swept,
    stillRunning: sweep.running,
    sweepFailures: sweep.failed,
    productsChecked: 0,
    productsInFlight: 0,
    productsNotLoaded: 0,
    repairs: [],
    leftAlone: [],
  };
  for (let afterId: number | null = 0; afterId !== null; ) {
    const page: DriftPage = await step(`Repair availability drift of up to ${DRIFT_PAGE} products after id ${afterId}`, '1m').repairDrift({ afterId, limit: DRIFT_PAGE });
    report.productsChecked += page.checked;
    report.productsInFlight += page.inFlight;
    report.productsNotLoaded += page.notLoaded;
    report.repairs.push(...page.repairs);
    report.leftAlone.push(...page.leftAlone);
    afterId = page.nextAfterId;
  }
  return report;
}
