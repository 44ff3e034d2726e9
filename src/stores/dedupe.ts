/**
 * Idempotency: which events each route already has.
 *
 * claim   → per event: fresh (now claimed by this caller, marked *pending*),
 *           duplicate (a *committed* hand-off), or pending (another delivery
 *           holds the claim and may still hand it off: answer retry-later,
 *           never "duplicate");
 * commit  → recorded as handed off for `ttlSeconds` (only after the platform
 *           accepted the invocation);
 * release → a claim whose hand-off did not happen is dropped, so a retry
 *           forwards it. Callers settle every claim in a `finally`.
 *
 * The pending bound (`pendingTtlSeconds`). A pending claim expires by itself
 * (the store's TTL), and then anyone may claim the event again. That cannot
 * forward twice while the owner lives, because the owner's own deadline bounds
 * when it may still hand off: no invocation starts after the delivery's budget
 * (DELIVERY_BUDGET_MS from the request's start, which is before the claim),
 * each lasts at most FORWARD_TIMEOUT_MS, and the commit after it is one or two
 * store calls of at most STORE_TIMEOUT_MS. So a claim older than
 * budget + forward timeout + 2 × store timeout (+1 s) has a dead owner (or one
 * that gave up). Defaults: 7 + 2.5 + 3 + 1 → 14 s, far inside the senders'
 * first retry (I/O Events: 1 min; Marketo: 3 min), so a killed owner's events
 * are forwarded by the first retry, and every retry before that is answered
 * 503. The claim's value names its owner and its deadline (`p.<owner>.<ms>`).
 * A commit that fails after a hand-off leaves the claim to expire: the event
 * may be forwarded again (at-least-once), never lost.
 *
 * Identity (`eventIdentity`): stream + event id, plus the munchkinId whenever
 * the id is not globally unique (anything but a GUID, e.g. an activity's
 * activityLogItemId is per Marketo instance; a munchkinId over 64 characters
 * by its digest). Keys hash the whole identity, so no literal id can equal
 * another id's key.
 *
 * Two layouts:
 *  - one key per (route, event) with an atomic claim — memory, files, Redis;
 *  - grouped records for aio-lib-state, whose quotas (200,000 keys, ≈ 1 MB/s, no
 *    compare-and-set) forbid a key per event at Marketo volumes: see bucketed-dedupe.ts.
 */
import { randomBytes } from 'node:crypto';
import type { KeyValueStore } from './kv';
import { hashPart } from './kv';

export interface DedupeItem {
  /** the event's identity (eventIdentity) */
  key: string;
  /** ISO event time, only when it was read from the event itself (never a receipt time) */
  time?: string;
}

export interface ClaimResult<T extends DedupeItem = DedupeItem> {
  fresh: T[];
  duplicates: T[];
  /** claimed by another delivery that may still hand them off */
  pending: T[];
}

export interface DedupeStore {
  readonly atomic: boolean;
  /** seconds after which a pending claim is taken over */
  readonly pendingTtlSeconds: number;
  claim<T extends DedupeItem>(route: string, items: T[]): Promise<ClaimResult<T>>;
  commit(route: string, items: DedupeItem[]): Promise<void>;
  release(route: string, items: DedupeItem[]): Promise<void>;
}

export interface DedupeOptions {
  ttlSeconds: number;
  /** the takeover bound of a pending claim (see above; default 14 s) */
  pendingTtlSeconds?: number;
  bucketSeconds?: number;
  shards?: number;
  maxValueBytes?: number;
  /** clock for the in-memory pending marks (tests) */
  now?: () => number;
  /** names this container in its claims */
  owner?: string;
}

export const DEFAULT_PENDING_TTL_SECONDS = 14;

/** (The bound from the owner's deadlines is computed by config's pendingBoundSeconds.) */

const DONE = 'c';
const CONTAINER = randomBytes(4).toString('hex');

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The last long munchkinId hashed: a push repeats its batch's munchkinId in every activity. */
let lastLong: { munchkinId?: string; part: string } = { part: '' };

/**
 * A munchkinId as part of an identity: as sent when it is at most 64 characters (every real
 * one: `XXX-XXX-XXX`), else its digest (`#` and 43 characters; a value that starts with `#` is
 * hashed too, so no literal can equal a digest). The identity is a key of maps, sets and
 * hashes per event: a 300,000-character munchkinId repeated in a push's 5,000 activities
 * made every one of them 300 KB and the push take minutes.
 */
function munchkinPart(m: string | undefined): string {
  if (m === undefined) return '';
  if (m.length <= 64 && m[0] !== '#') return m;
  if (m !== lastLong.munchkinId) lastLong = { munchkinId: m, part: `#${hashPart(m, 43)}` };
  return lastLong.part;
}

/** What names one event for idempotency: see the module comment. */
export function eventIdentity(e: { stream: string; id: string; munchkinId?: string }): string {
  return GUID.test(e.id) ? `${e.stream}\n\n${e.id.toLowerCase()}` : `${e.stream}\n${munchkinPart(e.munchkinId)}\n${e.id}`;
}

const routeHashes = new Map<string, string>();
/** A route's short key part (memoized: routes are few, events many). */
export const routeKeyPart = (route: string): string => {
  let h = routeHashes.get(route);
  if (!h) routeHashes.set(route, (h = hashPart(route, 8)));
  return h;
};
/** One record per route and event: the identity is always hashed (132 bits), so keys cannot collide with literal ids. */
export const dedupeKey = (route: string, identity: string): string => `dd-${routeKeyPart(route)}-${hashPart(identity, 22)}`;

export function createKeyPerEventDedupe(kv: KeyValueStore, o: DedupeOptions): DedupeStore {
  const pendingTtl = o.pendingTtlSeconds ?? DEFAULT_PENDING_TTL_SECONDS;
  const now = o.now ?? Date.now;
  const owner = o.owner ?? CONTAINER;
  let seq = 0;
  /** the values of this instance's unsettled claims: release drops only its own */
  const mine = new Map<string, string>();

  async function claimOne(key: string): Promise<'fresh' | 'duplicate' | 'pending'> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const value = `p.${owner}${(seq++).toString(36)}.${now() + pendingTtl * 1000}`;
      if (await kv.putIfAbsent(key, value, pendingTtl)) {
        mine.set(key, value);
        return 'fresh';
      }
      const held = await kv.get(key);
      if (held === DONE) return 'duplicate';
      // expired or released between the two calls: claim again
      if (held !== undefined) return 'pending';
    }
    return 'pending';
  }

  return {
    atomic: kv.atomicClaims,
    pendingTtlSeconds: pendingTtl,
    async claim(route, items) {
      const out: ClaimResult<(typeof items)[number]> = { fresh: [], duplicates: [], pending: [] };
      const seen = new Set<string>();
      const unique = items.filter((i) => (seen.has(i.key) ? (out.duplicates.push(i), false) : (seen.add(i.key), true)));
      const verdicts = await Promise.all(unique.map((i) => claimOne(dedupeKey(route, i.key))));
      unique.forEach((item, n) => (verdicts[n] === 'fresh' ? out.fresh : verdicts[n] === 'duplicate' ? out.duplicates : out.pending).push(item));
      return out;
    },
    async commit(route, items) {
      await Promise.all(
        items.map(async (i) => {
          const key = dedupeKey(route, i.key);
          await kv.put(key, DONE, o.ttlSeconds);
          mine.delete(key);
        }),
      );
    },
    async release(route, items) {
      await Promise.all(
        items.map(async (i) => {
          const key = dedupeKey(route, i.key);
          const value = mine.get(key);
          mine.delete(key);
          // a claim that expired may have been taken over since: drop only our own
          if (value !== undefined && (await kv.get(key)) === value) await kv.delete(key);
        }),
      );
    },
  };
}
