/**
 * Cheap counters for the status action. Each request adds to an in-memory
 * record (synchronous, cannot fail the request); the container writes its
 * record at most every `flushIntervalMs`, bounded by a short timeout, errors
 * swallowed (the deltas stay for the next flush). Counts a request adds inside
 * the interval are written when it ends, by a timer (in Runtime it runs while
 * the container runs: at the latest with the container's next activation).
 * A process that stops on purpose (the local runtime, which plays every action's
 * container in one process) writes what every recorder still holds first:
 * `flushPendingStats`. Writes of one recorder are serialized, so a later write
 * (with more counts) never lands before an earlier one.
 *
 * Layout for aio-lib-state (no compare-and-set, 200,000 keys): one key per
 * container and hour, `stats-<yyyymmddhh>-<containerId>`, written only by that
 * container, so no update is ever lost; kept 48 h.
 *
 * Requests refused as unauthenticated (401: no valid signature or token) are
 * counted apart from the deliveries: anyone can send them, so they must not
 * move the failure rate that stands for what Adobe and Marketo see fail.
 * Every map keyed by request data (route, reason) has no prototype. A
 * munchkinId counts under its instance only when it has Marketo's shape
 * (src/envelope/munchkin.ts): any other — `__proto__`, 600,000 characters —
 * under the one bucket `invalid`. A record keeps at most MAX_INSTANCES
 * instances per stream: once it holds that many, a new instance takes the
 * place of the smallest when it brings at least as many events (the smallest
 * is added to the `other` bucket), else its events go to `other`; so every
 * event stays counted, the busiest instances keep their names, and the record
 * stays a few KB (aio-lib-state refuses values over 1 MB).
 */
import { randomBytes } from 'node:crypto';
import type { Stream } from '../envelope/envelope';
import { hourKey as hourOf } from '../envelope/time';
import type { KeyValueStore } from '../stores/kv';
import { INVALID_MUNCHKIN, munchkinKey } from '../envelope/munchkin';

export interface RequestRecord {
  stream: Stream;
  at: number;
  status: number;
  outcome: 'accepted' | 'challenge' | 'rejected' | 'retryLater';
  reason?: string;
  message?: string;
  events: number;
  /** accepted events per munchkinId as sent (countRequest buckets them) */
  munchkinIds: Record<string, number>;
  lastEventTime?: string;
  forwarded?: Record<string, number>;
  duplicates?: number;
  parked?: number;
  quarantined?: number;
  unrouted?: number;
  /** events forwarded without idempotency (the dedupe store failed) */
  dedupeUnavailable?: number;
  /** a Marketo legacy push (Marketo pauses the stream after its retries of a failed push) */
  pushed?: boolean;
}

export interface StreamCounters {
  /** authenticated requests (and failures before authentication other than 401) */
  requests: number;
  failedRequests: number;
  /** requests refused 401 (no valid signature or token): not deliveries Adobe or Marketo made */
  unauthenticated: number;
  accepted: number;
  rejected: Record<string, number>;
  forwarded: Record<string, number>;
  duplicates: number;
  parked: number;
  quarantined: number;
  unrouted: number;
  /** events forwarded without idempotency (the dedupe store failed) */
  dedupeUnavailable: number;
  lastEventAt?: string;
  lastRequestAt?: string;
  lastError?: { time: string; code: string; message: string };
  /** accepted events per instance: Marketo-shaped munchkinIds (upper case), `invalid` and `other` (see above) */
  munchkin: Record<string, InstanceCount>;
  /** Marketo's legacy pushes: the last one answered 200, and the last one that failed (401s aside) */
  push?: { lastOkAt?: string; lastFailedAt?: string; lastFailure?: string };
  /** requests and failures per 5-minute slot of the hour ("0".."11") */
  slots: Record<string, { requests: number; failed: number; unauthenticated?: number }>;
}

export interface InstanceCount {
  accepted: number;
  lastEventAt?: string;
}

export interface StatsHour {
  hour: string;
  container: string;
  streams: Partial<Record<Stream, StreamCounters>>;
  /** per destination (names from DESTINATIONS, so as many as configured): what the destination action did */
  destinations?: Record<string, DestinationCounters>;
}

/** One activation of the destination action, for one destination. */
export interface DestinationRecord {
  destination: string;
  at: number;
  delivered: number;
  /** left parked for a replay */
  parked: number;
  /** rejected by the destination (dead-lettered) */
  failed: number;
  /** the last reason events were not delivered */
  lastError?: string;
}

export interface DestinationCounters {
  delivered: number;
  parked: number;
  failed: number;
  lastDeliveredAt?: string;
  lastError?: { time: string; message: string };
}

export const emptyDestinationCounters = (): DestinationCounters => ({ delivered: 0, parked: 0, failed: 0 });

export function countDestination(c: DestinationCounters, r: DestinationRecord): void {
  const time = new Date(r.at).toISOString();
  c.delivered += r.delivered;
  c.parked += r.parked;
  c.failed += r.failed;
  if (r.delivered > 0) c.lastDeliveredAt = later(c.lastDeliveredAt, time);
  if (r.lastError !== undefined && (!c.lastError || time >= c.lastError.time)) c.lastError = { time, message: r.lastError.slice(0, 200) };
}

export function mergeDestinationCounters(into: DestinationCounters, from: DestinationCounters): void {
  into.delivered += from.delivered;
  into.parked += from.parked;
  into.failed += from.failed;
  into.lastDeliveredAt = later(into.lastDeliveredAt, from.lastDeliveredAt);
  if (from.lastError && (!into.lastError || from.lastError.time > into.lastError.time)) into.lastError = from.lastError;
}

export const STATS_PREFIX = 'stats-';
/** The instances a stats record names per stream (besides `invalid` and `other`). */
export const MAX_INSTANCES = 100;
/** The bucket of the instances a record had no room to name. */
export const OTHER_INSTANCES = 'other';
/** `invalid` and `other`: buckets, not instances (neither has Marketo's shape). */
export const isInstanceBucket = (key: string): boolean => key === INVALID_MUNCHKIN || key === OTHER_INSTANCES;
/** A stored record's instance key as counted now: a record written before munchkinIds were checked may name anything. */
export const storedInstance = (key: string): string => (isInstanceBucket(key) ? key : munchkinKey(key));
const TTL_SECONDS = 48 * 3600;

/** A map keyed by data from requests: no prototype, so no key is special. */
export const dict = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

const emptyCounters = (): StreamCounters => ({ requests: 0, failedRequests: 0, unauthenticated: 0, accepted: 0, rejected: dict(), forwarded: dict(), duplicates: 0, parked: 0, quarantined: 0, unrouted: 0, dedupeUnavailable: 0, munchkin: dict(), slots: dict() });
/** 401: the request proved no identity. */
export const isUnauthenticated = (r: Pick<RequestRecord, 'status'>): boolean => r.status === 401;
const add = (to: Record<string, number>, from: Record<string, number> = {}): void => {
  for (const [k, n] of Object.entries(from)) to[k] = (to[k] ?? 0) + n;
};
const later = (a?: string, b?: string): string | undefined => (!a ? b : !b ? a : a > b ? a : b);

/** Adds one request to a stream's counters. */
export function countRequest(c: StreamCounters, r: RequestRecord): void {
  const failed = r.outcome === 'rejected' || r.outcome === 'retryLater';
  const slot = String(Math.floor(new Date(r.at).getUTCMinutes() / 5));
  const s = (c.slots[slot] ??= { requests: 0, failed: 0 });
  c.lastRequestAt = new Date(r.at).toISOString();
  if (isUnauthenticated(r)) {
    c.unauthenticated = (c.unauthenticated ?? 0) + 1;
    s.unauthenticated = (s.unauthenticated ?? 0) + 1;
    const code = `${r.status} ${r.reason ?? 'error'}`;
    c.rejected[code] = (c.rejected[code] ?? 0) + 1;
    return;
  }
  c.requests++;
  s.requests++;
  if (r.pushed && (failed || r.outcome === 'accepted')) {
    const p = (c.push ??= {});
    if (failed) [p.lastFailedAt, p.lastFailure] = [new Date(r.at).toISOString(), `${r.status} ${r.reason ?? 'error'}`];
    else p.lastOkAt = new Date(r.at).toISOString();
  }
  if (failed) s.failed++;
  if (failed) {
    c.failedRequests++;
    const code = `${r.status} ${r.reason ?? 'error'}`;
    c.rejected[code] = (c.rejected[code] ?? 0) + 1;
    c.lastError = { time: new Date(r.at).toISOString(), code: r.reason ?? String(r.status), message: (r.message ?? '').slice(0, 200) };
    return;
  }
  if (r.outcome !== 'accepted') return;
  c.accepted += r.events;
  add(c.forwarded, r.forwarded);
  c.duplicates += r.duplicates ?? 0;
  c.parked += r.parked ?? 0;
  c.quarantined += r.quarantined ?? 0;
  c.unrouted += r.unrouted ?? 0;
  c.dedupeUnavailable += r.dedupeUnavailable ?? 0;
  if (r.events > 0) c.lastEventAt = later(c.lastEventAt, new Date(r.at).toISOString());
  for (const [m, n] of Object.entries(r.munchkinIds)) {
    const mc = instanceSlot(c.munchkin, munchkinKey(m), n);
    mc.accepted += n;
    mc.lastEventAt = later(mc.lastEventAt, new Date(r.at).toISOString());
  }
}

/** Adds `from` to `into` (both counts of the same instance or bucket). */
function addCount(into: InstanceCount, from: InstanceCount): void {
  into.accepted += from.accepted;
  into.lastEventAt = later(into.lastEventAt, from.lastEventAt);
}

/** Where `n` events of `key` are counted in a record: its own entry, or `other` when MAX_INSTANCES are named (see above). */
function instanceSlot(counts: Record<string, InstanceCount>, key: string, n: number): InstanceCount {
  const own = counts[key];
  if (own) return own;
  if (isInstanceBucket(key)) return (counts[key] = { accepted: 0 });
  let named = 0;
  let smallest: string | undefined;
  for (const k in counts) {
    if (isInstanceBucket(k)) continue;
    named++;
    if (smallest === undefined || counts[k].accepted < counts[smallest].accepted) smallest = k;
  }
  if (named < MAX_INSTANCES) return (counts[key] = { accepted: 0 });
  const other = (counts[OTHER_INSTANCES] ??= { accepted: 0 });
  if (smallest === undefined || counts[smallest].accepted > n) return other;
  addCount(other, counts[smallest]);
  delete counts[smallest];
  return (counts[key] = { accepted: 0 });
}

/** Sums counters (across containers and hours). */
export function mergeCounters(into: StreamCounters, from: StreamCounters): void {
  into.requests += from.requests;
  into.failedRequests += from.failedRequests;
  into.unauthenticated += from.unauthenticated ?? 0;
  into.accepted += from.accepted;
  add(into.rejected, from.rejected);
  add(into.forwarded, from.forwarded);
  into.duplicates += from.duplicates;
  into.parked += from.parked;
  into.quarantined += from.quarantined;
  into.unrouted += from.unrouted;
  into.dedupeUnavailable += from.dedupeUnavailable ?? 0;
  into.lastEventAt = later(into.lastEventAt, from.lastEventAt);
  into.lastRequestAt = later(into.lastRequestAt, from.lastRequestAt);
  if (from.lastError && (!into.lastError || from.lastError.time > into.lastError.time)) into.lastError = from.lastError;
  if (from.push) {
    const p = (into.push ??= {});
    p.lastOkAt = later(p.lastOkAt, from.push.lastOkAt);
    if (from.push.lastFailedAt && (!p.lastFailedAt || from.push.lastFailedAt > p.lastFailedAt)) [p.lastFailedAt, p.lastFailure] = [from.push.lastFailedAt, from.push.lastFailure];
  }
  // across records and hours, unbounded: the report and the console answer a page of it (src/status/instances.ts)
  for (const [m, mc] of Object.entries(from.munchkin)) addCount((into.munchkin[storedInstance(m)] ??= { accepted: 0 }), mc);
}

export { emptyCounters };

/**
 * The recorders of this process holding counts not yet written. Process-wide
 * (Symbol.for): the local runtime's actions may run from their built bundles,
 * each with its own copy of this module.
 */
const PENDING = Symbol.for('marketo-stream-relay.stats.pending');
const pendingFlushes = ((globalThis as Record<symbol, unknown>)[PENDING] ??= new Set<() => Promise<void>>()) as Set<() => Promise<void>>;

/** Writes what every recorder of this process still holds (before a deliberate stop), waiting for the writes. */
export async function flushPendingStats(): Promise<void> {
  await Promise.all([...pendingFlushes].map((f) => f()));
}

export interface StatsRecorder {
  record(r: RequestRecord): void;
  recordDestination(r: DestinationRecord): void;
  maybeFlush(): Promise<void>;
  flush(): Promise<void>;
}

export function createStatsRecorder(kv: () => Promise<KeyValueStore>, o: { containerId?: string; flushIntervalMs?: number; flushTimeoutMs?: number; now?: () => number } = {}): StatsRecorder {
  const container = o.containerId ?? randomBytes(6).toString('hex');
  const now = o.now ?? Date.now;
  const hours = new Map<string, StatsHour>();
  let lastFlush = 0;
  let trailing: ReturnType<typeof setTimeout> | undefined;
  let flushing: Promise<void> | undefined;

  /** counts were recorded since the last write began */
  let dirty = false;
  async function writeOnce(): Promise<void> {
    dirty = false;
    try {
      const store = await kv();
      for (const [hour, rec] of [...hours]) {
        await store.put(`${STATS_PREFIX}${hour}-${container}`, JSON.stringify(rec), TTL_SECONDS);
        if (hour !== hourOf(now())) hours.delete(hour);
      }
    } catch (err) {
      dirty = true;
      throw err;
    } finally {
      if (!dirty) pendingFlushes.delete(flushAtExit);
    }
  }
  let writes: Promise<void> = Promise.resolve();
  const write = (): Promise<void> => (writes = writes.catch(() => undefined).then(writeOnce));
  /** every count, written in full: no timer left, no timeout raced */
  async function flushAtExit(): Promise<void> {
    if (trailing) clearTimeout(trailing);
    trailing = undefined;
    lastFlush = now();
    await write().catch(() => undefined);
  }

  const hourRecord = (at: number): StatsHour => {
    const hour = hourOf(at);
    const rec = hours.get(hour) ?? { hour, container, streams: {} };
    hours.set(hour, rec);
    return rec;
  };

  let next: Promise<void> | undefined;
  // a flush asked for while one is writing gets one more write after it: counts recorded
  // during a write are not in it, and the container may get no request after this one
  const flush = async (): Promise<void> => {
    lastFlush = now();
    if (flushing) {
      next ??= flushing.then(() => {
        next = undefined;
        return flush();
      });
      return next;
    }
    flushing = Promise.race([write(), new Promise<void>((r) => setTimeout(r, o.flushTimeoutMs ?? 300).unref())])
      .catch(() => undefined)
      .finally(() => (flushing = undefined));
    return flushing;
  };

  return {
    record(r) {
      countRequest((hourRecord(r.at).streams[r.stream] ??= emptyCounters()), r);
      dirty = true;
      pendingFlushes.add(flushAtExit);
    },
    recordDestination(r) {
      const rec = hourRecord(r.at);
      countDestination(((rec.destinations ??= dict())[r.destination] ??= emptyDestinationCounters()), r);
      dirty = true;
      pendingFlushes.add(flushAtExit);
    },
    maybeFlush() {
      const wait = (o.flushIntervalMs ?? 10_000) - (now() - lastFlush);
      if (wait <= 0) return flush();
      // the counts of a container's last requests must not wait for a next request that may never come
      trailing ??= setTimeout(() => {
        trailing = undefined;
        void flush();
      }, wait);
      trailing.unref?.();
      return Promise.resolve();
    },
    flush,
  };
}
