/** A KeyValueStore wrapper whose operations can be made to fail (a store outage or quota). */
import type { KeyValueStore } from '../../src/stores/kv';

export type KvOp = 'get' | 'put' | 'putIfAbsent' | 'delete' | 'keys';

export function flakyKv(inner: KeyValueStore): KeyValueStore & { failing: Set<KvOp>; failAll(on: boolean): void; failWhen?: (op: KvOp, key: string, value?: string) => boolean } {
  const failing = new Set<KvOp>();
  const self = { failWhen: undefined as undefined | ((op: KvOp, key: string, value?: string) => boolean) };
  const check = (op: KvOp, key = '', value?: string): void => {
    if (failing.has(op) || self.failWhen?.(op, key, value)) throw Object.assign(new Error(`store ${op} failed`), { name: 'StateStoreError' });
  };
  return Object.assign(self, {
    kind: inner.kind,
    atomicClaims: inner.atomicClaims,
    maxValueBytes: inner.maxValueBytes,
    failing,
    failAll(on: boolean) {
      for (const op of ['get', 'put', 'putIfAbsent', 'delete', 'keys'] as KvOp[]) {
        if (on) failing.add(op);
        else failing.delete(op);
      }
    },
    get: async (k: string) => (check('get', k), inner.get(k)),
    put: async (k: string, v: string, t: number) => (check('put', k, v), inner.put(k, v, t)),
    putIfAbsent: async (k: string, v: string, t: number) => (check('putIfAbsent', k, v), inner.putIfAbsent(k, v, t)),
    delete: async (k: string) => (check('delete', k), inner.delete(k)),
    async *keys(p: string) {
      check('keys', p);
      yield* inner.keys(p);
    },
  });
}
