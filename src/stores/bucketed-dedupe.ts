/**
 * Idempotency records grouped for aio-lib-state's quotas (200,000 keys and
 * ≈ 1 MB/s per workspace, values ≤ 1 MB, no compare-and-set).
 *
 * Key   dd-<route hash>-<event-time bucket>-<shard>[-<part>]
 * Value fixed-width 12-character id hashes (72 bits each), concatenated
 *
 * The key count no longer grows with volume: routes × (TTL / bucket) × shards
 * (default 5-minute buckets, 1 shard, 7 days: 2,016 keys per route). A
 * redelivery carries the same event time, so a claim reads one or two buckets.
 * A value nearing `maxValueBytes` spills into part 2, 3, …
 *
 * One shard by default: every aio-lib-state call costs ≈ 9 ms of CPU (it
 * compiles a fresh Ajv schema per call), and a 500-activity push spans every
 * shard of its bucket — 4 shards made it 12 calls (claim 4 reads, commit 4
 * reads + 4 writes) for no gain in contention; 1 shard makes it 3.
 *
 * Commit is read-modify-write. Two containers committing to the same bucket at
 * the same moment can lose one update: the cost is a possible duplicate on a
 * later redelivery, never a lost event. Within a container, pending claims and
 * recent commits are remembered in memory, so concurrent redeliveries to one
 * container are still forwarded once, and a redelivery that finds its events
 * pending in this container is answered retry-later (`pending`), not duplicate.
 * Claims write nothing to the store: a crash between any two store calls
 * leaves at worst an event forwarded again, never one marked handed off. Redis (REDIS_URL) is the atomic option.
 */
import { createKeyPerEventDedupe, DEFAULT_PENDING_TTL_SECONDS, routeKeyPart, type ClaimResult, type DedupeItem, type DedupeOptions, type DedupeStore } from './dedupe';
import { hashPart, type KeyValueStore } from './kv';

const ID = 12;
const RECENT_MAX = 50_000;

/**
 * A bounded memory of keys: two generations of at most max/2 each, the older
 * dropped whole when the newer fills. (Evicting a Set's first entry one at a
 * time makes every later eviction walk the deleted slots: quadratic.)
 */
export function recentKeys(max: number): { has(k: string): boolean; add(k: string): void } {
  let current = new Set<string>();
  let previous = new Set<string>();
  return {
    has: (k) => current.has(k) || previous.has(k),
    add(k) {
      if (current.size >= max / 2) {
        previous = current;
        current = new Set();
      }
      current.add(k);
    },
  };
}

export function createBucketedDedupe(kv: KeyValueStore, o: DedupeOptions): DedupeStore {
  const now = o.now ?? Date.now;
  const bucketSeconds = o.bucketSeconds ?? 300;
  const shards = o.shards ?? 1;
  // below the store's own limit, with room to spare (a part is filled up to it before the next is started)
  const maxValue = o.maxValueBytes ?? Math.min(900_000, kv.maxValueBytes);
  const pending = new Map<string, number>();
  const recent = recentKeys(RECENT_MAX);
  // claim, commit and release of one batch hash the same ids: hash each once
  const hashCache = new Map<string, string>();
  const hashOf = (id: string): string => {
    let h = hashCache.get(id);
    if (h === undefined) {
      if (hashCache.size >= 20_000) hashCache.clear();
      hashCache.set(id, (h = hashPart(id, ID)));
    }
    return h;
  };

  const pendingTtl = o.pendingTtlSeconds ?? DEFAULT_PENDING_TTL_SECONDS;
  // events without an event time: one key each (rare)
  const single = createKeyPerEventDedupe(kv, o);
  const bucketMs = (item: DedupeItem): number | undefined => (item.time === undefined ? undefined : Date.parse(item.time));
  const bucketed = (item: DedupeItem): boolean => Number.isFinite(bucketMs(item));
  const groupKey = (route: string, item: DedupeItem, h: string): string =>
    `dd-${routeKeyPart(route)}-${Math.floor((bucketMs(item) as number) / 1000 / bucketSeconds)}-${h.charCodeAt(0) % shards}`;
  const memo = (route: string, h: string): string => `${route}\0${h}`;

  function groups<T extends DedupeItem>(route: string, items: T[]): Map<string, { item: T; h: string }[]> {
    const out = new Map<string, { item: T; h: string }[]>();
    for (const item of items) {
      const h = hashOf(item.key);
      const key = groupKey(route, item, h);
      let list = out.get(key);
      if (!list) out.set(key, (list = []));
      list.push({ item, h });
    }
    return out;
  }

  /** The parts of a group: part 1 at `key`, the spills at `key-2`, `key-3`, … */
  async function readParts(key: string): Promise<string[]> {
    const parts: string[] = [];
    for (let n = 1; ; n++) {
      const value = await kv.get(n === 1 ? key : `${key}-${n}`);
      if (value === undefined) return parts;
      parts.push(value);
      if (value.length + ID <= maxValue) return parts;
    }
  }

  const idsOf = (parts: string[]): Set<string> => {
    const ids = new Set<string>();
    for (const p of parts) for (let i = 0; i + ID <= p.length; i += ID) ids.add(p.slice(i, i + ID));
    return ids;
  };

  const isPending = (k: string): boolean => {
    const until = pending.get(k);
    if (until === undefined) return false;
    if (until > now()) return true;
    pending.delete(k);
    return false;
  };

  async function commitGroup(key: string, hashes: string[]): Promise<void> {
    const parts = await readParts(key);
    const known = idsOf(parts);
    const missing = hashes.filter((h) => !known.has(h));
    if (missing.length === 0) return;
    const changed = new Set<number>();
    if (parts.length === 0) parts.push('');
    for (const h of missing) {
      if (parts[parts.length - 1].length + ID > maxValue) parts.push('');
      parts[parts.length - 1] += h;
      changed.add(parts.length - 1);
    }
    const ttl = o.ttlSeconds + bucketSeconds;
    await Promise.all([...changed].map((n) => kv.put(n === 0 ? key : `${key}-${n + 1}`, parts[n], ttl)));
  }

  return {
    atomic: false,
    pendingTtlSeconds: pendingTtl,
    async claim(route, all) {
      type T = (typeof all)[number];
      const out: ClaimResult<T> = { fresh: [], duplicates: [], pending: [] };
      const seen = new Set<string>();
      const unique = all.filter((i) => (seen.has(i.key) ? (out.duplicates.push(i), false) : (seen.add(i.key), true)));
      const items = unique.filter(bucketed);
      const others = unique.filter((i) => !bucketed(i));
      const pendingUntil = now() + pendingTtl * 1000;
      await Promise.all([
        ...[...groups(route, items)].map(async ([key, list]) => {
          const unknown = list.some(({ h }) => !recent.has(memo(route, h)));
          const stored = unknown ? idsOf(await readParts(key)) : new Set<string>();
          for (const { item, h } of list) {
            const k = memo(route, h);
            if (recent.has(k) || stored.has(h)) out.duplicates.push(item);
            else if (isPending(k)) out.pending.push(item);
            else {
              pending.set(k, pendingUntil);
              out.fresh.push(item);
            }
          }
        }),
        others.length
          ? single.claim(route, others).then((r) => (out.fresh.push(...r.fresh), out.duplicates.push(...r.duplicates), out.pending.push(...r.pending)))
          : undefined,
      ]);
      return out;
    },
    async commit(route, all) {
      const items = all.filter(bucketed);
      await Promise.all([
        ...[...groups(route, items)].map(([key, list]) => commitGroup(key, list.map((l) => l.h))),
        single.commit(route, all.filter((i) => !bucketed(i))),
      ]);
      for (const item of items) {
        const k = memo(route, hashOf(item.key));
        pending.delete(k);
        recent.add(k);
      }
    },
    async release(route, all) {
      for (const item of all.filter(bucketed)) pending.delete(memo(route, hashOf(item.key)));
      await single.release(route, all.filter((i) => !bucketed(i)));
    },
  };
}
