/** `npm run chaos:seeds -- N [chaos options]`: N fault runs in a row, one line per seed (see chaos/seeds.ts). */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stopStackOnSignal } from './interrupt';
import { parseChaosArgs, UsageError } from './options';
import { formatSummary } from './report';
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
  const onStack = stopStackOnSignal(base.keep, 'chaos:seeds');
  for (const seed of seedsFrom(base.seed, count)) {
    // Each run's own progress goes to stderr; stdout gets one line per seed.
    const summary = await runChaos({ ...base, seed, resultsFile: null, json: false }, { log: (line) => console.error(line), onStack });
    summaries.push(summary);
    console.log(seedLine(summary));
    if (!summary.ok) explainFailure(summary);
  }
  console.log(totalLine(summaries));
  return summaries.every((summary) => summary.ok) ? 0 : 1;
}

/** A failed seed's whole summary (breaches, stuck orders and what they wait on) to stderr and to a JSON file. */
function explainFailure(summary: ChaosSummary): void {
  const file = path.resolve('chaos', 'results', `seed-${summary.seed}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  console.error(`\n${formatSummary(summary)}\nJSON summary of seed ${summary.seed}: ${path.relative(process.cwd(), file)}\n`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[chaos:seeds] the runs could not be carried out: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
