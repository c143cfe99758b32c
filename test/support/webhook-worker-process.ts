/**
 * A webhook delivery worker in a process of its own, so a test can SIGKILL it mid-delivery. Configured by the
 * environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, DATABASE_URL, WEBHOOK_TASK_QUEUE (the test's queue),
 * WEBHOOK_ALLOWED_HOSTS. Prints "ready" once it polls.
 */
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { createWebhookActivities } from '../../activities/webhook-delivery';
import { openOrm } from '../../db/orm';
import { parseAllowedHosts } from '../../webhooks/url-guard';
import { createWebhookWorker } from '../../worker/webhook-worker';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const orm = await openOrm(process.env.DATABASE_URL!);
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await createWebhookWorker({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE,
    taskQueue: process.env.WEBHOOK_TASK_QUEUE,
    activities: createWebhookActivities(orm, { allowedHosts: parseAllowedHosts(process.env.WEBHOOK_ALLOWED_HOSTS), requestTimeoutMs: 10_000 }),
  });
  const running = worker.run();
  process.stdout.write('ready\n');
  await running;
  await connection.close();
  await orm.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
