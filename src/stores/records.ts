/**
 * Durable records: the PARKING store (events whose hand-off failed, re-driven
 * by replay) and the DEAD-LETTER store (lead activities that could not be
 * normalized), on the same key-value store as the idempotency records.
 *
 * Runtime backend: aio-lib-state, not aio-lib-files — aio-lib-files pulls
 * @azure/storage-blob into every bundle, and its list() returns only the first
 * 1,000 entries. Layout: `<prefix>-<yyyymmddhh>-<13-digit ms>-<random>`, so keys
 * sort by time (then by arrival within this process) and a scan lists one hour at a time, oldest first, starting from
 * a hint of the oldest hour that still holds records — never the whole store.
 *
 * Index: adding a record also writes a marker `<prefix>.h.<yyyymmddhh>`; a scan
 * lists only the hours that have one (a marker costs one get, a listing is a
 * walk of the key space on the file store and Redis). With nothing parked, a
 * replay run reads the hint and one or two markers: milliseconds, whatever the
 * store holds. A marker is dropped when its hour is found empty, except for the
 * current and previous hour (records are still being added there).
 * Records written without markers (by a version before the index) are found by
 * one listing of the prefix, the first time a scan meets a store that does not
 * say `<prefix>.indexed` = `all`: it marks the hours it finds, so even that first
 * scan lists once plus once per hour holding records — never every hour of the
 * TTL (170 listings, 99 s on a 299,000-file store, before).
 *
 * A record that cannot be read or parsed is reported through `onError` and
 * skipped, never fatal to the scan.
 */
import { randomBytes } from 'node:crypto';
import { hourKey as hourOf, hourKeyStart as hourStart } from '../envelope/time';
import { isSafeKey, type KeyValueStore } from './kv';

export interface StoredRecord<T> {
  id: string;
  storedAt: string;
  attempts: number;
  reason: string;
  route?: string;
  stream?: string;
  payload: T;
}

export interface ScanOptions {
  limit?: number;
  route?: string;
  stream?: string;
  /** ISO time: records stored at or after it */
  since?: string;
  /** told about a record that could not be read or parsed (it is skipped) */
  onError?: (op: string, err: unknown, id?: string) => void;
}

export interface RecordStore<T> {
  add(rec: Omit<StoredRecord<T>, 'id' | 'storedAt'> & { storedAt?: string }): Promise<StoredRecord<T>>;
  scan(opts?: ScanOptions): AsyncIterable<StoredRecord<T>>;
  /** whether `id` can name one of this store's records: its prefix, and a key every store takes (src/stores/kv.ts) */
  holds(id: string): boolean;
  /** the record, or undefined (an id the store cannot hold is never looked up) */
  get(id: string): Promise<StoredRecord<T> | undefined>;
  update(rec: StoredRecord<T>): Promise<void>;
  /** deletes the record; an id the store cannot hold is nothing to delete */
  remove(id: string): Promise<void>;
  count(opts?: { maxScan?: number }): Promise<number>;
  /** how many records there are and when the oldest and newest were stored: from their keys alone, no record read */
  census(opts?: { maxScan?: number }): Promise<RecordCensus>;
  /** when a record expires: its `storedAt` plus the store's retention (an update keeps it) */
  expiresAt(rec: Pick<StoredRecord<T>, 'storedAt'>): string;
}

export interface RecordCensus {
  count: number;
  /** ISO times; absent when there is no record */
  oldestStoredAt?: string;
  newestStoredAt?: string;
}

const HOUR = 3_600_000;
/** the value of `<prefix>.indexed` once every hour holding records has its marker */
const ALL_HOURS_INDEXED = 'all';
/** orders records added within one millisecond by this process */
let sequence = 0;
const MAX_VALUE = 900_000;


/** Splits a payload with an `events` array into values that fit the store's value limit. */
function splitPayload<T>(payload: T): T[] {
  const events = (payload as { events?: unknown[] }).events;
  if (!Array.isArray(events) || events.length < 2 || Buffer.byteLength(JSON.stringify(payload)) <= MAX_VALUE) return [payload];
  const half = Math.ceil(events.length / 2);
  return [...splitPayload({ ...payload, events: events.slice(0, half) }), ...splitPayload({ ...payload, events: events.slice(half) })];
}

export function openRecordStore<T>(kv: KeyValueStore, o: { prefix: string; ttlSeconds: number; now?: () => number }): RecordStore<T> {
  const now = o.now ?? Date.now;
  const hintKey = `${o.prefix}.oldest`;
  const expiryMs = (storedAt: string): number => Date.parse(storedAt) + o.ttlSeconds * 1000;
  // a record expires its retention after it was stored, however often it is updated (replay attempts):
  // when it expires is a function of what is stored, so what status says about it is true
  const put = (rec: StoredRecord<T>): Promise<void> => {
    const left = Math.ceil((expiryMs(rec.storedAt) - now()) / 1000);
    return kv.put(rec.id, JSON.stringify(rec), Number.isFinite(left) ? Math.min(o.ttlSeconds, Math.max(1, left)) : o.ttlSeconds);
  };
  /** the storedAt a key was written with: `<prefix>-<yyyymmddhh>-<13-digit ms>-…` */
  const storedMsOfKey = (key: string): number => Number(key.slice(o.prefix.length + 12, o.prefix.length + 25));
  const holds = (id: string): boolean => id.startsWith(`${o.prefix}-`) && isSafeKey(id);

  async function firstHour(): Promise<number> {
    const earliest = now() - o.ttlSeconds * 1000 - HOUR;
    const hint = await kv.get(hintKey);
    const fromHint = hint ? hourStart(hint) : NaN;
    return Number.isFinite(fromHint) && fromHint > earliest ? fromHint : earliest - (earliest % HOUR);
  }

  const markerKey = (hour: string): string => `${o.prefix}.h.${hour}`;
  const indexedKey = `${o.prefix}.indexed`;
  const marked = new Set<string>();
  async function mark(hour: string): Promise<void> {
    if (marked.has(hour)) return;
    await kv.put(markerKey(hour), '1', o.ttlSeconds + 2 * 3600);
    marked.add(hour);
  }
  /**
   * Every hour that holds records has a marker: once per store, one listing of the
   * prefix marks the hours of the records it finds (any written without a marker),
   * and the hint starts at the oldest of them.
   */
  async function indexAll(): Promise<void> {
    if ((await kv.get(indexedKey)) === ALL_HOURS_INDEXED) return;
    // a store without it holds none of the markers this process wrote either (new, or it lost its data:
    // a Redis restarted without persistence): remembering them would keep them from being written anew
    marked.clear();
    let oldest = hourOf(now());
    for await (const k of kv.keys(`${o.prefix}-`)) {
      const hour = k.slice(o.prefix.length + 1, o.prefix.length + 11);
      if (!/^\d{10}$/.test(hour)) continue;
      await mark(hour);
      if (hour < oldest) oldest = hour;
    }
    const hint = await kv.get(hintKey);
    if (!hint || hint > oldest) await kv.put(hintKey, oldest, o.ttlSeconds);
    await kv.put(indexedKey, ALL_HOURS_INDEXED, 10 * 365 * 24 * 3600);
  }

  async function* keysOldestFirst(): AsyncGenerator<string> {
    let hintSet = false;
    await indexAll();
    const recent = hourOf(now() - HOUR);
    for (let t = await firstHour(); t <= now(); t += HOUR) {
      const hour = hourOf(t);
      if ((await kv.get(markerKey(hour))) === undefined) continue;
      const keys: string[] = [];
      for await (const k of kv.keys(`${o.prefix}-${hour}-`)) keys.push(k);
      if (keys.length === 0 && hour < recent) {
        await kv.delete(markerKey(hour)).catch(() => undefined);
        marked.delete(hour);
      }
      if (keys.length && !hintSet) {
        hintSet = true;
        await kv.put(hintKey, hour, o.ttlSeconds).catch(() => undefined);
      }
      yield* keys.sort();
    }
    // nothing stored: later scans can start from this hour
    if (!hintSet) await kv.put(hintKey, hourOf(now()), o.ttlSeconds).catch(() => undefined);
  }

async function census(opts: { maxScan?: number } = {}): Promise<RecordCensus> {
    let count = 0;
    let oldest = Infinity;
    let newest = -Infinity;
    for await (const key of keysOldestFirst()) {
      const ms = storedMsOfKey(key);
      if (Number.isFinite(ms)) {
        oldest = Math.min(oldest, ms);
        newest = Math.max(newest, ms);
      }
      if (++count >= (opts.maxScan ?? Infinity)) break;
    }
    const iso = (ms: number): string | undefined => (Number.isFinite(ms) ? new Date(ms).toISOString() : undefined);
    return { count, ...(iso(oldest) ? { oldestStoredAt: iso(oldest) } : {}), ...(iso(newest) ? { newestStoredAt: iso(newest) } : {}) };
  }

  const parse = (raw: string, id: string, onError?: ScanOptions['onError']): StoredRecord<T> | undefined => {
    try {
      const rec = JSON.parse(raw) as StoredRecord<T>;
      if (rec && typeof rec === 'object' && rec.id && rec.payload !== undefined) return rec;
      throw new SyntaxError('not a record');
    } catch (err) {
      onError?.('parse', err, id);
      return undefined;
    }
  };

  return {
    async add(rec) {
      const storedAt = rec.storedAt ?? new Date(now()).toISOString();
      const ms = Date.parse(storedAt);
      const records = splitPayload(rec.payload).map((payload) => ({
        ...rec,
        payload,
        storedAt,
        id: `${o.prefix}-${hourOf(ms)}-${String(ms).padStart(13, '0')}-${String(sequence++ % 1e6).padStart(6, '0')}${randomBytes(4).toString('hex')}`,
      }));
      // the marker first: a record is never stored where a scan would not look
      await mark(hourOf(ms));
      await Promise.all(records.map(put));
      const hint = await kv.get(hintKey).catch(() => undefined);
      if (!hint || hint > hourOf(ms)) await kv.put(hintKey, hourOf(ms), o.ttlSeconds).catch(() => undefined);
      return records[0];
    },
    async *scan(opts = {}) {
      let yielded = 0;
      for await (const key of keysOldestFirst()) {
        if (opts.limit !== undefined && yielded >= opts.limit) return;
        let raw: string | undefined;
        try {
          raw = await kv.get(key);
        } catch (err) {
          if (!opts.onError) throw err;
          opts.onError('get', err, key);
          continue;
        }
        if (!raw) continue;
        const rec = parse(raw, key, opts.onError);
        if (!rec) continue;
        if (opts.route && rec.route !== opts.route) continue;
        if (opts.stream && rec.stream !== opts.stream) continue;
        if (opts.since && rec.storedAt < opts.since) continue;
        yielded++;
        yield rec;
      }
    },
    holds,
    async get(id) {
      if (!holds(id)) return undefined;
      const raw = await kv.get(id);
      return raw ? parse(raw, id) : undefined;
    },
    update: put,
    remove: async (id) => (holds(id) ? kv.delete(id) : undefined),
    async count(opts = {}) {
      return (await census(opts)).count;
    },
    census,
    expiresAt: (rec) => new Date(expiryMs(rec.storedAt)).toISOString(),
  };
}
