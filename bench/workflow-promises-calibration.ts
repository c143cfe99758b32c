/**
 * bench/workflow-promises.ts's calibration: the order workflow, first awaiting 100 resolved promises. Awaiting a
 * resolved promise issues no command, so a recorded history replays the same; only the promises made differ.
 * Workflow code: deterministic.
 */
import { orderWorkflow as theOrderWorkflow } from '../workflows/order';
import type { OrderInput, OrderView } from '../workflows/order-types';

export * from '../workflows';

export async function orderWorkflow(input: OrderInput): Promise<OrderView> {
  for (let awaited = 0; awaited < 100; awaited += 1) await Promise.resolve();
  return theOrderWorkflow(input);
}
