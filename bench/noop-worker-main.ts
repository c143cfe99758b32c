/**
 * `tsx bench/noop-worker-main.ts`: the no-op baseline's worker (bench/noop-workflow.ts on NOOP_TASK_QUEUE), started
 * by bench/noop-baseline.ts as a process of its own, as the order worker is: the CPU tables then show what the no-op's
 * worker costs per saga beside the order worker's row, apart from the client that drives it from the benchmark.
 *
 * Environment: TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE (both required: it must poll the benchmark's own server), and
 * the codec keys the benchmark set (dataConverterFor() reads them), so the no-op pays the same codec cost as an order.
 * SIGINT/SIGTERM: the SDK's runtime stops polling, lets in-flight tasks finish, and `run()` returns.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { dataConverterFor } from '../temporal/codec';
import { createNoopActivities } from './noop-activities';
import { NOOP_TASK_QUEUE } from './noop-workflow';

async function main(): Promise<void> {
  const { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace } = process.env;
  if (!address || !namespace) throw new Error('TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE must be set');
  const connection = await NativeConnection.connect({ address });
  try {
    const worker = await Worker.create({
      connection,
      namespace,
      taskQueue: NOOP_TASK_QUEUE,
      dataConverter: dataConverterFor(),
      workflowsPath: require.resolve('./noop-workflow'),
      activities: createNoopActivities(),
    });
    console.log(`[noop worker] polling ${NOOP_TASK_QUEUE} on ${address} (namespace ${namespace})`);
    await worker.run();
  } finally {
    await connection.close();
  }
  console.log('[noop worker] stopped');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
