/**
 * The one contract every store implementation must keep: the key-value
 * boundary, the idempotency store on top of it, and the record store.
 */
import { openDedupeStore } from '../../src/stores/open-dedupe';
import type { KeyValueStore } from '../../src/stores/kv';
import { openRecordStore } from '../../src/stores/records';
import { countingKv } from '../support/counting-kv';

export interface StoreUnderTest {
  kv: KeyValueStore;
  /** advance the store's clock (or wait, for real servers) */
  advance(seconds: number): Promise<void>;
  now?: () => number;
}

const item = (key: string, time = '2026-03-02T10:00:00.000Z') => ({ key, time });

export function storeContract(name: string, make: () => Promise<StoreUnderTest>, done: () => Promise<void> = async () => undefined): void {
  describe(`${name}: key-value contract`, () => {
    let s: StoreUnderTest;
    beforeEach(async () => (s = await make()));
    afterEach(done);

    it('get / put / delete', async () => {
      expect(await s.kv.get('a.b-c_d')).toBeUndefined();
      await s.kv.put('a.b-c_d', 'value 1', 60);
      expect(await s.kv.get('a.b-c_d')).toBe('value 1');
      await s.kv.put('a.b-c_d', 'value 2', 60);
      expect(await s.kv.get('a.b-c_d')).toBe('value 2');
      await s.kv.delete('a.b-c_d');
      expect(await s.kv.get('a.b-c_d')).toBeUndefined();
    });
    it('expires values after their TTL', async () => {
      await s.kv.put('short', 'x', 1);
      await s.kv.put('long', 'y', 3600);
      await s.advance(2);
      expect(await s.kv.get('short')).toBeUndefined();
      expect(await s.kv.get('long')).toBe('y');
    });
    it('putIfAbsent claims once', async () => {
      expect(await s.kv.putIfAbsent('claim', '1', 60)).toBe(true);
      expect(await s.kv.putIfAbsent('claim', '2', 60)).toBe(false);
      expect(await s.kv.get('claim')).toBe('1');
    });
    it('lists keys by prefix across more than one page', async () => {
      await Promise.all(Array.from({ length: 1205 }, (_, i) => s.kv.put(`pfx-${String(i).padStart(5, '0')}`, 'v', 60)));
      await s.kv.put('other-1', 'v', 60);
      const keys: string[] = [];
      for await (const k of s.kv.keys('pfx-')) keys.push(k);
      expect(keys).toHaveLength(1205);
      expect(new Set(keys).size).toBe(1205);
    });
  });

  describe(`${name}: idempotency contract`, () => {
    let s: StoreUnderTest;
    beforeEach(async () => (s = await make()));
    afterEach(done);
    const store = (pendingTtlSeconds = 30) => openDedupeStore(s.kv, { ttlSeconds: 3600, pendingTtlSeconds, now: s.now });

    it('claim → commit → claim gives duplicates', async () => {
      const d = store();
      const first = await d.claim('security', [item('e1'), item('e2')]);
      expect(first.fresh.map((i) => i.key)).toEqual(['e1', 'e2']);
      await d.commit('security', first.fresh);
      const again = await store().claim('security', [item('e1'), item('e2'), item('e3')]);
      expect(again.fresh.map((i) => i.key)).toEqual(['e3']);
      expect(again.duplicates.map((i) => i.key).sort()).toEqual(['e1', 'e2']);
    });
    it('keys are per route: the same event is fresh on another route', async () => {
      const d = store();
      await d.commit('a', (await d.claim('a', [item('e1')])).fresh);
      expect((await d.claim('b', [item('e1')])).fresh).toHaveLength(1);
    });
    it('claim → release → claim gives fresh again', async () => {
      const d = store();
      const first = await d.claim('r', [item('e1')]);
      await d.release('r', first.fresh);
      expect((await d.claim('r', [item('e1')])).fresh).toHaveLength(1);
    });
    it('two concurrent claims of one key: exactly one wins where claims are atomic; without compare-and-set one or both (a duplicate), never none (a loss)', async () => {
      const d1 = store();
      const d2 = store();
      const [a, b] = await Promise.all([d1.claim('r', [item('same')]), d2.claim('r', [item('same')])]);
      const winners = a.fresh.length + b.fresh.length;
      if (d1.atomic) expect(winners).toBe(1);
      else expect([1, 2]).toContain(winners);
    });
    it('a pending claim expires (crash between hand-off and commit: forwarded again, never lost)', async () => {
      const d = store(1);
      expect((await d.claim('r', [item('e1')])).fresh).toHaveLength(1);
      expect((await d.claim('r', [item('e1')])).fresh).toHaveLength(0);
      await s.advance(2);
      expect((await d.claim('r', [item('e1')])).fresh).toHaveLength(1);
    });
    it('committed records are remembered for the TTL and then forgotten', async () => {
      const options = { ttlSeconds: 2, pendingTtlSeconds: 1, bucketSeconds: 1, now: s.now };
      const at = item('e1', new Date().toISOString());
      const d = openDedupeStore(s.kv, options);
      await d.commit('r', (await d.claim('r', [at])).fresh);
      expect((await openDedupeStore(s.kv, options).claim('r', [at])).fresh).toHaveLength(0);
      await s.advance(4);
      expect((await openDedupeStore(s.kv, options).claim('r', [at])).fresh).toHaveLength(1);
    });
    it('an id repeated inside one claim is fresh once', async () => {
      const r = await store().claim('r', [item('x'), item('x')]);
      expect(r.fresh).toHaveLength(1);
      expect(r.duplicates).toHaveLength(1);
    });
  });

  describe(`${name}: record store contract`, () => {
    let s: StoreUnderTest;
    beforeEach(async () => (s = await make()));
    afterEach(done);
    const records = () => openRecordStore<{ events: { id: string; pad?: string }[] }>(s.kv, { prefix: 'park', ttlSeconds: 7 * 24 * 3600 });

    it('scans oldest first across hours, with filters and a limit', async () => {
      const r = records();
      const base = Date.now() - 5 * 3600_000;
      for (let i = 4; i >= 0; i--) {
        await r.add({ route: i % 2 ? 'a' : 'b', stream: 'user-audit', reason: 'HTTP 503', attempts: 1, payload: { events: [{ id: `e${i}` }] }, storedAt: new Date(base + i * 3600_000).toISOString() });
      }
      const all: string[] = [];
      for await (const rec of r.scan()) all.push(rec.payload.events[0].id);
      expect(all).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
      const onlyA: string[] = [];
      for await (const rec of r.scan({ route: 'a' })) onlyA.push(rec.payload.events[0].id);
      expect(onlyA).toEqual(['e1', 'e3']);
      const since: string[] = [];
      for await (const rec of r.scan({ since: new Date(base + 2 * 3600_000).toISOString() })) since.push(rec.payload.events[0].id);
      expect(since).toEqual(['e2', 'e3', 'e4']);
      const limited: string[] = [];
      for await (const rec of r.scan({ limit: 2 })) limited.push(rec.payload.events[0].id);
      expect(limited).toEqual(['e0', 'e1']);
      expect(await r.count()).toBe(5);
      // from the keys alone: how many, and the oldest and newest storedAt
      expect(await r.census()).toEqual({ count: 5, oldestStoredAt: new Date(base).toISOString(), newestStoredAt: new Date(base + 4 * 3600_000).toISOString() });
    });
    it('the first scan of a store where nothing was ever parked lists it once, not once per hour of the 168 h TTL; later scans not at all', async () => {
      const { kv, calls, reset } = countingKv(s.kv);
      const r = openRecordStore(kv, { prefix: 'park', ttlSeconds: 168 * 3600 });
      expect(await r.count()).toBe(0);
      expect(calls.keys).toBe(1); // before: 169, one per hour of the TTL
      reset();
      expect(await openRecordStore(kv, { prefix: 'park', ttlSeconds: 168 * 3600 }).count()).toBe(0);
      expect(calls.keys ?? 0).toBe(0);
    });
    it('records in two hours four days apart: the first scan lists once plus once per hour holding records, the next once per such hour', async () => {
      const hour = 3600_000;
      const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * hour).toISOString();
      await records().add({ route: 'a', reason: 'HTTP 503', attempts: 1, payload: { events: [{ id: 'old' }] }, storedAt: at(100) });
      await records().add({ route: 'a', reason: 'HTTP 503', attempts: 1, payload: { events: [{ id: 'new-1' }] }, storedAt: at(2) });
      await records().add({ route: 'a', reason: 'HTTP 503', attempts: 1, payload: { events: [{ id: 'new-2' }] }, storedAt: at(2) });
      const { kv, calls, reset } = countingKv(s.kv);
      const ids = async () => {
        const out: string[] = [];
        for await (const rec of openRecordStore<{ events: { id: string }[] }>(kv, { prefix: 'park', ttlSeconds: 168 * 3600 }).scan()) out.push(rec.payload.events[0].id);
        return out;
      };
      expect(await ids()).toEqual(['old', 'new-1', 'new-2']);
      expect(calls.keys).toBe(1 + 2); // before: 100 (every hour from the oldest record's)
      reset();
      expect(await ids()).toEqual(['old', 'new-1', 'new-2']);
      expect(calls.keys).toBe(2);
    });
    it('records written without hour markers (a version before the index) are found by the first scan, which marks their hours', async () => {
      const hour = 3600_000;
      const ms = Date.now() - 30 * hour;
      const d = new Date(ms);
      const hourKey = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}${String(d.getUTCHours()).padStart(2, '0')}`;
      const id = `park-${hourKey}-${String(ms).padStart(13, '0')}-000000abcdef01`;
      await s.kv.put(id, JSON.stringify({ id, storedAt: d.toISOString(), attempts: 1, reason: 'HTTP 503', route: 'a', payload: { events: [{ id: 'legacy' }] } }), 3600);
      const { kv, calls, reset } = countingKv(s.kv);
      const scanIds = async () => {
        const out: string[] = [];
        for await (const rec of openRecordStore<{ events: { id: string }[] }>(kv, { prefix: 'park', ttlSeconds: 168 * 3600 }).scan()) out.push(rec.payload.events[0].id);
        return out;
      };
      expect(await scanIds()).toEqual(['legacy']);
      reset();
      expect(await scanIds()).toEqual(['legacy']);
      expect(calls.keys).toBe(1);
    });
    it('updates attempts and removes records', async () => {
      const r = records();
      const rec = await r.add({ route: 'a', reason: 'HTTP 429', attempts: 1, payload: { events: [{ id: 'x' }] } });
      await r.update({ ...rec, attempts: 2, reason: 'HTTP 500' });
      for await (const got of r.scan()) expect(got).toMatchObject({ attempts: 2, reason: 'HTTP 500' });
      await r.remove(rec.id);
      expect(await r.count()).toBe(0);
    });
    it("splits a payload over the store's own value limit into records that fit it, losing nothing", async () => {
      const r = records();
      const events = Array.from({ length: 300 }, (_, i) => ({ id: `big-${i}`, pad: 'x'.repeat(5000) }));
      await r.add({ route: 'a', reason: 'HTTP 503', attempts: 1, payload: { events } });
      const ids: string[] = [];
      let n = 0;
      for await (const rec of r.scan()) {
        n++;
        expect(Buffer.byteLength(JSON.stringify(rec))).toBeLessThanOrEqual(s.kv.maxValueBytes);
        ids.push(...rec.payload.events.map((e) => e.id));
      }
      // 1.5 MB: over aio-lib-state's limit (and its local stand-ins'), far under Redis's
      expect(n > 1).toBe(Buffer.byteLength(JSON.stringify(events)) > s.kv.maxValueBytes);
      expect(ids.sort()).toEqual(events.map((e) => e.id).sort());
    });
  });
}
