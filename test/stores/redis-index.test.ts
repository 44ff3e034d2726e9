/**
 * Redis lists the families that are listed (parked records, dead letters,
 * catalogs, REST usage) from an index set, not with a SCAN of every key: with
 * the idempotency keys in the store, a replay run or a status must cost the
 * records there are. Against a real redis-server, its command counters read
 * through a client of our own.
 */
import { createClient } from 'redis';
import { createRedisKv } from '../../src/stores/redis-kv';
import { hasRedisServer, startRedis } from '../support/redis-server';

const describeRedis = hasRedisServer() ? describe : describe.skip;

describeRedis('Redis listing of the listed families (real redis-server)', () => {
  let redis: { url: string; stop: () => Promise<void> };
  let raw: ReturnType<typeof createClient>;
  let kv: ReturnType<typeof createRedisKv>;
  beforeAll(async () => {
    redis = await startRedis();
    raw = createClient({ url: redis.url });
    await raw.connect();
  });
  afterAll(async () => {
    await raw.quit();
    await redis.stop();
  });
  beforeEach(async () => {
    await raw.flushAll();
    kv = createRedisKv(redis.url);
  });
  afterEach(async () => kv.close?.());

  const list = async (prefix: string): Promise<string[]> => {
    const keys: string[] = [];
    for await (const k of kv.keys(prefix)) keys.push(k);
    return keys.sort();
  };
  /** how many SCAN commands the server has run so far */
  const scans = async (): Promise<number> => Number(/cmdstat_scan:calls=(\d+)/.exec(await raw.info('commandstats'))?.[1] ?? 0);

  it('a parked hour is listed without walking the idempotency keys', async () => {
    for (let i = 0; i < 3000; i += 500) await Promise.all(Array.from({ length: 500 }, (_, j) => kv.put(`dd-${i + j}`, 'x', 60)));
    await kv.put('park-2026120401-a', 'r1', 60);
    await kv.put('park-2026120401-b', 'r2', 60);
    await kv.put('park-2026120402-c', 'r3', 60);
    await kv.put('dlq-2026120401-d', 'r4', 60);
    // each family's first listing rebuilds its index once a day: a walk of the key space
    const cold = await scans();
    expect(await list('park-2026120401-')).toEqual(['park-2026120401-a', 'park-2026120401-b']);
    expect(await list('dlq-')).toEqual(['dlq-2026120401-d']);
    expect((await scans()) - cold).toBeGreaterThan(0);
    // from then on a listing runs no SCAN at all
    const after = await scans();
    expect(await list('park-')).toEqual(['park-2026120401-a', 'park-2026120401-b', 'park-2026120402-c']);
    expect(await list('park-2026120402-')).toEqual(['park-2026120402-c']);
    expect(await list('dlq-')).toEqual(['dlq-2026120401-d']);
    expect(await scans()).toBe(after);
    // a prefix of no listed family is still a SCAN
    expect(await list('dd-299')).toEqual(['dd-299', 'dd-2990', 'dd-2991', 'dd-2992', 'dd-2993', 'dd-2994', 'dd-2995', 'dd-2996', 'dd-2997', 'dd-2998', 'dd-2999']);
    expect(await scans()).toBeGreaterThan(after);
  });

  it('deleted and expired keys leave the index; the index holds only listed families', async () => {
    await kv.put('park-2026120401-a', 'r1', 60);
    await kv.put('park-2026120401-b', 'r2', 1);
    await kv.putIfAbsent('park-2026120401-c', 'r3', 60);
    await kv.put('dd-1', 'x', 60);
    await kv.delete('park-2026120401-a');
    expect(await raw.sMembers('__idx:park-')).toEqual(expect.arrayContaining(['park-2026120401-b', 'park-2026120401-c']));
    expect(await raw.sIsMember('__idx:park-', 'park-2026120401-a')).toBe(false);
    await new Promise((r) => setTimeout(r, 1200));
    expect(await list('park-')).toEqual(['park-2026120401-c']);
    expect(await raw.sMembers('__idx:park-')).toEqual(['park-2026120401-c']);
    expect((await raw.keys('__idx:*')).sort()).toEqual(['__idx:park-']);
  });

  it('a member whose key was never written (a kill between the two) is not listed', async () => {
    await raw.sAdd('__idx:park-', 'park-2026120401-ghost');
    await raw.set('__idx-ready:park-', 'x', { EX: 60 });
    expect(await list('park-')).toEqual([]);
    expect(await raw.sMembers('__idx:park-')).toEqual([]);
  });

  it('keys written without the index (an older version during a deploy) are found by the daily rebuild', async () => {
    await kv.put('park-2026120401-new', 'r1', 60);
    expect(await list('park-')).toEqual(['park-2026120401-new']);
    await raw.set('park-2026120401-old', 'r0', { EX: 60 });
    // until the next rebuild the index does not know it
    expect(await list('park-')).toEqual(['park-2026120401-new']);
    await raw.del('__idx-ready:park-'); // a day later
    expect(await list('park-')).toEqual(['park-2026120401-new', 'park-2026120401-old']);
    expect(await raw.ttl('__idx-ready:park-')).toBeGreaterThan(23 * 3600);
  });
});
