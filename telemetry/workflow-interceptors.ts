/**
 * Workflow interceptors that count the saga for the worker's metrics (loaded in the workflow sandbox through
 * WorkerOptions.interceptors.workflowModules). They only observe: they add no command and no state to the workflow,
 * so histories replay exactly as without them. The numbers leave through a sink (see saga-sinks.ts).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  proxySinks,
  workflowInfo,
  type ActivityInput,
  type LocalActivityInput,
  type Next,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import type { SagaMetricsSinks } from './saga-sinks';

const { sagaMetrics } = proxySinks<SagaMetricsSinks>();

const ORDER_WORKFLOW = 'orderWorkflow';

function failureTypeOf(error: unknown): string {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure && cause.type) return cause.type;
  return cause instanceof Error ? cause.name : 'Error';
}

function kindOf(args: unknown[]): string | undefined {
  const [input] = args;
  return typeof input === 'object' && input !== null && 'kind' in input ? String((input as { kind: unknown }).kind) : undefined;
}

/**
 * Counts a step when it ends. Chained with then rather than written async: the SDK records a stack trace for every
 * promise a workflow makes (for the Web UI's stack trace), so each layer of async wrapping costs every activity.
 */
function observeStep<T>(activityType: string, args: unknown[], call: () => Promise<T>): Promise<T> {
  return call().then(
    (result) => {
      sagaMetrics.stepEnded(activityType, undefined, kindOf(args), result !== null && result !== undefined);
      return result;
    },
    (error: unknown) => {
      sagaMetrics.stepEnded(activityType, failureTypeOf(error), kindOf(args));
      throw error;
    },
  );
}

class SagaOutcomeInterceptor implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const result = await next(input);
    const { status, couponCode } = (result as { status?: unknown; couponCode?: unknown } | undefined) ?? {};
    // Workflow time: the start of this run (the order's placement) to now, both from the history.
    if (typeof status === 'string') sagaMetrics.finished(status, Date.now() - workflowInfo().runStartTime.getTime(), typeof couponCode === 'string');
    return result;
  }
}

class SagaStepInterceptor implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    return observeStep(input.activityType, input.args, () => next(input));
  }

  scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    return observeStep(input.activityType, input.args, () => next(input));
  }
}

export const interceptors = (): WorkflowInterceptors =>
  workflowInfo().workflowType === ORDER_WORKFLOW ? { inbound: [new SagaOutcomeInterceptor()], outbound: [new SagaStepInterceptor()] } : {};
