/**
 * Callers asking for the same key while a read of it is under way share that read instead of sending their own.
 * Nothing is kept once the read completes, so an answer is never older than a read already in flight when the
 * request arrived: under a stampede on one product, one MySQL and one Redis round trip serve every waiting request.
 */
export function singleFlight<K, V>(read: (key: K) => Promise<V>): (key: K) => Promise<V> {
  const inFlight = new Map<K, Promise<V>>();
  return (key) => {
    const pending = inFlight.get(key);
    if (pending) return pending;
    const started = read(key).finally(() => inFlight.delete(key));
    inFlight.set(key, started);
    return started;
  };
}
