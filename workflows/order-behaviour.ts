/**
 * What an order does differently by the generation of the workflow code it started on. Orders keep the behaviour they
 * started with for their whole life (replay must take the path their history records), so each generation's
 * differences are one row of the table below, chosen once at the start by a patch marker. The steps read the row;
 * none of them asks which generation it runs in. Deterministic code only.
 */
import { patched } from '@temporalio/workflow';

/**
 * Generation 2: the short Redis and MySQL steps run as local activities, in the worker that runs the workflow,
 * without a server round trip each. Orders started before keep their scheduled activities on replay.
 */
export const STORE_STEPS_RUN_LOCALLY = 'store-steps-run-locally';

/**
 * Generation 3: every undo runs even when one fails for good (the order then ends FAILED with a code that says staff
 * must act); a failure MySQL refuses for good ends the order FAILED cleanly at any step; a capture is retried for as
 * long as the authorisation is valid; a cancel waits for a payment under way; a cancelled buyer is told.
 */
export const FAILURES_END_CLEANLY = 'failures-end-cleanly';

/**
 * Generation 4: authorise, and the first tries of capture, run as local activities, so paying an order takes one
 * workflow task instead of three. A capture still failing after its quick tries goes on as a scheduled activity for the
 * rest of CAPTURE_RETRY_WINDOW (days of retries are the server's to track, not a worker's). Reversals stay scheduled:
 * rare, and retried without limit. A worker that dies mid-call leaves no result in the history; the next worker calls
 * again under the same idempotency key, which the provider replays.
 */
export const PAYMENT_STEPS_RUN_LOCALLY = 'payment-steps-run-locally';

/**
 * Generation 5: the authorisation is a scheduled activity again (capture keeps its quick local tries). A payOrder
 * update is durable only once a workflow task that accepts it completes; authorising as a local activity charged the
 * card inside that task, so a Temporal restart before the task completed lost the update after the money moved, and
 * the order expired with its stock committed and its payment captured (seen in the fault run). Scheduling the
 * authorisation completes the accepting task first. Generation 4 stays for the orders it recorded.
 */
export const PAYMENT_UPDATE_DURABLE_FIRST = 'payment-update-durable-first';

/**
 * Generation 6: an order placed with a coupon redeems one of its buyer's claims right after its stock is reserved, and
 * pushes the undo that gives the claim back beside the stock's: an order that ends EXPIRED, CANCELLED, REJECTED or
 * FAILED returns the coupon, a CONFIRMED one uses it. Orders started before had no coupons.
 */
export const COUPON_REDEEMED_WITH_THE_STOCK = 'coupon-redeemed-with-the-stock';

/**
 * Generation 7: the undo runs only once the decision to undo is in the history. A workflow task's local activities run
 * before the task completes; a task lost after they ran (its worker died, it timed out) leaves their effects in Redis
 * and MySQL, while its retry decides again from the last completed task, and may decide otherwise: a payment accepted
 * first takes the sale the lost task had released, the released hold counted back by a rebuild, the claim it gave
 * back spent by another order (three bugs the model found: docs/DESIGN.md, "The model"). A short timer completes the
 * deciding task before the first undo, so every retry after it takes the branch the undo belongs to.
 */
export const UNDO_AFTER_A_DURABLE_DECISION = 'undo-after-a-durable-decision';

export type Generation = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** How the capture is run and retried. */
export type CaptureRetries =
  /** As any provider call: a few quick tries (PAYMENT_STEP), then the sale is undone. */
  | 'payment-step'
  /** A scheduled activity retried for as long as the authorisation is valid (captureStep). */
  | 'retry-window'
  /** A few quick tries in this worker, then a scheduled activity for the rest of the window. */
  | 'local-then-retry-window';

/** One generation's behaviour: every difference between generations, named. */
export interface OrderBehaviour {
  /** Redis and MySQL steps run as local activities (else scheduled). */
  readonly storeStepsRunLocally: boolean;
  /** The authorisation runs as a local activity (else scheduled). */
  readonly authorisationRunsLocally: boolean;
  readonly captureRetries: CaptureRetries;
  /** An undo that fails for good is recorded (FAILED with a staff-action code) and the next undo still runs. */
  readonly undosContinueAfterAFailure: boolean;
  /**
   * A failure at any step is undone and ends the order FAILED (even one whose FAILED record MySQL refuses);
   * else only a failure from the stock commit on is, and any other fails the workflow.
   */
  readonly everyFailureEndsFailed: boolean;
  /** A cancel that arrives while a payment is under way waits for its outcome (else it is refused). */
  readonly cancelWaitsForPayment: boolean;
  /** The buyer is told when the order is cancelled, or fails while it is released. */
  readonly buyerToldOfCancel: boolean;
  /** An order with a coupon redeems a claim after the reservation (and gives it back on undo). */
  readonly redeemsCoupons: boolean;
  /** The workflow task that decided to undo completes before the first undo runs. */
  readonly undoWaitsForADurableDecision: boolean;
}

/** Each generation is the one before with its patch's change: the table reads as the patch history. */
const GENERATION_1: OrderBehaviour = {
  storeStepsRunLocally: false,
  authorisationRunsLocally: false,
  captureRetries: 'payment-step',
  undosContinueAfterAFailure: false,
  everyFailureEndsFailed: false,
  cancelWaitsForPayment: false,
  buyerToldOfCancel: false,
  redeemsCoupons: false,
  undoWaitsForADurableDecision: false,
};
const GENERATION_2: OrderBehaviour = { ...GENERATION_1, storeStepsRunLocally: true };
const GENERATION_3: OrderBehaviour = {
  ...GENERATION_2,
  captureRetries: 'retry-window',
  undosContinueAfterAFailure: true,
  everyFailureEndsFailed: true,
  cancelWaitsForPayment: true,
  buyerToldOfCancel: true,
};
const GENERATION_4: OrderBehaviour = { ...GENERATION_3, authorisationRunsLocally: true, captureRetries: 'local-then-retry-window' };
const GENERATION_5: OrderBehaviour = { ...GENERATION_4, authorisationRunsLocally: false };
const GENERATION_6: OrderBehaviour = { ...GENERATION_5, redeemsCoupons: true };
const GENERATION_7: OrderBehaviour = { ...GENERATION_6, undoWaitsForADurableDecision: true };

const BEHAVIOURS: Readonly<Record<Generation, OrderBehaviour>> = {
  1: GENERATION_1,
  2: GENERATION_2,
  3: GENERATION_3,
  4: GENERATION_4,
  5: GENERATION_5,
  6: GENERATION_6,
  7: GENERATION_7,
};

export function behaviourOf(generation: Generation): OrderBehaviour {
  return BEHAVIOURS[generation];
}

/** Newest first: an order that found a marker in its history keeps the behaviour it started with. */
export function generationOfThisOrder(): Generation {
  if (patched(UNDO_AFTER_A_DURABLE_DECISION)) return 7;
  if (patched(COUPON_REDEEMED_WITH_THE_STOCK)) return 6;
  if (patched(PAYMENT_UPDATE_DURABLE_FIRST)) return 5;
  if (patched(PAYMENT_STEPS_RUN_LOCALLY)) return 4;
  if (patched(FAILURES_END_CLEANLY)) return 3;
  return patched(STORE_STEPS_RUN_LOCALLY) ? 2 : 1;
}
