/**
 * Redis behind KeyValueStore: the scale path. `SET key value EX ttl NX` is the
 * atomic claim aio-lib-state lacks. The `redis` client (v4 API) is loaded on
 * first use, and connects lazily.
 */
import type { KeyValueStore } from './kv';

interface RedisClient {
  isOpen: boolean;
  connect(): Promise<unknown>;
  quit(): Promise<unknown>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, o: { EX: number; NX?: boolean }): Promise<string | null>;
  del(key: string): Promise<number>;
  scanIterator(o: { MATCH: string; COUNT: number }): AsyncIterable<string>;
  on(event: 'error', f: (err: Error) => void): unknown;
}

export function createRedisKv(url: string): KeyValueStore {
  let client: Promise<RedisClient> | undefined;
  const connect = (): Promise<RedisClient> => {
    client ??= (async () => {
      const { createClient } = (await import('redis')) as unknown as { createClient(o: object): RedisClient };
      const c = createClient({ url, socket: { connectTimeout: 2000, reconnectStrategy: (n: number) => Math.min(n * 100, 2000) } });
      c.on('error', () => undefined); // surfaced through the failing command instead
      await c.connect();
      return c;
    })();
    client.catch(() => (client = undefined));
    return client;
  };
  const ttl = (s: number): number => Math.max(1, Math.ceil(s));
  return {
    kind: 'redis',
    atomicClaims: true,
    get: async (key) => (await (await connect()).get(key)) ?? undefined,
    put: async (key, value, t) => void (await (await connect()).set(key, value, { EX: ttl(t) })),
    putIfAbsent: async (key, value, t) => (await (await connect()).set(key, value, { EX: ttl(t), NX: true })) === 'OK',
    delete: async (key) => void (await (await connect()).del(key)),
    async *keys(prefix) {
      const escaped = prefix.replace(/[*?[\]\\]/g, '\\$&');
      yield* (await connect()).scanIterator({ MATCH: `${escaped}*`, COUNT: 500 });
    },
    async close() {
      if (client) {
        const c = await client.catch(() => undefined);
        client = undefined;
        if (c?.isOpen) await c.quit();
      }
    },
  };
}
