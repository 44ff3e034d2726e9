/**
 * Replay is never blocked by one record (issue 12): per-record attempts and
 * last error, permanent failures and REPLAY_MAX_ATTEMPTS to dead-letter, a
 * transient failure skips the record (not the route), a store error is
 * reported and the run goes on, an empty run reads a handful of keys; dead
 * letters listed, replayed and discarded through the replay action.
 */
import { main as replayAction } from '../../actions/replay/index';
import type { Envelope } from '../../src/envelope/envelope';
import type { ParkedPayload } from '../../src/delivery/deliver';
import { replayParked, type ReplayDeps } from '../../src/delivery/replay';
import { parseRoutes } from '../../src/delivery/routes';
import { silentLog } from '../../src/log';
import { setRelayOverrides } from '../../src/relay/context';
import { openDedupeStore } from '../../src/stores/open-dedupe';
import type { KeyValueStore } from '../../src/stores/kv';
import { createMemoryKv } from '../../src/stores/memory-kv';
import { openRecordStore, type RecordStore } from '../../src/stores/records';
import { testEnvelope } from '../support/envelope';
import { FakeInvoker } from '../support/fake-invoker';
import { flakyKv } from '../support/flaky-kv';

const routes = () => {
  const r = parseRoutes({ routes: [{ name: 'a', match: { stream: '*' }, action: 'p/a' }] });
  if (!r.ok) throw new Error();
  return r.value;
};

/** A store that counts its calls. */
function counting(inner: KeyValueStore) {
  const calls: Record<string, number> = {};
  const c = (op: string) => void (calls[op] = (calls[op] ?? 0) + 1);
  const kv: KeyValueStore = {
    kind: inner.kind,
    atomicClaims: inner.atomicClaims,
    maxValueBytes: inner.maxValueBytes,
    get: (k) => (c('get'), inner.get(k)),
    put: (k, v, t) => (c('put'), inner.put(k, v, t)),
    putIfAbsent: (k, v, t) => (c('putIfAbsent'), inner.putIfAbsent(k, v, t)),
    delete: (k) => (c('delete'), inner.delete(k)),
    keys: (p) => (c('keys'), inner.keys(p)),
  };
  return { kv, calls };
}

function setup(kv: KeyValueStore = createMemoryKv()) {
  const invoker = new FakeInvoker();
  const parking = openRecordStore<ParkedPayload>(kv, { prefix: 'park', ttlSeconds: 3600 });
  const deadLetter = openRecordStore<ParkedPayload>(kv, { prefix: 'dlq', ttlSeconds: 3600 });
  const deps: ReplayDeps = { parking, deadLetter, dedupe: openDedupeStore(kv, { ttlSeconds: 3600 }), invoker, routes: routes(), log: silentLog(), forward: { concurrency: 1, timeoutMs: 50, maxParamBytes: 1e6 }, sleep: async () => undefined };
  const run = (o: { maxAttempts?: number } = {}) => replayParked(deps, { maxEvents: 1e6, invocationsPerMinute: 1e9, deadline: Number.MAX_SAFE_INTEGER, ...o });
  const park = (ids: string[], reason = 'HTTP 503', attempts = 2) => parking.add({ route: 'a', stream: 'user-audit', reason, attempts, payload: { action: 'p/a', deliveryId: 'd', events: ids.map((id) => testEnvelope(id)) } });
  return { invoker, parking, deadLetter, deps, run, park };
}

const all = async <T>(s: RecordStore<T>) => {
  const out = [];
  for await (const r of s.scan()) out.push(r);
  return out;
};
const idsIn = (inv: FakeInvoker) => inv.accepted.flatMap((i) => i.events.map((e: Envelope) => e.id));

describe('replay, record by record', () => {
  it("each record's deadline and the hand-off's check read one clock: the replay's own (an injected one far from the machine's)", async () => {
    const kv = createMemoryKv();
    const { invoker, parking, deps, park } = setup(kv);
    await park(['e1', 'e2']);
    const clock = Date.parse('2026-03-02T00:00:00Z');
    const r = await replayParked({ ...deps, now: () => clock }, { maxEvents: 1e6, invocationsPerMinute: 1e9, deadline: Number.MAX_SAFE_INTEGER });
    expect(r).toMatchObject({ records: 1, replayed: 2, removed: 1, failed: 0 });
    expect(idsIn(invoker).sort()).toEqual(['e1', 'e2']);
    expect(await all(parking)).toEqual([]);
  });
  it('a permanent failure (400) goes to dead-letter with its error; the records behind it are replayed in the same run', async () => {
    const { invoker, parking, deadLetter, run, park } = setup();
    await park(['bad']);
    for (let i = 0; i < 5; i++) await park([`ok-${i}`]);
    invoker.fault = (_a, p) => ((p.events as Envelope[])[0].id === 'bad' ? '400' : 'ok');
    const r = await run();
    expect(r).toMatchObject({ records: 6, replayed: 5, removed: 6, deadLettered: 1, errors: [] });
    expect(idsIn(invoker).sort()).toEqual(['ok-0', 'ok-1', 'ok-2', 'ok-3', 'ok-4']);
    expect(await all(parking)).toEqual([]);
    expect(await all(deadLetter)).toEqual([expect.objectContaining({ reason: 'HTTP 400', attempts: 3, payload: expect.objectContaining({ events: [expect.objectContaining({ id: 'bad' })] }) })]);
  });
  it('a transient failure skips that record, not its route; it keeps attempts + 1 and its last error', async () => {
    const { invoker, parking, run, park } = setup();
    await park(['flaky']);
    await park(['fine']);
    invoker.fault = (_a, p) => ((p.events as Envelope[])[0].id === 'flaky' ? '503' : 'ok');
    const r = await run();
    expect(r).toMatchObject({ records: 2, replayed: 1, removed: 1, failed: 1, deadLettered: 0 });
    expect(idsIn(invoker)).toEqual(['fine']);
    expect(await all(parking)).toEqual([expect.objectContaining({ attempts: 3, reason: 'HTTP 503' })]);
  });
  it('past REPLAY_MAX_ATTEMPTS: dead-letter (max_attempts), never replayed forever', async () => {
    const { invoker, parking, deadLetter, run, park } = setup();
    await park(['stuck'], 'HTTP 503', 1);
    invoker.fault = () => '503';
    await run({ maxAttempts: 3 });
    expect(await all(parking)).toHaveLength(1);
    await run({ maxAttempts: 3 });
    expect(await all(parking)).toHaveLength(0);
    expect((await all(deadLetter))[0].reason).toMatch(/^max_attempts: 3 replay attempts failed; last: HTTP 503/);
  });
  it('a record parked as event_too_large by an older version is dead-lettered at once', async () => {
    const { run, parking, deadLetter, deps } = setup();
    await parking.add({ route: 'a', stream: 'user-audit', reason: 'event_too_large', attempts: 0, payload: { action: 'p/a', deliveryId: 'd', events: [testEnvelope('huge', { data: { pad: 'x'.repeat(20_000) } })] } });
    deps.forward = { ...deps.forward, maxParamBytes: 10_000 };
    expect(await run()).toMatchObject({ deadLettered: 1, removed: 1 });
    expect((await all(deadLetter))[0].reason).toMatch(/^event_too_large/);
  });
  it('one record that cannot be read or parsed is reported, and the run goes on', async () => {
    const kv = flakyKv(createMemoryKv());
    const { invoker, run, park } = setup(kv);
    const broken = await park(['x']);
    await park(['y']);
    const garbled = await park(['z']);
    await kv.put(garbled.id, '{not json', 3600);
    kv.failWhen = (op, k) => op === 'get' && k === broken.id;
    const r = await run();
    expect(idsIn(invoker)).toEqual(['y']);
    expect(r.errors).toEqual([{ recordId: broken.id, op: 'get', err: 'StateStoreError' }, { recordId: garbled.id, op: 'parse', err: 'SyntaxError' }]);
  });
  it('a parking store that cannot even be listed: the error is in the result, nothing thrown', async () => {
    const kv = flakyKv(createMemoryKv());
    const { run } = setup(kv);
    kv.failAll(true);
    expect((await run()).errors).toEqual([{ op: 'scan', err: 'StateStoreError' }]);
  });
  it('a replay with nothing parked reads a few keys and lists none, however many other keys the store holds', async () => {
    const { kv, calls } = counting(createMemoryKv());
    const { run, park } = setup(kv);
    for (let i = 0; i < 2000; i++) await kv.put(`dd-route-${i}`, 'c', 3600);
    await park(['one']);
    await run(); // drains it
    for (const k of Object.keys(calls)) delete calls[k];
    expect(await run()).toMatchObject({ records: 0 });
    expect(calls.keys ?? 0).toBeLessThanOrEqual(2);
    expect((calls.get ?? 0) + (calls.put ?? 0)).toBeLessThanOrEqual(6);
    for (const k of Object.keys(calls)) delete calls[k];
    expect(await run()).toMatchObject({ records: 0 });
    expect(calls.keys ?? 0).toBeLessThanOrEqual(1);
  });
  it('a pending claim on a parked event: the record stays (retry later), no attempt counted', async () => {
    const { deps, parking, run, park } = setup();
    const rec = await park(['held']);
    const { eventIdentity } = await import('../../src/stores/dedupe');
    await deps.dedupe?.claim('a', [{ key: eventIdentity(rec.payload.events[0]), time: rec.payload.events[0].time }]);
    expect(await run()).toMatchObject({ replayed: 0, removed: 0 });
    expect(await all(parking)).toEqual([expect.objectContaining({ attempts: 2 })]);
  });
});

describe('dead letters through the replay action', () => {
  const inputs = { LOG_LEVEL: 'off', ROUTES: JSON.stringify({ routes: [{ name: 'a', match: { stream: '*' }, action: 'p/a' }] }), FORWARD_RETRY_DELAY_MS: '0' };
  it('list, replay (the target fixed) and discard', async () => {
    const kv = createMemoryKv();
    const invoker = new FakeInvoker();
    setRelayOverrides({ invoker, kv });
    try {
      const dlq = openRecordStore<ParkedPayload>(kv, { prefix: 'dlq', ttlSeconds: 3600 });
      const one = await dlq.add({ route: 'a', stream: 'user-audit', reason: 'HTTP 404', attempts: 3, payload: { action: 'p/a', deliveryId: 'd', events: [testEnvelope('e1')] } });
      await dlq.add({ route: 'a', stream: 'user-audit', reason: 'HTTP 404', attempts: 3, payload: { action: 'p/a', deliveryId: 'd', events: [testEnvelope('e2')] } });
      const listed = (await replayAction({ ...inputs, deadLetters: 'list' })) as unknown as { report: { deadLetters: number; records: { id: string; ids: string[]; replayable: boolean }[] } };
      expect(listed.report.deadLetters).toBe(2);
      expect(listed.report.records[0]).toMatchObject({ id: one.id, ids: ['e1'], replayable: true });
      invoker.fault = () => 'ok';
      const replayed = (await replayAction({ ...inputs, deadLetters: 'replay', id: one.id })) as unknown as { report: { replayed: number } };
      expect(replayed.report.replayed).toBe(1);
      expect(idsIn(invoker)).toEqual(['e1']);
      const discarded = (await replayAction({ ...inputs, deadLetters: 'discard' })) as unknown as { report: { discarded: number } };
      expect(discarded.report.discarded).toBe(1);
      expect(((await replayAction({ ...inputs, deadLetters: 'list' })) as unknown as { report: { deadLetters: number } }).report.deadLetters).toBe(0);
      expect(await replayAction({ ...inputs, deadLetters: 'purge' })).toMatchObject({ error: { code: 'dead_letters_invalid' } });
    } finally {
      setRelayOverrides({});
    }
  });
});
