/** An in-process store (tests, benchmarks, `STATE_STORE=memory`). */
import { assertSafeKey, type KeyValueStore } from './kv';

export function createMemoryKv(now: () => number = Date.now): KeyValueStore & { size(): number } {
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
    size: () => [...data.keys()].filter((k) => live(k) !== undefined).length,
    async get(key) {
      return live(key);
    },
    async put(key, value, ttlSeconds) {
      assertSafeKey(key);
      data.set(key, { v: value, exp: now() + ttlSeconds * 1000 });
    },
    async putIfAbsent(key, value, ttlSeconds) {
      assertSafeKey(key);
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
