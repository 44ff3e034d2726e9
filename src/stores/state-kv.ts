/**
 * `@adobe/aio-lib-state` (Runtime's own key-value store) behind KeyValueStore.
 * Loaded and initialised on first use (≈ 110 ms to load: a cold request that
 * never touches the store does not pay it). No compare-and-set: putIfAbsent is
 * get-then-put and NOT atomic. Errors carry the value in their details, so
 * only the error's name and code are ever surfaced.
 */
import { assertFits, boundedClient, DEFAULT_STORE_TIMEOUT_MS, STATE_MAX_VALUE_BYTES, withStoreTimeout, type KeyValueStore } from './kv';

/** The part of AdobeState (the library's own types) this store uses; tests fake it at this boundary. */
export interface StateClient {
  get(key: string): Promise<{ value: string } | undefined>;
  put(key: string, value: string, options?: { ttl?: number }): Promise<string>;
  delete(key: string): Promise<string | null>;
  list(options?: { match?: string }): AsyncIterable<{ keys: string[] }>;
}

export class StateStoreError extends Error {
  constructor(op: string, cause: unknown) {
    const c = cause as { name?: string; code?: string; sdkDetails?: unknown };
    super(`aio-lib-state ${op} failed: ${c?.code ?? c?.name ?? 'error'}`);
    this.name = 'StateStoreError';
  }
}

const MAX_TTL = 365 * 24 * 3600;

/** `timeoutMs` bounds each call (the library retries throttled calls itself, which could otherwise outlast the senders' deadlines). */
export function createStateKv(client?: () => Promise<StateClient>, o: { timeoutMs?: number } = {}): KeyValueStore {
  const timeoutMs = o.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  const open = client ?? (async (): Promise<StateClient> => (await import('@adobe/aio-lib-state')).init());
  const call = boundedClient(open, timeoutMs, 'aio-lib-state', (op, err) => new StateStoreError(op, err));
  return {
    kind: 'state',
    atomicClaims: false,
    maxValueBytes: STATE_MAX_VALUE_BYTES,
    get: (key) => call('get', async (s) => (await s.get(key))?.value),
    async put(key, value, ttl) {
      // refused here, as the service would refuse it (413), without sending a megabyte for nothing
      assertFits(value, STATE_MAX_VALUE_BYTES);
      await call('put', async (s) => void (await s.put(key, value, { ttl: Math.min(MAX_TTL, Math.max(1, Math.ceil(ttl))) })));
    },
    async putIfAbsent(key, value, ttl) {
      if ((await this.get(key)) !== undefined) return false;
      await this.put(key, value, ttl);
      return true;
    },
    delete: (key) => call('delete', async (s) => void (await s.delete(key))),
    async *keys(prefix) {
      const s = await call('list', async (c) => c);
      try {
        const pages = s.list({ match: `${prefix}*` })[Symbol.asyncIterator]();
        for (;;) {
          const page = await withStoreTimeout(pages.next(), timeoutMs, 'aio-lib-state list');
          if (page.done) return;
          yield* page.value.keys;
        }
      } catch (err) {
        throw new StateStoreError('list', err);
      }
    },
  };
}
