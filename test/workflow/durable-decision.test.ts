/**
 * Generation 7 of the order workflow (UNDO_AFTER_A_DURABLE_DECISION): the workflow task that decides to undo an order
 * completes before the first undo runs. Local activities run inside a workflow task and are recorded (as markers) only
 * when it completes; an undo run inside the deciding task, had that task been lost, would have left its effects while
 * the task's retry decided otherwise (the model's known issues 3 to 5, docs/DESIGN.md). These tests read the history:
 * no local activity is recorded by the task that decided, and the undos' are recorded after it.
 */
import type { temporal } from '@temporalio/proto';
import type { OrderInput } from '../../workflows/order-types';
import { FakeActivities } from './fake-activities';
import { eventually, HOLD_MS, orderInput, runOrder, useTimeSkippingEnv } from './harness';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const testEnv = useTimeSkippingEnv();

async function historyOf(input: OrderInput): Promise<HistoryEvent[]> {
  return (await testEnv().client.workflow.getHandle(input.orderId).fetchHistory()).events ?? [];
}

/** The index of the first WorkflowTaskCompleted event after `index`: the task that saw the event at `index` decided. */
function taskCompletedAfter(events: HistoryEvent[], index: number): number {
  const completed = events.findIndex((event, at) => at > index && event.workflowTaskCompletedEventAttributes);
  if (completed < 0) throw new Error('no workflow task completed after the deciding event');
  return completed;
}

/**
 * The local activities the task completed at `completed` recorded: its commands are written right after its
 * completion, before the next workflow task is scheduled.
 */
function markersOfTask(events: HistoryEvent[], completed: number): HistoryEvent[] {
  const nextTask = events.findIndex((event, at) => at > completed && event.workflowTaskScheduledEventAttributes);
  return events.slice(completed + 1, nextTask < 0 ? undefined : nextTask).filter((event) => event.markerRecordedEventAttributes);
}

/** The local activities recorded after the task completed at `completed`. */
function markersAfterTask(events: HistoryEvent[], completed: number): HistoryEvent[] {
  return events.slice(completed + 1).filter((event) => event.markerRecordedEventAttributes);
}

test('an order whose hold runs out is released in a workflow task after the one that saw the timer fire', async () => {
  const fake = new FakeActivities();
  const input = orderInput();
  await runOrder(testEnv(), fake, input, async (orders) => {
    await orders.place(input);
    await testEnv().sleep(HOLD_MS + 1_000);
    await eventually(async () => expect((await orders.get(input.orderId)).status).toBe('EXPIRED'));
  });
  const events = await historyOf(input);
  const holdEnded = events.findIndex((event) => event.timerFiredEventAttributes);
  const decidingTask = taskCompletedAfter(events, holdEnded);

  expect(markersOfTask(events, decidingTask)).toEqual([]);
  expect(markersAfterTask(events, decidingTask).length).toBeGreaterThanOrEqual(2); // release, EXPIRED
  expect(fake.calls.slice(-3)).toEqual(['releaseReservation', 'saveOrder:EXPIRED', 'notifyCustomer:ORDER_EXPIRED']);
});

test('a cancelled order is released in a workflow task after the one that accepted the cancel', async () => {
  const fake = new FakeActivities();
  const input = orderInput();
  await runOrder(testEnv(), fake, input, async (orders) => {
    await orders.place(input);
    expect((await orders.cancel(input.orderId)).status).toBe('CANCELLED');
  });
  const events = await historyOf(input);
  const cancelAccepted = events.findIndex((event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'cancelOrder');
  // The accepting task's completion is written just before the acceptance.
  const decidingTask = cancelAccepted - 1;
  expect(events[decidingTask].workflowTaskCompletedEventAttributes).toBeTruthy();

  expect(markersOfTask(events, decidingTask)).toEqual([]);
  expect(markersAfterTask(events, decidingTask).length).toBeGreaterThanOrEqual(2); // release, CANCELLED
  expect(fake.calls.slice(-3)).toEqual(['releaseReservation', 'saveOrder:CANCELLED', 'notifyCustomer:ORDER_CANCELLED']);
});

test('an expired order with a coupon gives its claim back in a workflow task after the one that saw the timer fire', async () => {
  const fake = new FakeActivities();
  const input = orderInput({ coupon: { code: 'SPRING', discountCents: 500 }, totalCents: 2_500 });
  await runOrder(testEnv(), fake, input, async (orders) => {
    await orders.place(input);
    await testEnv().sleep(HOLD_MS + 1_000);
    await eventually(async () => expect((await orders.get(input.orderId)).status).toBe('EXPIRED'));
  });
  const events = await historyOf(input);
  const decidingTask = taskCompletedAfter(events, events.findIndex((event) => event.timerFiredEventAttributes));

  expect(markersOfTask(events, decidingTask)).toEqual([]);
  expect(markersAfterTask(events, decidingTask).length).toBeGreaterThanOrEqual(3); // give back, release, EXPIRED
  expect(fake.calls.slice(-4)).toEqual(['giveCouponBack', 'releaseReservation', 'saveOrder:EXPIRED', 'notifyCustomer:ORDER_EXPIRED']);
});
