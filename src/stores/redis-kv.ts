/**
 * Redis behind KeyValueStore: the scale path. `SET key value EX ttl NX` is the
 * atomic claim aio-lib-state lacks. The `redis` client (v4 API) is loaded on
 * first use, and connects lazily.
 *
 * Every command is bounded by `timeoutMs` (default 1.5 s, well inside the
 * senders' deadlines): a Redis that hangs (stopped, swapping) makes the command
 * fail, and the connection is dropped so the next call reconnects. The offline
 * queue is disabled: while Redis is down or reconnecting, a command fails at
 * once instead of waiting for a connection. A failing command (down, LOADING
 * while it reloads its data, timeout) reaches the caller as an error, and the
 * relay answers retry-later (see DEDUPE_UNAVAILABLE).
 */
import { DEFAULT_STORE_TIMEOUT_MS, withStoreTimeout, type KeyValueStore } from './kv';

interface RedisClient {
  isOpen: boolean;
  connect(): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): Promise<unknown>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, o: { EX: number; NX?: boolean }): Promise<string | null>;
  del(key: string): Promise<number>;
  scanIterator(o: { MATCH: string; COUNT: number }): AsyncIterable<string>;
  on(event: 'error' | 'end', f: (err: Error) => void): unknown;
}

export interface RedisKvOptions {
  /** bound of one command, connecting included */
  timeoutMs?: number;
}

export function createRedisKv(url: string, o: RedisKvOptions = {}): KeyValueStore {
  const timeoutMs = o.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  let client: Promise<RedisClient> | undefined;
  // loading the module is not a Redis call: it is not counted against the timeout
  let lib: Promise<{ createClient(o: object): RedisClient }> | undefined;
  const load = () => (lib ??= import('redis') as unknown as Promise<{ createClient(o: object): RedisClient }>);
  const connect = (): Promise<RedisClient> => {
    if (client) return client;
    const mine: Promise<RedisClient> = (async () => {
      const { createClient } = await load();
      const c = createClient({
        url,
        disableOfflineQueue: true,
        // no reconnect loop in the background: a lost connection is dropped, the next call connects anew
        socket: { connectTimeout: timeoutMs, reconnectStrategy: false },
      });
      c.on('error', () => undefined); // surfaced through the failing command instead
      c.on('end', () => {
        if (client === mine) client = undefined;
      });
      try {
        // with a reconnect strategy, connect() would wait for the server forever: bounded here
        await withStoreTimeout(c.connect(), timeoutMs, 'redis connect');
      } catch (err) {
        await c.disconnect().catch(() => undefined);
        throw err;
      }
      return c;
    })();
    client = mine;
    mine.catch(() => client === mine && (client = undefined));
    return mine;
  };
  /** Drops a connection whose commands hang: what it still has queued fails, the next call reconnects. */
  const reset = (): void => {
    const c = client;
    client = undefined;
    void c?.then((x) => x.disconnect()).catch(() => undefined);
  };
  const run = async <T>(op: string, f: (c: RedisClient) => Promise<T>): Promise<T> => {
    await load();
    try {
      return await withStoreTimeout(connect().then(f), timeoutMs, `redis ${op}`, reset);
    } catch (err) {
      if ((err as Error)?.name === 'ClientClosedError') reset();
      throw err;
    }
  };
  const ttl = (s: number): number => Math.max(1, Math.ceil(s));
  return {
    kind: 'redis',
    atomicClaims: true,
    get: async (key) => (await run('get', (c) => c.get(key))) ?? undefined,
    put: async (key, value, t) => void (await run('set', (c) => c.set(key, value, { EX: ttl(t) }))),
    putIfAbsent: async (key, value, t) => (await run('set nx', (c) => c.set(key, value, { EX: ttl(t), NX: true }))) === 'OK',
    delete: async (key) => void (await run('del', (c) => c.del(key))),
    async *keys(prefix) {
      const escaped = prefix.replace(/[*?[\]\\]/g, '\\$&');
      const c = await run('connect', async (x) => x);
      const it = c.scanIterator({ MATCH: `${escaped}*`, COUNT: 500 })[Symbol.asyncIterator]();
      for (;;) {
        const next = await withStoreTimeout(it.next(), timeoutMs, 'redis scan', reset);
        if (next.done) return;
        yield next.value;
      }
    },
    async close() {
      if (client) {
        const c = await client.catch(() => undefined);
        client = undefined;
        if (c?.isOpen) await withStoreTimeout(c.quit(), timeoutMs, 'redis quit').catch(() => undefined);
        // a server that refused QUIT (loading) or never answered: drop the socket
        await c?.disconnect().catch(() => undefined);
      }
    },
  };
}
