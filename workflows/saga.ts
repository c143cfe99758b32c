/**
 * The saga's bookkeeping, apart from the order: a step that names itself when it fails, and the stack of undos, each
 * of which receives exactly what its step produced. Deterministic code only.
 */
import { CancellationScope, log, sleep } from '@temporalio/workflow';
import type { StaffActionCode } from './failures';
import type { OrderStatus } from './order-types';

/** The name a step fails under: `failureReason` reads "<step> failed: <why>". */
export type StepName = 'reserve stock' | 'redeem coupon' | 'commit stock' | 'capture payment' | 'void stray authorisations' | 'settle reservation' | `record ${OrderStatus}`;

/** The undo of a step, beside it (Medusa style): it is handed exactly what its step produced. */
export interface UndoOf<Produced> {
  /** As `failureReason` names it when the undo fails for good: "<name> failed: <why>". */
  readonly name: string;
  /** What staff must do when this undo fails for good. */
  readonly codeIfItFails: StaffActionCode;
  readonly run: (produced: Produced) => Promise<unknown>;
}

/** A step of the saga and its undo, side by side. `run` answers undefined when it did nothing that needs undoing. */
export interface UndoableStep<Produced> {
  readonly name: StepName;
  readonly run: () => Promise<Produced | undefined>;
  readonly undo: UndoOf<Produced>;
}

/** A step of the saga failed: which one, and the failure it raised. */
export class StepFailure extends Error {
  constructor(
    readonly step: StepName,
    override readonly cause: unknown,
  ) {
    super(`${step} failed`);
  }
}

/** Runs a step of the saga; its failure carries the step's name. */
export async function step<T>(name: StepName, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw new StepFailure(name, error);
  }
}

/** The failure a step raised, without the step's name around it. */
export function withoutStepName(error: unknown): unknown {
  return error instanceof StepFailure ? error.cause : error;
}

/** "<step> failed: <why>" for a step's failure, "failed: <why>" for any other. */
export function reasonOf(error: unknown): string {
  const step = error instanceof StepFailure ? `${error.step} failed` : 'failed';
  return `${step}: ${messageOf(withoutStepName(error))}`;
}

/** The reason an activity gave (its failure's message), else the error's own. */
export function messageOf(error: unknown): string {
  const cause = (error as { cause?: { message?: string } }).cause;
  return cause?.message ?? (error as Error).message ?? String(error);
}

/** An undo that failed for good: the order must end FAILED with `code`, and staff must act. */
export interface FailedUndo {
  readonly code: StaffActionCode;
  readonly reason: string;
}

/** How an order's undos run (the order's behaviour, by generation). */
export interface UndoRules {
  /** An undo that fails for good is reported and the next one still runs; else its failure stops the undoing. */
  readonly continueAfterAFailure: boolean;
  /** The workflow task that decided to undo completes before the first undo runs (UNDO_AFTER_A_DURABLE_DECISION). */
  readonly waitForADurableDecision: boolean;
}

/** The undos of the steps done so far, run newest first. */
export class UndoStack {
  private readonly undos: (() => Promise<void>)[] = [];

  constructor(
    private readonly orderId: string,
    private readonly rules: UndoRules,
    private readonly onFailedUndo: (failed: FailedUndo) => void,
  ) {}

  /** Runs the step; once it has produced something, its undo is pushed, bound to exactly that. */
  async runThenPush<Produced>(undoable: UndoableStep<Produced>): Promise<Produced | undefined> {
    const produced = await step(undoable.name, undoable.run);
    if (produced !== undefined) this.push(undoable.undo, produced);
    return produced;
  }

  push<Produced>(undo: UndoOf<Produced>, produced: Produced): void {
    this.undos.push(async () => {
      try {
        await undo.run(produced);
      } catch (error) {
        if (!this.rules.continueAfterAFailure) throw error;
        log.error('an undo failed for good: staff must act', { orderId: this.orderId, undo: undo.name, code: undo.codeIfItFails, error: messageOf(error) });
        this.onFailedUndo({ code: undo.codeIfItFails, reason: `${undo.name} failed: ${messageOf(error)}` });
      }
    });
  }

  /** Runs every undo newest first, each once; nothing cancels it, since a half-undone order is the one outcome we refuse. */
  async undoAll(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      if (this.rules.waitForADurableDecision && this.undos.length > 0) await decisionInTheHistory();
      for (let undo = this.undos.pop(); undo; undo = this.undos.pop()) await undo();
    });
  }
}

/**
 * Completes the current workflow task, so that what it decided is in the history before anything acts on it. Local
 * activities run inside the task; had the undo run in the task that decided it and that task been lost, the undo's
 * effects would stay while the task's retry could decide otherwise (a payment accepted first). A timer is the
 * cheapest command the task must complete to start; its length does not matter, so it is the shortest, 1 ms.
 */
async function decisionInTheHistory(): Promise<void> {
  await sleep(1, { summary: 'Record the decision to undo before undoing' });
}
