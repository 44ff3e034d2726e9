/** A KeyValueStore wrapper whose operations can be made to fail (a store outage or quota). */
import type { KeyValueStore } from '../../src/stores/kv';

export type KvOp = 'get' | 'put' | 'putIfAbsent' | 'delete' | 'keys';

export function flakyKv(inner: KeyValueStore): KeyValueStore & { failing: Set<KvOp>; failAll(on: boolean): void } {
  const failing = new Set<KvOp>();
  const check = (op: KvOp): void => {
    if (failing.has(op)) throw Object.assign(new Error(`store ${op} failed`), { name: 'StateStoreError' });
  };
  return {
    kind: inner.kind,
    atomicClaims: inner.atomicClaims,
    failing,
    failAll(on) {
      for (const op of ['get', 'put', 'putIfAbsent', 'delete', 'keys'] as KvOp[]) (on ? failing.add(op) : failing.delete(op));
    },
    get: async (k) => (check('get'), inner.get(k)),
    put: async (k, v, t) => (check('put'), inner.put(k, v, t)),
    putIfAbsent: async (k, v, t) => (check('putIfAbsent'), inner.putIfAbsent(k, v, t)),
    delete: async (k) => (check('delete'), inner.delete(k)),
    async *keys(p) {
      check('keys');
      yield* inner.keys(p);
    },
  };
}
