/**
 * Why an order is still open when the run ends: its workflow's status and the activities it is still retrying, each
 * with its attempt and last failure (decoded with the run's codec key). Printed beside every stuck order, so a failed
 * seed can be diagnosed from its summary after the run's Temporal file is gone.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import { withRunClient } from './run-client';
import type { ChaosStack } from './stack';

export interface PendingStep {
  activity: string;
  attempt: number;
  lastFailure: string | null;
}

export interface StuckDiagnosis {
  orderId: string;
  /** RUNNING, COMPLETED, ..., or NOT_FOUND / UNKNOWN when Temporal has no such workflow or did not answer. */
  workflowStatus: string;
  pending: PendingStep[];
}

export async function diagnoseStuck(stack: Pick<ChaosStack, 'temporalAddress' | 'namespace' | 'env'>, orderIds: string[]): Promise<StuckDiagnosis[]> {
  if (orderIds.length === 0) return [];
  return withRunClient(stack, async (client) => {
    const diagnoses: StuckDiagnosis[] = [];
    for (const orderId of orderIds) {
      try {
        const described = await client.workflow.getHandle(orderId).describe();
        const pending: PendingStep[] = [];
        for (const activity of described.raw.pendingActivities ?? []) {
          const failure = await decodeOptionalFailureToOptionalError(client.options.loadedDataConverter, activity.lastFailure).catch(() => undefined);
          pending.push({ activity: activity.activityType?.name ?? '?', attempt: activity.attempt ?? 0, lastFailure: failure?.message ?? null });
        }
        diagnoses.push({ orderId, workflowStatus: described.status.name, pending });
      } catch (error) {
        diagnoses.push({ orderId, workflowStatus: error instanceof WorkflowNotFoundError ? 'NOT_FOUND' : `UNKNOWN (${(error as Error).message})`, pending: [] });
      }
    }
    return diagnoses;
  });
}
