/**
 * The saga-metrics interceptors only observe: every recorded order history replays with them loaded exactly as
 * without them, and a replay reports nothing to the metrics (the sink is not called on replay), so a worker that
 * replays a history after a restart or a cache eviction does not count its steps twice.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, Worker, type InjectedSinks, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { SagaMetricsSinks } from '../../telemetry/saga-sinks';
import { dataConverterFor } from '../../temporal/codec';
import { HISTORIES_DIR } from '../replay/paths';
import { TEST_CODEC_KEYS } from '../support/codec';

/** Histories recorded with the payload codec are decrypted; those recorded in clear before it pass through. */
const dataConverter = dataConverterFor(TEST_CODEC_KEYS);

const historyFiles = readdirSync(HISTORIES_DIR, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.json'))
  .sort();

let workflowBundle: WorkflowBundleWithSourceMap;
const reported: string[] = [];
const sinks: InjectedSinks<SagaMetricsSinks> = {
  sagaMetrics: {
    finished: { fn: (_info, status) => void reported.push(`finished ${status}`) },
    stepEnded: { fn: (_info, activityType) => void reported.push(`step ${activityType}`) },
  },
};

beforeAll(async () => {
  workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    workflowInterceptorModules: [require.resolve('../../telemetry/workflow-interceptors')],
  });
}, 60_000);

test('there are histories to replay', () => {
  expect(historyFiles.length).toBeGreaterThan(0);
});

for (const file of historyFiles) {
  test(`replays ${file} with the metrics interceptors and reports nothing`, async () => {
    const history = JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8'));
    const workflowId: string | undefined = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowId;
    reported.length = 0;
    await expect(Worker.runReplayHistory({ workflowBundle, sinks, dataConverter, replayName: `metrics-${file}` }, history, workflowId)).resolves.toBeUndefined();
    expect(reported).toEqual([]);
  });
}

test('the interceptors are loaded in these replays: a sink that asks to be called on replay hears the saga', async () => {
  const file = historyFiles.find((name) => name.endsWith('/confirmed.json'))!;
  const history = JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8'));
  const heard: string[] = [];
  const loud: InjectedSinks<SagaMetricsSinks> = {
    sagaMetrics: {
      finished: { fn: (_info, status) => void heard.push(`finished ${status}`), callDuringReplay: true },
      stepEnded: { fn: (_info, activityType) => void heard.push(`step ${activityType}`), callDuringReplay: true },
    },
  };
  await Worker.runReplayHistory({ workflowBundle, sinks: loud, replayName: 'metrics-control' }, history);
  expect(heard).toEqual(expect.arrayContaining(['step reserveStock', 'step authorizePayment', 'step capturePayment', 'finished CONFIRMED']));
});
