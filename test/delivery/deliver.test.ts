import fc from 'fast-check';
import type { DeliveryMeta } from '../../src/envelope/envelope';
import { deliver, type DeliveryDeps, type ParkedPayload } from '../../src/delivery/deliver';
import { replayParked } from '../../src/delivery/replay';
import { parseRoutes, type RouteTable } from '../../src/delivery/routes';
import { openDedupeStore } from '../../src/stores/open-dedupe';
import { createMemoryKv } from '../../src/stores/memory-kv';
import { openRecordStore } from '../../src/stores/records';
import { silentLog } from '../../src/log';
import { FakeInvoker, type Fault } from '../support/fake-invoker';
import { flakyKv } from '../support/flaky-kv';
import { testEnvelope } from '../support/envelope';

const routesOf = (): RouteTable => {
  const r = parseRoutes({
    routes: [
      { name: 'audit', match: { stream: 'user-audit' }, action: 'p/audit' },
      { name: 'security', match: { componentType: ['Login', 'Role'] }, action: 'p/siem' },
      { name: 'leads', match: { stream: 'lead-activity' }, action: 'p/crm' },
    ],
  });
  if (!r.ok) throw new Error(r.errors.join());
  return r.value;
};

const envelope = testEnvelope;
const meta: DeliveryMeta = { stream: 'user-audit', transport: 'io-events', deliveryId: 'd1' };

function setup() {
  const kv = flakyKv(createMemoryKv());
  const invoker = new FakeInvoker();
  const parking = openRecordStore<ParkedPayload>(kv, { prefix: 'park', ttlSeconds: 3600 });
  const deps: DeliveryDeps = {
    routes: routesOf(),
    invoker,
    dedupe: openDedupeStore(kv, { ttlSeconds: 3600 }),
    parking,
    log: silentLog(),
    forward: { concurrency: 4, timeoutMs: 50, maxParamBytes: 1_000_000, deadline: Number.MAX_SAFE_INTEGER, sleep: async () => undefined },
  };
  const replay = () =>
    replayParked({ parking, dedupe: deps.dedupe, invoker, routes: deps.routes, log: silentLog(), forward: { concurrency: 1, timeoutMs: 50, maxParamBytes: 1_000_000 }, sleep: async () => undefined }, { maxEvents: 10_000, invocationsPerMinute: 1_000_000, deadline: Number.MAX_SAFE_INTEGER });
  return { kv, invoker, deps, parking, replay };
}

const count = (inv: FakeInvoker) => {
  const m = new Map<string, number>();
  for (const i of inv.accepted) for (const e of i.events) m.set(`${i.route}|${e.id}`, (m.get(`${i.route}|${e.id}`) ?? 0) + 1);
  return m;
};

describe('deliver', () => {
  it('fans out to every matching route, once', async () => {
    const { deps, invoker } = setup();
    const r = await deliver([envelope('a', { componentType: 'Login' }), envelope('b', { componentType: 'Email' })], meta, deps);
    expect(r.forwarded).toEqual({ audit: 2, security: 1 });
    expect(invoker.accepted.map((i) => i.route).sort()).toEqual(['audit', 'security']);
  });
  it.each(['429', '500', '502', 'network', 'timeout'] as Fault[])('parks after a failed retry (%s) and answers accepted', async (fault) => {
    const { deps, invoker, parking } = setup();
    invoker.fault = () => fault;
    const r = await deliver([envelope('a')], meta, deps);
    expect(r).toMatchObject({ parked: 1, parkFailed: 0 });
    expect(invoker.invocations).toHaveLength(2);
    const parked = [];
    for await (const rec of parking.scan()) parked.push(rec);
    expect(parked).toEqual([expect.objectContaining({ route: 'audit', attempts: 2, reason: expect.any(String), payload: expect.objectContaining({ action: 'p/audit' }) })]);
  });
  it('parks under the events\' own stream, not the receiver\'s (an observability event delivered to the notification receiver)', async () => {
    const { deps, invoker, parking } = setup();
    const r0 = parseRoutes({ routes: [{ name: 'ops', match: { stream: 'observability' }, action: 'p/ops' }] });
    if (!r0.ok) throw new Error(r0.errors.join());
    invoker.fault = () => '503';
    await deliver([envelope('o', { stream: 'observability' })], { ...meta, stream: 'notification' }, { ...deps, routes: r0.value });
    const parked = [];
    for await (const rec of parking.scan()) parked.push(rec);
    expect(parked.map((p) => p.stream)).toEqual(['observability']);
  });
  it('one of three routes failing: the others are forwarded, that one parked', async () => {
    const { deps, invoker } = setup();
    invoker.fault = (action) => (action === 'p/siem' ? '500' : 'ok');
    const r = await deliver([envelope('a', { componentType: 'Login' }), envelope('l', { stream: 'lead-activity' })], meta, deps);
    expect(r.forwarded).toEqual({ audit: 1, leads: 1 });
    expect(r.parked).toBe(1);
    expect(r.failures).toEqual([{ route: 'security', reason: 'HTTP 500', events: 1 }]);
  });
  it('parking failing too: parkFailed (the receiver answers 503)', async () => {
    const { deps, invoker, kv } = setup();
    invoker.fault = () => '500';
    kv.failing.add('put');
    const r = await deliver([envelope('a')], meta, deps);
    expect(r.parkFailed).toBe(1);
  });
  it('state store down: nothing forwarded, claimFailed (the receiver answers 503), never a duplicate', async () => {
    const { deps, invoker, kv } = setup();
    kv.failAll(true);
    const r = await deliver([envelope('a')], meta, deps);
    expect(r).toMatchObject({ claimFailed: 1, duplicates: 0, dedupeUnavailable: 0, forwarded: {} });
    expect(invoker.invocations).toHaveLength(0);
    kv.failAll(false);
    expect(await deliver([envelope('a')], meta, deps)).toMatchObject({ forwarded: { audit: 1 }, claimFailed: 0 });
  });
  it('state store down with DEDUPE_UNAVAILABLE=forward: forwards anyway and counts it', async () => {
    const { deps, invoker, kv } = setup();
    kv.failAll(true);
    const r = await deliver([envelope('a')], meta, { ...deps, dedupeUnavailable: 'forward' });
    expect(r).toMatchObject({ dedupeUnavailable: 1, claimFailed: 0, forwarded: { audit: 1 } });
    expect(invoker.accepted).toHaveLength(1);
  });
  it('a redelivery forwards nothing again', async () => {
    const { deps, invoker } = setup();
    const events = [envelope('a', { componentType: 'Login' }), envelope('b')];
    await deliver(events, meta, deps);
    const again = await deliver(events, { ...meta, deliveryId: 'd2', retryCount: 1 }, deps);
    expect(again).toMatchObject({ duplicates: 3, forwarded: {} });
    expect([...count(invoker).values()].every((n) => n === 1)).toBe(true);
  });
  it('a redelivery after a partial failure forwards only the missing route', async () => {
    const { deps, invoker, kv } = setup();
    invoker.fault = (action) => (action === 'p/siem' ? '500' : 'ok');
    kv.failing.add('put');
    const events = [envelope('a', { componentType: 'Login' })];
    expect((await deliver(events, meta, deps)).parkFailed).toBe(1);
    kv.failing.delete('put');
    invoker.fault = () => 'ok';
    const again = await deliver(events, { ...meta, retryCount: 1 }, deps);
    expect(again.forwarded).toEqual({ security: 1 });
    expect(count(invoker)).toEqual(new Map([['audit|a', 1], ['security|a', 1]]));
  });
  it('the legacy and I/O copies of one activity are forwarded once per route', async () => {
    const { deps, invoker } = setup();
    const legacy = envelope('guid-1', { stream: 'lead-activity', transport: 'legacy-push' });
    const io = envelope('guid-1', { stream: 'lead-activity', transport: 'io-events' });
    await deliver([legacy], { ...meta, stream: 'lead-activity', transport: 'legacy-push' }, deps);
    await deliver([io], { ...meta, stream: 'lead-activity' }, deps);
    await deliver([legacy, io], { ...meta, stream: 'lead-activity' }, deps);
    expect(count(invoker)).toEqual(new Map([['leads|guid-1', 1]]));
  });
});

describe('replay', () => {
  it('drains parked events oldest first, removes them, and is idempotent', async () => {
    const { deps, invoker, parking, replay } = setup();
    invoker.fault = () => '500';
    for (const id of ['first', 'second', 'third']) await deliver([envelope(id)], meta, deps);
    expect(await parking.count()).toBe(3);
    invoker.fault = () => 'ok';
    const before = invoker.accepted.length;
    const report = await replay();
    expect(report).toMatchObject({ records: 3, replayed: 3, removed: 3, failed: 0, stoppedBy: 'drained' });
    expect(invoker.accepted.slice(before).map((i) => i.events[0].id)).toEqual(['first', 'second', 'third']);
    expect(await parking.count()).toBe(0);
    expect((await replay()).replayed).toBe(0);
  });
  it('skips what a redelivery already handed off, and leaves still-failing records for later', async () => {
    const { deps, invoker, parking, replay } = setup();
    invoker.fault = (a) => (a === 'p/siem' ? '500' : 'ok');
    const events = [envelope('x', { componentType: 'Login' })];
    await deliver(events, meta, deps);
    const r1 = await replay();
    expect(r1).toMatchObject({ removed: 0, failed: 1, deadLettered: 0 });
    const [rec] = await (async () => { const out = []; for await (const r of parking.scan()) out.push(r); return out; })();
    expect(rec.attempts).toBe(3);
    invoker.fault = () => 'ok';
    await deliver(events, { ...meta, retryCount: 1 }, deps);
    const r2 = await replay();
    expect(r2).toMatchObject({ duplicates: 1, replayed: 0, removed: 1 });
    expect(count(invoker).get('security|x')).toBe(1);
  });
  it('stops at maxEvents and paces within the invocation rate', async () => {
    const { deps, invoker, parking } = setup();
    invoker.fault = () => '500';
    for (let i = 0; i < 5; i++) await deliver([envelope(`e${i}`)], meta, deps);
    invoker.fault = () => 'ok';
    const sleeps: number[] = [];
    const report = await replayParked(
      { parking, dedupe: deps.dedupe, invoker, routes: deps.routes, log: silentLog(), forward: { concurrency: 1, timeoutMs: 50, maxParamBytes: 1_000_000 }, sleep: async (ms) => void sleeps.push(ms) },
      { maxEvents: 3, invocationsPerMinute: 60, deadline: Number.MAX_SAFE_INTEGER },
    );
    expect(report).toMatchObject({ records: 3, stoppedBy: 'max-events' });
    expect(sleeps.every((ms) => ms > 900 && ms <= 1000)).toBe(true);
  });
});

describe('property: nothing lost, nothing doubled while the store is up', () => {
  const faults: Fault[] = ['ok', 'ok', 'ok', '429', '500', 'network', 'timeout'];
  it('every accepted event reaches every matching route; exactly once with the store up', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            events: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 6 }),
            faultSeed: fc.array(fc.constantFrom(...faults), { minLength: 8, maxLength: 8 }),
            redeliver: fc.boolean(),
            storeDown: fc.boolean(),
            parkingDown: fc.boolean(),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        async (deliveries) => {
          const { deps, invoker, kv, replay } = setup();
          let storeWasDown = false;
          const expected = new Set<string>();
          for (const d of deliveries) {
            // an id always names the same event: its kind follows from it
            const events = d.events.map((id) =>
              envelope(`ev${id}`, id % 3 === 0 ? { stream: 'lead-activity' } : { componentType: id % 3 === 1 ? 'Login' : 'Email' }),
            );
            let n = 0;
            invoker.fault = () => d.faultSeed[n++ % d.faultSeed.length];
            if (d.storeDown) {
              kv.failAll(true);
              storeWasDown = true;
            } else if (d.parkingDown) kv.failing.add('put');
            let report = await deliver(events, meta, deps);
            kv.failAll(false);
            // the sender retries a 503 (parkFailed) until accepted
            const retryLater = (r: typeof report) => r.parkFailed + r.claimFailed + r.pending > 0;
            for (let attempt = 0; retryLater(report) && attempt < 5; attempt++) report = await deliver(events, { ...meta, retryCount: attempt + 1 }, deps);
            if (retryLater(report)) {
              invoker.fault = () => 'ok';
              await deliver(events, meta, deps);
            }
            for (const e of events) for (const r of deps.routes.routes) if (r.test(e)) expected.add(`${r.name}|${e.id}`);
            if (d.redeliver) {
              invoker.fault = () => 'ok';
              await deliver(events, { ...meta, retryCount: 1 }, deps);
            }
          }
          invoker.fault = () => 'ok';
          await replay();
          const got = count(invoker);
          for (const key of expected) expect(got.get(key) ?? 0).toBeGreaterThanOrEqual(1);
          if (!storeWasDown) for (const key of expected) expect(got.get(key)).toBe(1);
          for (const key of got.keys()) expect(expected.has(key)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});
