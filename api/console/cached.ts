/**
 * Remembers each key's answer for `ttlMs` and shares one read among concurrent callers: however many consoles
 * poll, the figures of a window are computed at most once per ttl. A failed read is not remembered.
 */
export function cachedFor<K, V>(ttlMs: number, read: (key: K) => Promise<V>, now: () => number = Date.now): (key: K) => Promise<V> {
  const entries = new Map<K, { value: Promise<V>; expiresAt: number }>();
  return (key) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt > now()) return entry.value;
    // Drop stale entries as we go, so a client cycling through windows cannot grow the map without bound.
    for (const [otherKey, other] of entries) if (other.expiresAt <= now()) entries.delete(otherKey);
    const value = read(key);
    entries.set(key, { value, expiresAt: Number.POSITIVE_INFINITY });
    value.then(
      () => entries.set(key, { value, expiresAt: now() + ttlMs }),
      () => entries.delete(key),
    );
    return value;
  };
}
