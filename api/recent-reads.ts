/**
 * Reads of one key shared by the callers that ask for it: a read under way is joined (single flight), and its answer
 * is reused until `maxAgeMs` after that read began, so no answer is older than that. Under a stampede on one
 * product, one MySQL and one Redis round trip then serve every request of the window, and requests are answered in
 * the pass of the event loop that received them instead of a later one, behind everything that became ready
 * meanwhile. Past half its age an answer is still given, and the next read starts in the background, so a steady
 * stream of callers finds a fresh answer ready instead of queueing behind the read. `maxAgeMs` 0 keeps nothing once
 * a read completes (only reads in flight are shared).
 *
 * A failed read is shared by its waiters and never kept. `forget` drops a key's answer, so this process's own write
 * (a restock) is read back at once; writes elsewhere show within `maxAgeMs`. At most `maxEntries` keys are kept (the
 * oldest goes first), so asking for many unknown ids costs bounded memory.
 */
import { BoundedMap } from './bounded-map';

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
  /** The newest answer, and when the read that gave it began. */
  answer?: { value: V; readAt: number };
  /** The read under way, if any. */
  reading?: Promise<V>;
}

export function recentReads<K, V>(load: (key: K) => Promise<V>, { maxAgeMs, maxEntries = 10_000, now = () => performance.now() }: RecentReadsOptions): RecentReads<K, V> {
  const entries = new BoundedMap<K, Entry<V>>(maxEntries);

  const startReading = (key: K, entry: Entry<V>): Promise<V> => {
    const readAt = now();
    const reading = load(key).then(
      (value) => {
        if (entry.reading === reading) entry.reading = undefined;
        if (maxAgeMs <= 0) {
          if (entries.get(key) === entry) entries.delete(key);
        } else if (!entry.answer || entry.answer.readAt < readAt) entry.answer = { value, readAt };
        return value;
      },
      (error: unknown) => {
        if (entry.reading === reading) entry.reading = undefined;
        if (!entry.answer && entries.get(key) === entry) entries.delete(key);
        throw error;
      },
    );
    entry.reading = reading;
    return reading;
  };

  return {
    read(key) {
      let entry = entries.get(key);
      if (entry?.answer) {
        const age = now() - entry.answer.readAt;
        if (age < maxAgeMs) {
          // Half-way through its age the answer starts its successor; a failure there is the next caller's to see.
          if (age >= maxAgeMs / 2 && !entry.reading) startReading(key, entry).catch(() => undefined);
          return Promise.resolve(entry.answer.value);
        }
      }
      if (entry?.reading) return entry.reading;
      if (!entry) {
        entry = {};
        entries.set(key, entry);
      }
      return startReading(key, entry);
    },
    forget(key) {
      entries.delete(key);
    },
  };
}
