/** An in-process store (tests, benchmarks, `STATE_STORE=memory`). */
import { assertFits, assertSafeKey, STATE_MAX_VALUE_BYTES, type KeyValueStore } from './kv';

/** A stand-in for aio-lib-state: by default it takes no larger value (STATE_MAX_VALUE_BYTES). */
export function createMemoryKv(now: () => number = Date.now, o: { maxValueBytes?: number } = {}): KeyValueStore & { size(): number } {
  const maxValueBytes = o.maxValueBytes ?? STATE_MAX_VALUE_BYTES;
  const data = new Map<string, { v: string; exp: number }>();
  const live = (key: string): string | undefined => {
    const e = data.get(key);
    if (!e) return undefined;
    if (e.exp <= now()) {
      data.delete(key);
      return undefined;
    }
    return e.v;
  };
  return {
    kind: 'memory',
    atomicClaims: true,
    maxValueBytes,
    size: () => [...data.keys()].filter((k) => live(k) !== undefined).length,
    async get(key) {
      return live(key);
    },
    async put(key, value, ttlSeconds) {
      assertSafeKey(key);
      assertFits(value, maxValueBytes);
      data.set(key, { v: value, exp: now() + ttlSeconds * 1000 });
    },
    async putIfAbsent(key, value, ttlSeconds) {
      assertSafeKey(key);
      assertFits(value, maxValueBytes);
      if (live(key) !== undefined) return false;
      data.set(key, { v: value, exp: now() + ttlSeconds * 1000 });
      return true;
    },
    async delete(key) {
      data.delete(key);
    },
    async *keys(prefix) {
      for (const key of [...data.keys()]) if (key.startsWith(prefix) && live(key) !== undefined) yield key;
    },
  };
}
