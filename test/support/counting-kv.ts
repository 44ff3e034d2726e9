/** A KeyValueStore wrapper that counts its calls by operation (how many listings a scan makes, above all). */
import type { KeyValueStore } from '../../src/stores/kv';

export function countingKv(inner: KeyValueStore): { kv: KeyValueStore; calls: Record<string, number>; reset(): void } {
  const calls: Record<string, number> = {};
  const c = (op: string) => void (calls[op] = (calls[op] ?? 0) + 1);
  const kv: KeyValueStore = {
    kind: inner.kind,
    atomicClaims: inner.atomicClaims,
    maxValueBytes: inner.maxValueBytes,
    get: (k) => (c('get'), inner.get(k)),
    put: (k, v, t) => (c('put'), inner.put(k, v, t)),
    putIfAbsent: (k, v, t) => (c('putIfAbsent'), inner.putIfAbsent(k, v, t)),
    delete: (k) => (c('delete'), inner.delete(k)),
    keys: (p) => (c('keys'), inner.keys(p)),
  };
  return { kv, calls, reset: () => Object.keys(calls).forEach((k) => delete calls[k]) };
}
