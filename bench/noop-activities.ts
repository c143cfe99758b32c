/** Activities of the no-op baseline (bench/noop-workflow.ts): they return at once. */
export function createNoopActivities() {
  return {
    async noop(step: number): Promise<number> {
      return step;
    },
  };
}

export type NoopActivities = ReturnType<typeof createNoopActivities>;
