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
 *
 * A connection Redis closed (a restart, a kill, a network cut) is not
 * reconnected by the library (`reconnectStrategy: false`): the client is no
 * longer `isReady`, and the next call replaces it with a new connection, so the
 * first request after Redis accepts connections again is served. No background
 * reconnect loop: Runtime freezes a container between activations, and a loop's
 * next tick (with the offline queue off) would refuse the first requests after
 * Redis's return instead. (The closed client is recognised by its state, not by
 * an error's `name`: redis 4.6.13's @redis/client 1.5.14, lib/errors.js, sets
 * none, so a ClientClosedError is named "Error".)
 *
 * Listing: SCAN walks every key, the millions of idempotency keys included, so
 * the families that are listed (src/stores/key-families.ts) are kept in an index
 * set each, `__idx:<family>`, and listed with SSCAN: a replay run or a status
 * costs the records there are, not the size of the store. The member is added
 * before the key is written and removed after it is deleted, so a kill between
 * the two leaves at worst a member without a key, which a listing checks and
 * drops (as it drops the members of keys that expired). Keys written without the
 * index (an older version still running during a deploy) are picked up by a full
 * SCAN of the family once a day (`__idx-ready:<family>`, 24 h).
 */
import { LISTED_FAMILIES } from './key-families';
import { assertFits, DEFAULT_STORE_TIMEOUT_MS, withStoreTimeout, type KeyValueStore } from './kv';

/** "A single Redis string can be a maximum of 512 MB" (redis.io, Strings; proto-max-bulk-len's default) */
export const REDIS_MAX_VALUE_BYTES = 512 * 1024 * 1024;

interface RedisClient {
  isOpen: boolean;
  /** connected and not lost since: false once Redis closed the connection (never true again without reconnectStrategy) */
  isReady: boolean;
  connect(): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): Promise<unknown>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, o: { EX: number; NX?: boolean }): Promise<string | null>;
  del(key: string): Promise<number>;
  scanIterator(o: { MATCH: string; COUNT: number }): AsyncIterable<string>;
  sAdd(key: string, member: string | string[]): Promise<number>;
  sRem(key: string, member: string | string[]): Promise<number>;
  sScanIterator(key: string, o: { MATCH: string; COUNT: number }): AsyncIterable<string>;
  exists(key: string): Promise<number>;
  on(event: 'error' | 'end', f: (err: Error) => void): unknown;
}

export interface RedisKvOptions {
  /** bound of one command, connecting included */
  timeoutMs?: number;
  /** the key prefixes listed from an index set instead of a SCAN (default: LISTED_FAMILIES) */
  listed?: readonly string[];
}

/** SCAN / SSCAN patterns take a prefix literally */
const literal = (prefix: string): string => prefix.replace(/[*?[\]\\]/g, '\\$&');
const INDEX_REBUILT_SECONDS = 24 * 3600;

export function createRedisKv(url: string, o: RedisKvOptions = {}): KeyValueStore {
  const timeoutMs = o.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  let client: Promise<RedisClient> | undefined;
  /** what `client` resolved to, once connected */
  let connected: RedisClient | undefined;
  // loading the module is not a Redis call: it is not counted against the timeout
  let lib: Promise<{ createClient(o: object): RedisClient }> | undefined;
  const load = () => (lib ??= import('redis') as unknown as Promise<{ createClient(o: object): RedisClient }>);
  const connect = (): Promise<RedisClient> => {
    // a connection Redis closed is never used again: a new one is made for this call
    if (connected && !connected.isReady) reset();
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
        if (client === mine) reset();
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
    mine.then(
      (c) => void (client === mine && (connected = c)),
      () => void (client === mine && (client = undefined)),
    );
    return mine;
  };
  /** Drops the connection (one whose commands hang, or one Redis closed): what it still has queued fails, the next call reconnects. */
  function reset(): void {
    const c = client;
    client = undefined;
    connected = undefined;
    void c?.then((x) => x.disconnect()).catch(() => undefined);
  }
  const run = async <T>(op: string, f: (c: RedisClient) => Promise<T>): Promise<T> => {
    await load();
    return withStoreTimeout(connect().then(f), timeoutMs, `redis ${op}`, reset);
  };
  const ttl = (s: number): number => Math.max(1, Math.ceil(s));
  const listed = o.listed ?? LISTED_FAMILIES;
  const familyOf = (key: string): string | undefined => listed.find((f) => key.startsWith(f));
  const indexKey = (family: string): string => `__idx:${family}`;
  /** the index first: a key is never written where a listing would not look */
  const indexed = async (key: string): Promise<void> => {
    const family = familyOf(key);
    if (family) await run('sadd', (c) => c.sAdd(indexKey(family), key));
  };
  async function* iterate(it: AsyncIterable<string>, op: string): AsyncGenerator<string> {
    const i = it[Symbol.asyncIterator]();
    for (;;) {
      const next = await withStoreTimeout(i.next(), timeoutMs, op, reset);
      if (next.done) return;
      yield next.value;
    }
  }
  /** Adds to the family's index what is stored under it without a member, once a day. */
  async function rebuildIndex(c: RedisClient, family: string): Promise<void> {
    const ready = `__idx-ready:${family}`;
    if (await run('exists', (x) => x.exists(ready))) return;
    const found: string[] = [];
    for await (const k of iterate(c.scanIterator({ MATCH: `${literal(family)}*`, COUNT: 500 }), 'redis scan')) found.push(k);
    for (let i = 0; i < found.length; i += 500) await run('sadd', (x) => x.sAdd(indexKey(family), found.slice(i, i + 500)));
    await run('set', (x) => x.set(ready, new Date().toISOString(), { EX: INDEX_REBUILT_SECONDS }));
  }
  return {
    kind: 'redis',
    atomicClaims: true,
    maxValueBytes: REDIS_MAX_VALUE_BYTES,
    get: async (key) => (await run('get', (c) => c.get(key))) ?? undefined,
    async put(key, value, t) {
      assertFits(value, REDIS_MAX_VALUE_BYTES);
      await indexed(key);
      await run('set', (c) => c.set(key, value, { EX: ttl(t) }));
    },
    async putIfAbsent(key, value, t) {
      assertFits(value, REDIS_MAX_VALUE_BYTES);
      await indexed(key);
      return (await run('set nx', (c) => c.set(key, value, { EX: ttl(t), NX: true }))) === 'OK';
    },
    async delete(key) {
      await run('del', (c) => c.del(key));
      const family = familyOf(key);
      if (family) await run('srem', (c) => c.sRem(indexKey(family), key));
    },
    async *keys(prefix) {
      const c = await run('connect', async (x) => x);
      const family = listed.find((f) => prefix.startsWith(f));
      if (!family) {
        yield* iterate(c.scanIterator({ MATCH: `${literal(prefix)}*`, COUNT: 500 }), 'redis scan');
        return;
      }
      await rebuildIndex(c, family);
      let page: string[] = [];
      const flush = async function* (): AsyncGenerator<string> {
        const live = await Promise.all(page.map((k) => run('exists', (x) => x.exists(k))));
        const gone = page.filter((_, i) => !live[i]);
        if (gone.length) await run('srem', (x) => x.sRem(indexKey(family), gone));
        yield* page.filter((_, i) => live[i]);
        page = [];
      };
      for await (const k of iterate(c.sScanIterator(indexKey(family), { MATCH: `${literal(prefix)}*`, COUNT: 500 }), 'redis sscan')) {
        page.push(k);
        if (page.length >= 500) yield* flush();
      }
      yield* flush();
    },
    async close() {
      if (client) {
        const c = await client.catch(() => undefined);
        client = undefined;
        connected = undefined;
        if (c?.isOpen) await withStoreTimeout(c.quit(), timeoutMs, 'redis quit').catch(() => undefined);
        // a server that refused QUIT (loading) or never answered: drop the socket
        await c?.disconnect().catch(() => undefined);
      }
    },
  };
}
