/**
 * What the reconciler did during a fault run. Its schedule runs in every worker's process (temporal/reconcile-schedule.ts),
 * so it also runs while faults are injected; a drift repair or a sweep there means the saga itself left Redis off
 * MySQL or an order open with no workflow, and the repair would hide it from the final checks. So the run reads every
 * reconcile run's report from Temporal and counts what they repaired.
 */
import type { ReconcileReport } from '../workflows/reconcile';
import { withRunClient } from './run-client';
import type { ChaosStack } from './stack';

export interface ReconcilerFindings {
  /** Reconcile runs that completed during the run. */
  runs: number;
  /** Drift repairs: product, stock, availability before and after. */
  repairs: ReconcileReport['repairs'];
  /** Orders swept because their workflow was closed or missing. */
  swept: string[];
}

export async function reconcilerFindings(stack: Pick<ChaosStack, 'temporalAddress' | 'namespace' | 'env'>): Promise<ReconcilerFindings> {
  return withRunClient(stack, async (client) => {
    const findings: ReconcilerFindings = { runs: 0, repairs: [], swept: [] };
    for await (const execution of client.workflow.list({ query: `WorkflowType = 'reconcileWorkflow' AND ExecutionStatus = 'Completed'` })) {
      const report = (await client.workflow.getHandle(execution.workflowId, execution.runId).result()) as ReconcileReport;
      findings.runs += 1;
      findings.repairs.push(...report.repairs);
      findings.swept.push(...report.swept.map((order) => order.orderId));
    }
    return findings;
  });
}
