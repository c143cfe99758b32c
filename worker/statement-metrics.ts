import type { MikroORM } from '@mikro-orm/core';
import { Context } from '@temporalio/activity';
import type { Counter } from 'prom-client';
import { onEveryStatement } from '../db/statement-count';

/**
 * Counts every SQL statement the worker sends by the activity that sent it and its task queue: where an order's
 * statements go, apart from the reconciler's and the webhooks' (their own queues) and from work outside any activity.
 */
export function countStatementsByActivity(orm: MikroORM, counter: Counter<'activity' | 'task_queue'>): void {
  onEveryStatement(orm, () => counter.inc(currentActivity()));
}

/** The activity running in this async context (local or scheduled), or 'none' outside any. */
function currentActivity(): { activity: string; task_queue: string } {
  try {
    const { activityType, taskQueue } = Context.current().info;
    return { activity: activityType, task_queue: taskQueue };
  } catch {
    return { activity: 'none', task_queue: 'none' };
  }
}
