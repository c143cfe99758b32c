/**
 * `npm run chaos`: a fault run. Many buyers place and pay orders with a mix of payment tokens while workers are
 * SIGKILLed and restarted, the Temporal dev server is stopped and restarted on its SQLite file, Redis is flushed, the
 * payment provider is slow, flaky, loses answers and is SIGKILLed and restarted on its ledger, one of two API
 * instances is killed mid-request, and the parts' MySQL connections are killed. Then it waits for quiet and
 * runs the invariant checker. Bounded in time and count; stops by itself; 127.0.0.1 only. See chaos/options.ts.
 *
 * Exit code: 0 no breach; 1 a breach, a stuck order or a double capture; 2 the run could not be carried out.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stopStackOnSignal } from './interrupt';
import { parseChaosArgs, USAGE, UsageError } from './options';
import { formatSummary } from './report';
import { runChaos } from './run';

async function main(): Promise<number> {
  let options;
  try {
    options = parseChaosArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }

  const onStack = stopStackOnSignal(options.keep, 'chaos');
  const summary = await runChaos(options, { log: (line) => console.error(line), onStack });
  if (options.resultsFile) {
    const file = path.resolve(options.resultsFile);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  }
  if (options.json) console.log(JSON.stringify(summary, null, 2));
  else {
    console.log(`\n${formatSummary(summary)}`);
    if (options.resultsFile) console.log(`JSON summary: ${options.resultsFile}`);
  }
  return summary.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[chaos] the run could not be carried out: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
