/**
 * The REAL @adobe/aio-lib-state code, with only its HTTP layer (node-fetch)
 * answered by an in-memory model of the State service.
 */
import { createBucketedDedupe, recentKeys } from '../../src/stores/bucketed-dedupe';
import { openDedupeStore } from '../../src/stores/open-dedupe';
import { createStateKv } from '../../src/stores/state-kv';
import { FakeStateService } from '../support/fake-state';

const service = new FakeStateService();
jest.mock('node-fetch', () => {
  const f = (url: string, init: RequestInit) => (globalThis as unknown as { __stateFetch: FakeStateService['fetch'] }).__stateFetch(url, init);
  return Object.assign(f, { default: f, __esModule: true });
});
(globalThis as unknown as { __stateFetch: FakeStateService['fetch'] }).__stateFetch = service.fetch;

beforeAll(() => {
  process.env.__OW_NAMESPACE = 'test-namespace';
  process.env.__OW_API_KEY = 'test-key:secret';
});
afterAll(() => {
  delete process.env.__OW_NAMESPACE;
  delete process.env.__OW_API_KEY;
});

describe('state store through the real aio-lib-state', () => {
  it('put / get / list / delete reach the service', async () => {
    const kv = createStateKv();
    await kv.put('real-lib-key', 'hello', 60);
    expect(await kv.get('real-lib-key')).toBe('hello');
    const keys: string[] = [];
    for await (const k of kv.keys('real-lib-')) keys.push(k);
    expect(keys).toEqual(['real-lib-key']);
    await kv.delete('real-lib-key');
    expect(await kv.get('real-lib-key')).toBeUndefined();
    expect(service.stats.calls).toBeGreaterThanOrEqual(4);
  });
  it('the idempotency store works on it (grouped layout)', async () => {
    const d = openDedupeStore(createStateKv(), { ttlSeconds: 3600 });
    const items = Array.from({ length: 50 }, (_, i) => ({ key: `ev-${i}`, time: '2026-03-02T10:00:00Z' }));
    await d.commit('route-a', (await d.claim('route-a', items)).fresh);
    const again = await openDedupeStore(createStateKv(), { ttlSeconds: 3600 }).claim('route-a', items);
    expect(again.duplicates).toHaveLength(50);
  });
  it('errors surface without the stored value', async () => {
    const kv = createStateKv();
    await expect(kv.put('bad key with spaces', 'secret-value', 60)).rejects.toThrow(/aio-lib-state put failed/);
    await expect(kv.put('bad key with spaces', 'secret-value', 60)).rejects.not.toThrow(/secret-value/);
  });
});

describe('grouped idempotency layout (the aio-lib-state quotas)', () => {
  it('10,000 events over an hour on two routes stay within routes × buckets × shards keys', async () => {
    const svc = new FakeStateService();
    const { fakeStateClient } = await import('../support/fake-state');
    const kv = createStateKv(async () => fakeStateClient(svc));
    const d = createBucketedDedupe(kv, { ttlSeconds: 7 * 24 * 3600 });
    const start = Date.parse('2026-03-02T10:00:00Z');
    for (let batch = 0; batch < 20; batch++) {
      const items = Array.from({ length: 500 }, (_, i) => ({ key: `guid-${batch}-${i}`, time: new Date(start + (batch * 500 + i) * 360).toISOString() }));
      for (const route of ['security', 'forms']) await d.commit(route, (await d.claim(route, items)).fresh);
    }
    const buckets = Math.ceil(3600 / 300) + 1;
    // routes × buckets × shards, with the layout's default of one shard
    expect(svc.stats.peakKeys).toBeLessThanOrEqual(2 * buckets * 1);
    expect(svc.stats.maxValueBytes).toBeLessThan(20_000);
  });
  it('spills a full value into further parts and still recognises every id', async () => {
    const svc = new FakeStateService();
    const { fakeStateClient } = await import('../support/fake-state');
    const kv = createStateKv(async () => fakeStateClient(svc));
    const d = createBucketedDedupe(kv, { ttlSeconds: 3600, shards: 1, maxValueBytes: 120 });
    const items = Array.from({ length: 35 }, (_, i) => ({ key: `id-${i}`, time: '2026-03-02T10:00:00Z' }));
    await d.commit('r', (await d.claim('r', items)).fresh);
    expect(svc.data.size).toBe(4);
    const fresh = createBucketedDedupe(kv, { ttlSeconds: 3600, shards: 1, maxValueBytes: 120 });
    expect((await fresh.claim('r', items)).duplicates).toHaveLength(35);
  });
  it('the in-container memory of recent commits stays bounded and keeps the newest keys', () => {
    const recent = recentKeys(1000);
    for (let i = 0; i < 10_000; i++) recent.add(`k${i}`);
    // the newest half is always kept, nothing older than the last two generations
    for (let i = 9_500; i < 10_000; i++) expect(recent.has(`k${i}`)).toBe(true);
    expect(recent.has('k0')).toBe(false);
    expect(recent.has('k8000')).toBe(false);
    let kept = 0;
    for (let i = 0; i < 10_000; i++) if (recent.has(`k${i}`)) kept++;
    expect(kept).toBeGreaterThanOrEqual(500);
    expect(kept).toBeLessThanOrEqual(1000);
  });
  it('a redelivery to the same container is recognised from memory after the store forgot it', async () => {
    const svc = new FakeStateService();
    const { fakeStateClient } = await import('../support/fake-state');
    const d = createBucketedDedupe(createStateKv(async () => fakeStateClient(svc)), { ttlSeconds: 3600 });
    const items = Array.from({ length: 30_000 }, (_, i) => ({ key: `g-${i}`, time: '2026-03-02T10:00:00Z' }));
    for (let b = 0; b < items.length; b += 500) await d.commit('r', (await d.claim('r', items.slice(b, b + 500))).fresh);
    svc.data.clear(); // a lost update: only the container's memory knows the newest commits
    expect((await d.claim('r', items.slice(-10_000))).duplicates).toHaveLength(10_000);
  });
});
