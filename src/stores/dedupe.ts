/**
 * Idempotency: which events each route already has. Key = route + event id, so
 * a redelivery (Adobe or Marketo) and the legacy + I/O copies of one activity
 * are recognised.
 *
 * claim → the events not yet handed off on that route, marked pending (briefly)
 * commit → recorded as handed off for `ttlSeconds`
 * release → a failed hand-off's claim is forgotten, so a retry forwards it
 * A crash between hand-off and commit lets the pending mark expire: the event may
 * be forwarded again (at-least-once), never lost.
 *
 * Two layouts:
 *  - one key per (route, id) with an atomic claim — memory, files, Redis;
 *  - grouped records for aio-lib-state, whose quotas (200,000 keys, ≈ 1 MB/s, no
 *    compare-and-set) forbid a key per event at Marketo volumes: see bucketed-dedupe.ts.
 */
import type { KeyValueStore } from './kv';
import { hashPart } from './kv';
import { createBucketedDedupe } from './bucketed-dedupe';

export interface DedupeItem {
  id: string;
  /** ISO event time */
  time: string;
}

export interface DedupeStore {
  readonly atomic: boolean;
  claim(route: string, items: DedupeItem[]): Promise<{ fresh: DedupeItem[]; duplicates: DedupeItem[] }>;
  commit(route: string, items: DedupeItem[]): Promise<void>;
  release(route: string, items: DedupeItem[]): Promise<void>;
}

export interface DedupeOptions {
  ttlSeconds: number;
  pendingTtlSeconds?: number;
  bucketSeconds?: number;
  shards?: number;
  maxValueBytes?: number;
  /** clock for the in-memory pending marks (tests) */
  now?: () => number;
}

const PENDING = 'p';
const DONE = 'c';

const routeHashes = new Map<string, string>();
/** A route's short key part (memoized: routes are few, events many). */
export const routeKeyPart = (route: string): string => {
  let h = routeHashes.get(route);
  if (!h) routeHashes.set(route, (h = hashPart(route, 8)));
  return h;
};
const SAFE_ID = /^[A-Za-z0-9_.-]{1,64}$/;
/** Marketo GUIDs and I/O event ids are already key-safe: only other ids are hashed. */
export const dedupeKey = (route: string, id: string): string => `dd-${routeKeyPart(route)}-${SAFE_ID.test(id) ? id : `h.${hashPart(id, 22)}`}`;

export function createKeyPerEventDedupe(kv: KeyValueStore, o: DedupeOptions): DedupeStore {
  const pendingTtl = o.pendingTtlSeconds ?? 120;
  return {
    atomic: kv.atomicClaims,
    async claim(route, items) {
      const fresh: DedupeItem[] = [];
      const duplicates: DedupeItem[] = [];
      const won = await Promise.all(items.map((i) => kv.putIfAbsent(dedupeKey(route, i.id), PENDING, pendingTtl)));
      items.forEach((item, n) => (won[n] ? fresh : duplicates).push(item));
      return { fresh, duplicates };
    },
    async commit(route, items) {
      await Promise.all(items.map((i) => kv.put(dedupeKey(route, i.id), DONE, o.ttlSeconds)));
    },
    async release(route, items) {
      await Promise.all(items.map((i) => kv.delete(dedupeKey(route, i.id))));
    },
  };
}

/** The grouped layout for aio-lib-state, one key per event elsewhere. */
export function openDedupeStore(kv: KeyValueStore, o: DedupeOptions): DedupeStore {
  return kv.kind === 'state' ? createBucketedDedupe(kv, o) : createKeyPerEventDedupe(kv, o);
}
