/**
 * Replay protection: every order history recorded in test/replay/histories (by `npm run record-histories`) is replayed
 * against the workflow code as it is now. A change that would make running orders take another path than the one
 * their history records (an activity added, removed or reordered, a timer moved...) fails here with a
 * DeterminismViolationError, before it can reach a worker. Such a change needs `patched()` or a new workflow type.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { dataConverterFor } from '../../temporal/codec';
import { TEST_CODEC_KEYS } from '../support/codec';
import { AFTER_SALE_GENERATION, AFTER_SALE_PATHS, CURRENT_GENERATION, describeRecordedPath, HISTORIES_DIR, RECORDED_PATHS } from './paths';

const dataConverter = dataConverterFor(TEST_CODEC_KEYS);

/** `generation/name.json` for every history of every generation of the workflow code. */
const historyFiles = readdirSync(HISTORIES_DIR, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.json'))
  .sort();

/** The workflow code is bundled once and shared by every replay. */
let workflowBundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows') });
}, 60_000);

/** Known paths by status and detail; any other history in the folder (e.g. one exported from production) by file name. */
function label(name: string): string {
  const recorded = RECORDED_PATHS.find((recordedPath) => recordedPath.name === name);
  return recorded ? describeRecordedPath(recorded) : `"${name}" order`;
}

/** The history as stored (the JSON of `temporal workflow show --output json`); the SDK parses it when replaying. */
function loadHistory(file: string): { history: unknown; workflowId: string | undefined } {
  const history = JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8'));
  const workflowId: string | undefined = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowId;
  return { history, workflowId };
}

describe('replaying recorded order histories against the current workflow code', () => {
  test('a history is recorded for every terminal path of the order saga on the current workflow code', () => {
    const recorded = historyFiles.filter((file) => path.dirname(file) === CURRENT_GENERATION).map((file) => path.basename(file, '.json'));
    expect(recorded).toEqual(expect.arrayContaining(RECORDED_PATHS.map((recordedPath) => recordedPath.name)));
  });

  test('a history is recorded for every path of the after-sale workflow', () => {
    const recorded = historyFiles.filter((file) => path.dirname(file) === AFTER_SALE_GENERATION).map((file) => path.basename(file, '.json'));
    expect(recorded).toEqual(expect.arrayContaining([...AFTER_SALE_PATHS]));
  });

  for (const file of historyFiles) {
    const name = path.basename(file, '.json');
    const generation = path.dirname(file);
    test(`replays the recorded ${label(name)} of ${generation}`, async () => {
      const { history, workflowId } = loadHistory(file);
      const replayName = `replay-${generation}-${name}`;
      // With the codec: encrypted histories are decrypted, and those recorded in clear before it pass through.
      await expect(Worker.runReplayHistory({ workflowBundle, replayName, dataConverter }, history, workflowId)).resolves.toBeUndefined();
    });
  }
});
