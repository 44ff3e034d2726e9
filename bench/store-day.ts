/**
 * P5: one simulated day of a busy instance through the idempotency and parking
 * stores: lead activities in 500-activity pushes, User Audit and Notification
 * batches, Marketo retries and Adobe redeliveries, 1 % of hand-offs failing
 * (parked, replayed every 5 simulated minutes). Once for aio-lib-state (its HTTP
 * calls faked, keys, bytes and value sizes counted on a simulated clock) and
 * once for Redis (a real redis-server).
 */
import { spawnSync } from 'node:child_process';
import type { Envelope, Stream } from '../src/envelope/envelope';
import { deliver, type ParkedPayload } from '../src/delivery/deliver';
import type { InvokeResult, Invoker } from '../src/delivery/invoker';
import { replayParked } from '../src/delivery/replay';
import { defaultRouteTable } from '../src/delivery/routes';
import { silentLog } from '../src/log';
import { openDedupeStore } from '../src/stores/open-dedupe';
import type { KeyValueStore } from '../src/stores/kv';
import { openRecordStore } from '../src/stores/records';
import { createRedisKv } from '../src/stores/redis-kv';
import { createStateKv } from '../src/stores/state-kv';
import { FakeStateService, fakeStateClient } from '../test/support/fake-state';
import { hasRedisServer, startRedis } from '../test/support/redis-server';

const DAY = 86_400_000;
const START = Date.parse('2026-03-02T00:00:00Z');

export interface StoreDayResult {
  store: string;
  leadEvents: number;
  otherEvents: number;
  deliveries: number;
  duplicatesSkipped: number;
  forwarded: number;
  parked: number;
  replayed: number;
  keysAfterDay: number;
  keysSteady7Days: number;
  avgBytesPerSecond: number;
  peakBytesPerMinute: number;
  /** the largest value written (parked records included) */
  maxValueBytes: number;
  /** the largest idempotency bucket value */
  maxDedupeValueBytes: number;
  wallSeconds: number;
}

const envelope = (id: string, stream: Stream, time: number): Envelope => ({
  id,
  stream,
  type: stream === 'lead-activity' ? 'com.adobe.platform.marketo.activity.standard.openemail' : `com.adobe.platform.marketo.${stream === 'notification' ? 'notification.campaign_failure' : 'audit.user.email'}`,
  source: 'urn:mlm',
  time: new Date(time).toISOString(),
  munchkinId: '111-AAA-222',
  transport: 'io-events',
  receivedAt: new Date(time).toISOString(),
  data: {},
});

/** An invoker that throttles 2 invocations in every 100 (a first attempt and its retry: those events are parked). */
function sometimesThrottled(): Invoker & { calls: number } {
  const inv = {
    calls: 0,
    async invoke(): Promise<InvokeResult> {
      inv.calls++;
      return inv.calls % 100 < 2 ? { ok: false, retryable: true, status: 429, reason: 'HTTP 429' } : { ok: true, activationId: 'a'.repeat(32) };
    },
  };
  return inv;
}

export async function simulateDay(kv: KeyValueStore, o: { leadEvents: number; clock: { t: number }; name: string; countKeys: () => Promise<number> }): Promise<Omit<StoreDayResult, 'avgBytesPerSecond' | 'peakBytesPerMinute' | 'maxValueBytes' | 'maxDedupeValueBytes' | 'keysSteady7Days'>> {
  const wall = Date.now();
  const dedupe = openDedupeStore(kv, { ttlSeconds: 7 * 24 * 3600, now: () => o.clock.t });
  const parking = openRecordStore<ParkedPayload>(kv, { prefix: 'park', ttlSeconds: 7 * 24 * 3600, now: () => o.clock.t });
  const invoker = sometimesThrottled();
  const routes = defaultRouteTable({ 'user-audit': 'p/audit', notification: 'p/notify', 'lead-activity': 'p/leads' });
  const forward = { concurrency: 4, timeoutMs: 1000, maxParamBytes: 1_000_000, deadline: Number.MAX_SAFE_INTEGER, retryDelayMs: 0 };
  const pushes = Math.ceil(o.leadEvents / 500);
  const r = { store: o.name, leadEvents: 0, otherEvents: 0, deliveries: 0, duplicatesSkipped: 0, forwarded: 0, parked: 0, replayed: 0, keysAfterDay: 0, wallSeconds: 0 };
  let lastReplay = START;
  let previous: Envelope[] = [];
  const send = async (events: Envelope[], stream: Stream) => {
    const rep = await deliver(events, { stream, transport: 'io-events', deliveryId: `d${r.deliveries}` }, { routes, invoker, dedupe, parking, log: silentLog(), forward });
    r.deliveries++;
    r.duplicatesSkipped += rep.duplicates;
    r.parked += rep.parked;
    r.forwarded += Object.values(rep.forwarded).reduce((a, b) => a + b, 0);
  };
  for (let p = 0; p < pushes; p++) {
    o.clock.t = START + Math.floor((p / pushes) * DAY);
    const batch = Array.from({ length: 500 }, (_, i) => envelope(`guid-${p}-${i}`, 'lead-activity', o.clock.t - 2000 + i));
    r.leadEvents += batch.length;
    await send(batch, 'lead-activity');
    if (p % 50 === 7) await send(batch, 'lead-activity'); // Marketo retried a push it saw fail
    if (p % 10 === 0) {
      // about 10 audit and 1 notification delivery per 10 pushes, 3 % of them redelivered
      const audit = Array.from({ length: 10 }, (_, i) => envelope(`audit-${p}-${i}`, 'user-audit', o.clock.t));
      const notes = [envelope(`note-${p}`, 'notification', o.clock.t)];
      r.otherEvents += 11;
      await send(audit, 'user-audit');
      await send(notes, 'notification');
      if (p % 300 === 0 && previous.length) await send(previous, 'user-audit');
      previous = audit;
    }
    if (o.clock.t - lastReplay >= 5 * 60_000) {
      lastReplay = o.clock.t;
      const rep = await replayParked({ parking, dedupe, invoker, routes, log: silentLog(), forward, sleep: async () => undefined, now: () => o.clock.t }, { maxEvents: 10_000, invocationsPerMinute: 1e9, deadline: Number.MAX_SAFE_INTEGER });
      r.replayed += rep.replayed;
    }
  }
  r.keysAfterDay = await o.countKeys();
  r.wallSeconds = (Date.now() - wall) / 1000;
  return r;
}

export async function runStoreDay(leadEvents: number): Promise<StoreDayResult[]> {
  const results: StoreDayResult[] = [];
  const clock = { t: START };
  const service = new FakeStateService(() => clock.t);
  const state = createStateKv(async () => fakeStateClient(service));
  const s = await simulateDay(state, { leadEvents, clock, name: 'aio-lib-state (grouped)', countKeys: async () => service.data.size });
  const ddKeys = [...service.data.keys()].filter((k) => k.startsWith('dd-')).length;
  results.push({
    ...s,
    keysSteady7Days: service.data.size - ddKeys + ddKeys * 7,
    avgBytesPerSecond: (service.stats.bytesIn + service.stats.bytesOut) / (DAY / 1000),
    peakBytesPerMinute: Math.max(...service.stats.bytesByMinute.values()),
    maxValueBytes: service.stats.maxValueBytes,
    maxDedupeValueBytes: Math.max(...[...service.data].filter(([k]) => k.startsWith('dd-')).map(([, e]) => e.v.length)),
  });
  if (hasRedisServer()) {
    const redis = await startRedis();
    const kv = createRedisKv(redis.url);
    const rd = await simulateDay(kv, { leadEvents, clock, name: 'Redis (key per event)', countKeys: async () => { let n = 0; for await (const k of kv.keys('')) { void k; n++; } return n; } });
    const info = spawnSync('redis-cli', ['-u', redis.url, 'info', 'memory'], { encoding: 'utf8' }).stdout ?? '';
    const used = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
    results.push({ ...rd, keysSteady7Days: rd.keysAfterDay * 7, avgBytesPerSecond: NaN, peakBytesPerMinute: NaN, maxValueBytes: used, maxDedupeValueBytes: 1 });
    await kv.close?.();
    await redis.stop();
  }
  return results;
}
