/** `npm run chaos:seeds -- N [chaos options]`: N fault runs in a row, one line per seed (see chaos/seeds.ts). */
import { parseChaosArgs, UsageError } from './options';
import { runChaos } from './run';
import { parseSeedsArgs, seedLine, seedsFrom, SeedsUsageError, totalLine } from './seeds';
import type { ChaosSummary } from './verdict';

async function main(): Promise<number> {
  let count: number;
  let base;
  try {
    const parsed = parseSeedsArgs(process.argv.slice(2));
    count = parsed.count;
    base = parseChaosArgs(parsed.chaosArgs);
  } catch (error) {
    if (error instanceof SeedsUsageError || error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  if (base === 'help') return 2;
  const summaries: ChaosSummary[] = [];
  for (const seed of seedsFrom(base.seed, count)) {
    // Each run's own progress goes to stderr; stdout gets one line per seed.
    const summary = await runChaos({ ...base, seed, resultsFile: null, json: false }, { log: (line) => console.error(line) });
    summaries.push(summary);
    console.log(seedLine(summary));
  }
  console.log(totalLine(summaries));
  return summaries.every((summary) => summary.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[chaos:seeds] the runs could not be carried out: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
