/**
 * Reads of one key shared by the callers that ask for it: a read under way is joined (single flight), and its answer
 * is reused until `maxAgeMs` after that read began, so no answer is older than that. Under a stampede on one
 * product, one MySQL and one Redis round trip then serve every request of the window, and most requests are answered
 * in the pass of the event loop that received them instead of a later one, behind everything that became ready
 * meanwhile. `maxAgeMs` 0 keeps nothing once a read completes (only reads in flight are shared).
 *
 * A failed read is shared by its waiters and never kept. `forget` drops a key's answer, so this process's own write
 * (a restock) is read back at once; writes elsewhere show within `maxAgeMs`. At most `maxEntries` answers are kept
 * (the oldest goes first), so asking for many unknown ids costs bounded memory.
 */
export interface RecentReads<K, V> {
  read(key: K): Promise<V>;
  forget(key: K): void;
}

export interface RecentReadsOptions {
  maxAgeMs: number;
  maxEntries?: number;
  /** Milliseconds on a clock that never goes back. */
  now?: () => number;
}

interface Entry<V> {
  startedAt: number;
  settled: boolean;
  answer: Promise<V>;
}

export function recentReads<K, V>(load: (key: K) => Promise<V>, { maxAgeMs, maxEntries = 10_000, now = () => performance.now() }: RecentReadsOptions): RecentReads<K, V> {
  const entries = new Map<K, Entry<V>>();
  const drop = (key: K, entry: Entry<V>) => {
    if (entries.get(key) === entry) entries.delete(key);
  };
  return {
    read(key) {
      const known = entries.get(key);
      if (known && (!known.settled || now() - known.startedAt < maxAgeMs)) return known.answer;
      if (known) entries.delete(key);
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as K);
      const entry: Entry<V> = { startedAt: now(), settled: false, answer: undefined as unknown as Promise<V> };
      entry.answer = load(key).then(
        (value) => {
          entry.settled = true;
          if (maxAgeMs <= 0) drop(key, entry);
          return value;
        },
        (error: unknown) => {
          drop(key, entry);
          throw error;
        },
      );
      entries.set(key, entry);
      return entry.answer;
    },
    forget(key) {
      entries.delete(key);
    },
  };
}
