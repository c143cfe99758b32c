import type { ChaosStack } from './stack';

/**
 * Ctrl-C or SIGTERM during a fault run stops the run's processes (its Temporal, Redis, workers, APIs, stand-in) and
 * drops its database unless --keep, keeping the logs, instead of leaving them running behind a dead parent.
 * Returns the setter the run calls once its stack is up.
 */
export function stopStackOnSignal(keep: boolean, tag: string): (stack: ChaosStack) => void {
  let current: ChaosStack | undefined;
  const interrupt = (signal: NodeJS.Signals) => {
    console.error(`[${tag}] ${signal}: stopping the run's processes`);
    const stopping = current ? current.teardown({ keep, keepLogs: true }) : Promise.resolve();
    void stopping.finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  return (stack) => {
    current = stack;
  };
}
