/**
 * Identity is injective (issue 12): dedupe keys carry the stream and, where the
 * id is only unique per Marketo instance, the munchkinId; the key encoding
 * cannot collide with a literal id; repeated ids inside one delivery are
 * forwarded once and counted; the aio-lib-state layout never buckets by a
 * receipt time.
 */
import type { Envelope } from '../../src/envelope/envelope';
import { deliver, type DeliveryDeps } from '../../src/delivery/deliver';
import { parseRoutes } from '../../src/delivery/routes';
import { silentLog, type Log } from '../../src/log';
import { createBucketedDedupe } from '../../src/stores/bucketed-dedupe';
import { dedupeKey, eventIdentity } from '../../src/stores/dedupe';
import { openDedupeStore } from '../../src/stores/open-dedupe';
import { hashPart, type KeyValueStore } from '../../src/stores/kv';
import { createMemoryKv } from '../../src/stores/memory-kv';
import { createStateKv } from '../../src/stores/state-kv';
import { testEnvelope } from '../support/envelope';
import { FakeInvoker } from '../support/fake-invoker';
import { FakeStateService, fakeStateClient } from '../support/fake-state';

const meta = { stream: 'lead-activity' as const, transport: 'legacy-push' as const, deliveryId: 'd' };
const activity = (id: string, o: Partial<Envelope> = {}) => testEnvelope(id, { stream: 'lead-activity', ...o });

function setup(kv: KeyValueStore = createMemoryKv(), log: Log = silentLog()) {
  const routes = parseRoutes({ routes: [{ name: 'all', match: { stream: '*' }, action: 'p/all' }] });
  if (!routes.ok) throw new Error();
  const invoker = new FakeInvoker();
  const deps: DeliveryDeps = { routes: routes.value, invoker, dedupe: openDedupeStore(kv, { ttlSeconds: 3600 }), log, forward: { concurrency: 2, timeoutMs: 50, maxParamBytes: 1e6, deadline: Number.MAX_SAFE_INTEGER } };
  return { deps, invoker, kv };
}

describe('identity', () => {
  it('activityLogItemId shared by two Marketo instances: both forwarded; the same instance again: duplicate', async () => {
    const { deps, invoker } = setup();
    expect((await deliver([activity('228072', { munchkinId: '111-AAA-111' })], meta, deps)).forwarded).toEqual({ all: 1 });
    expect((await deliver([activity('228072', { munchkinId: '222-BBB-222' })], meta, deps)).forwarded).toEqual({ all: 1 });
    expect((await deliver([activity('228072', { munchkinId: '111-AAA-111' })], meta, deps)).duplicates).toBe(1);
    expect(invoker.accepted).toHaveLength(2);
  });
  it('a GUID is global: the legacy and I/O copies of one activity match whatever munchkinId each carries', () => {
    const guid = '3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
    expect(eventIdentity({ stream: 'lead-activity', id: guid, munchkinId: '111-AAA-111' })).toBe(eventIdentity({ stream: 'lead-activity', id: guid.toUpperCase() }));
  });
  it('a long munchkinId (sender data, repeated in each activity of a push) is hashed into a short identity, still one per instance', async () => {
    const long = (c: string) => `111-AAA-222${c.repeat(300_000)}`;
    const id = (munchkinId: string) => eventIdentity({ stream: 'lead-activity', id: '228072', munchkinId });
    expect(id(long('x')).length).toBeLessThan(100);
    expect(id(long('x'))).toBe(id(long('x')));
    expect(id(long('x'))).not.toBe(id(long('y')));
    // no literal munchkinId equals a digest
    const digest = id(long('x')).split('\n')[1];
    expect(id(digest)).not.toBe(id(long('x')));
    // every real id stays as it was
    expect(id('111-AAA-222')).toBe('lead-activity\n111-AAA-222\n228072');
    const { deps, invoker } = setup();
    const report = await deliver([activity('1', { munchkinId: long('x') }), activity('1', { munchkinId: long('y') }), activity('1', { munchkinId: long('x') })], meta, deps);
    expect(report).toMatchObject({ forwarded: { all: 2 }, duplicates: 1 });
    expect(invoker.accepted.flatMap((i) => i.events.map((e) => e.munchkinId))).toEqual([long('x'), long('y')]);
  });
  it('the same id on two streams names two events', () => {
    expect(eventIdentity({ stream: 'user-audit', id: '42' })).not.toBe(eventIdentity({ stream: 'notification', id: '42' }));
  });
  it('a literal id "h.<22 chars>" no longer equals the hashed key of another id', async () => {
    const other = 'an id with spaces';
    const literal = `h.${hashPart(other, 22)}`;
    expect(dedupeKey('r', eventIdentity({ stream: 'user-audit', id: literal }))).not.toBe(dedupeKey('r', eventIdentity({ stream: 'user-audit', id: other })));
    const { deps, invoker } = setup();
    await deliver([testEnvelope(other)], meta, deps);
    expect((await deliver([testEnvelope(literal)], meta, deps)).forwarded).toEqual({ all: 1 });
    expect(invoker.accepted).toHaveLength(2);
  });
  it('one id twice in a delivery: forwarded once, the other counted as a duplicate; different contents logged', async () => {
    const lines: string[] = [];
    const log = { ...silentLog(), warn: (m: string) => void lines.push(m) };
    const { deps, invoker } = setup(createMemoryKv(), log);
    const r = await deliver([activity('x1', { data: { v: 1 } }), activity('x1', { data: { v: 2 } }), activity('x2'), activity('x2')], meta, deps);
    expect(r).toMatchObject({ forwarded: { all: 2 }, duplicates: 2 });
    expect(invoker.accepted.flatMap((i) => i.events.map((e) => e.data))).toContainEqual({ v: 1 });
    expect(lines.filter((l) => /two different events under one id/.test(l))).toHaveLength(1);
  });
});

describe('aio-lib-state layout: idempotency never depends on a parsed time', () => {
  it('an event whose time did not parse (receipt time, different on each retry) is recognised by another container', async () => {
    const svc = new FakeStateService();
    const kv = createStateKv(async () => fakeStateClient(svc));
    const a = setup(kv);
    const first = activity('unparsed-1', { time: '2026-03-02T10:00:00.000Z', timeSource: 'received' } as Partial<Envelope>);
    expect((await deliver([first], meta, a.deps)).forwarded).toEqual({ all: 1 });
    // the retry, a day later, in a fresh container: another receipt time
    const b = setup(kv);
    const retry = activity('unparsed-1', { time: '2026-03-03T11:30:00.000Z', timeSource: 'received' } as Partial<Envelope>);
    expect(await deliver([retry], meta, b.deps)).toMatchObject({ duplicates: 1, forwarded: {} });
  });
  it('items without an event time are kept one key each; items with one in their bucket', async () => {
    const svc = new FakeStateService();
    const d = createBucketedDedupe(createStateKv(async () => fakeStateClient(svc)), { ttlSeconds: 3600 });
    const items = [{ key: 'a' }, { key: 'b', time: '2026-03-02T10:00:00Z' }];
    await d.commit('r', (await d.claim('r', items)).fresh);
    const keys = [...svc.data.keys()];
    expect(keys.filter((k) => /^dd-[^-]+-\d+-\d+$/.test(k))).toHaveLength(1);
    expect(keys).toContain(dedupeKey('r', 'a'));
    const other = createBucketedDedupe(createStateKv(async () => fakeStateClient(svc)), { ttlSeconds: 3600 });
    expect((await other.claim('r', items)).duplicates).toHaveLength(2);
  });
  it('a redelivery to the same container while the first is in flight: pending (retry-later), not duplicate', async () => {
    const svc = new FakeStateService();
    const d = createBucketedDedupe(createStateKv(async () => fakeStateClient(svc)), { ttlSeconds: 3600 });
    const items = [{ key: 'p1', time: '2026-03-02T10:00:00Z' }];
    expect((await d.claim('r', items)).fresh).toHaveLength(1);
    expect(await d.claim('r', items)).toMatchObject({ fresh: [], duplicates: [], pending: items });
  });
});
