/**
 * Nothing-lost delivery of one batch of envelopes:
 *   screen poison → route → skip what each route already has (dedupe claim)
 *   → forward → record what was handed off (commit) / forget failed claims
 *   (release) → park what still failed.
 * Every claim is settled in a `finally`: whatever throws after a claim, the
 * claim is released, so a retry forwards the event instead of calling it a
 * duplicate.
 * The caller answers 2xx only when `parkFailed`, `claimFailed` and `pending`
 * are 0: every event was accepted by the platform, already handed off earlier,
 * parked durably, or is handed back as poisoned / unrouted for quarantine.
 */
import type { DeliveryMeta, Envelope } from '../envelope/envelope';
import type { Log } from '../log';
import { eventIdentity, type DedupeItem, type DedupeStore } from '../stores/dedupe';
import type { RecordStore } from '../stores/records';
import { forwardAll, type ChunkFailure, type ForwardOptions, type ForwardPlan } from './forward';
import type { Invoker } from './invoker';
import type { PayloadBound } from './param-size';
import { screenEvents, type Poisoned } from './poison';
import { routeEnvelopes, type RouteTable } from './routes';

export interface ParkedPayload {
  action: string;
  deliveryId: string;
  events: Envelope[];
  /**
   * Parked by the destination action (src/relay/destination-run.ts): the destination the events
   * are for. Their hand-off to that action is committed in the idempotency store, so a replay
   * re-invokes it without the duplicate check.
   */
  destination?: string;
  /** ISO time until which the destination action that wrote the record may still be delivering it: replay leaves it alone until then */
  inFlightUntil?: string;
  /** a destination's answer to events it rejected (dead letters): its status and at most 512 characters */
  answer?: { status?: number; excerpt?: string };
}

/** What to do when the idempotency store cannot be read or written (DEDUPE_UNAVAILABLE). */
export type DedupeUnavailableMode = 'retry' | 'forward';

export interface DeliveryDeps {
  routes: RouteTable;
  invoker: Invoker;
  dedupe?: DedupeStore;
  parking?: RecordStore<ParkedPayload>;
  log: Log;
  forward: ForwardOptions;
  /** retry (default): answer retry-later; forward: hand off without the duplicate check (logged, counted) */
  dedupeUnavailable?: DedupeUnavailableMode;
  /** passed to the target as `attempts` (replay of a destination action's record) */
  attempts?: number;
}

export interface DeliveryReport {
  /** events handed off per route (this delivery) */
  forwarded: Record<string, number>;
  invocations: number;
  duplicates: number;
  parked: number;
  /** events whose hand-off failed and could not be parked either: answer 503 */
  parkFailed: number;
  /** events held by another delivery's pending claim (it may still hand them off): answer 503 */
  pending: number;
  /** events not forwarded because their claim could not be written: answer 503 */
  claimFailed: number;
  unrouted: number;
  /** events forwarded without idempotency (the dedupe store failed and DEDUPE_UNAVAILABLE=forward) */
  dedupeUnavailable: number;
  /** per route, the reasons hand-offs failed (for logs and status) */
  failures: { route: string; reason: string; events: number }[];
  /** events no retry can hand off: quarantined by the caller, never claimed or parked */
  poisoned: Poisoned[];
  /** events no route took (and no default route): quarantined by the caller */
  unroutedEvents: Envelope[];
  /** per route, the events neither handed off, duplicates, nor parked (pending, claim failed, failed without a parking store) */
  notHandedOff: { route: string; events: Envelope[]; reason: string; permanent: boolean }[];
}

type Claimable = DedupeItem & { event: Envelope };

/** A time read from the event itself (A2's envelopes say `timeSource: 'received'` when the event's time did not parse). */
const eventTime = (e: Envelope): string | undefined => ((e as { timeSource?: string }).timeSource === 'received' ? undefined : e.time);
const claimables = (events: Envelope[]): Claimable[] => events.map((event) => ({ key: eventIdentity(event), time: eventTime(event), event }));

export const emptyReport = (): DeliveryReport => ({
  forwarded: {},
  invocations: 0,
  duplicates: 0,
  parked: 0,
  parkFailed: 0,
  pending: 0,
  claimFailed: 0,
  unrouted: 0,
  dedupeUnavailable: 0,
  failures: [],
  poisoned: [],
  unroutedEvents: [],
  notHandedOff: [],
});

/**
 * Drops repeated identities inside one batch (the legacy and I/O copies of one
 * activity, or a sender's duplicate), counting each as a duplicate; two
 * different contents under one identity are logged (the first is forwarded).
 */
function uniqueByIdentity(events: Envelope[], report: DeliveryReport, log: Log, meta: DeliveryMeta): Envelope[] {
  const seen = new Map<string, Envelope>();
  const out: Envelope[] = [];
  for (const e of events) {
    const key = eventIdentity(e);
    const first = seen.get(key);
    if (!first) {
      seen.set(key, e);
      out.push(e);
      continue;
    }
    report.duplicates++;
    if (first.type !== e.type || first.time !== e.time || !sameData(first.data, e.data)) {
      log.warn('two different events under one id in a delivery: the first is forwarded, the other counted as a duplicate', { deliveryId: meta.deliveryId, id: e.id, stream: e.stream });
    }
  }
  return out;
}

const sameData = (a: unknown, b: unknown): boolean => {
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
};

interface Claimed {
  route: string;
  items: Claimable[];
  /** settled (committed or released) already */
  settled: boolean;
}

async function claimFresh(deps: DeliveryDeps, route: string, events: Envelope[], report: DeliveryReport, claims: Claimed[]): Promise<Envelope[]> {
  if (!deps.dedupe) return events;
  try {
    const { fresh, duplicates, pending } = await deps.dedupe.claim(route, claimables(events));
    if (fresh.length) claims.push({ route, items: fresh, settled: false });
    report.duplicates += duplicates.length;
    report.pending += pending.length;
    if (pending.length) report.notHandedOff.push({ route, events: pending.map((p) => p.event), reason: 'claim_pending: another delivery holds the claim', permanent: false });
    return fresh.map((f) => f.event);
  } catch (err) {
    if (deps.dedupeUnavailable === 'forward') {
      report.dedupeUnavailable += events.length;
      deps.log.warn('dedupe store unavailable: forwarding without the duplicate check (DEDUPE_UNAVAILABLE=forward)', { route, events: events.length, err: (err as Error).name });
      return events;
    }
    report.claimFailed += events.length;
    report.notHandedOff.push({ route, events, reason: `dedupe_unavailable: ${(err as Error).name}`, permanent: false });
    deps.log.error('dedupe store unavailable: not forwarded, the delivery is answered 503 so the sender retries', { route, events: events.length, err: (err as Error).name });
    return [];
  }
}

async function settle(deps: DeliveryDeps, claim: Claimed, handedOff: Set<Envelope>, report: DeliveryReport): Promise<void> {
  if (!deps.dedupe || claim.settled) return;
  claim.settled = true;
  const done = claim.items.filter((i) => handedOff.has(i.event));
  const failed = claim.items.filter((i) => !handedOff.has(i.event));
  try {
    await Promise.all([done.length ? deps.dedupe.commit(claim.route, done) : undefined, failed.length ? deps.dedupe.release(claim.route, failed) : undefined]);
  } catch (err) {
    // a commit lost: the pending claim expires, a redelivery may forward again (at-least-once)
    report.dedupeUnavailable += done.length;
    deps.log.warn('dedupe store unavailable: hand-off not recorded (a redelivery may forward again)', { route: claim.route, events: done.length, err: (err as Error).name });
  }
}

async function park(deps: DeliveryDeps, meta: DeliveryMeta, plan: ForwardPlan, f: ChunkFailure, report: DeliveryReport): Promise<void> {
  const { events, reason, attempts } = f;
  report.failures.push({ route: plan.route, reason, events: events.length });
  if (!deps.parking) {
    report.parkFailed += events.length;
    report.notHandedOff.push({ route: plan.route, events, reason, permanent: f.permanent });
    return;
  }
  try {
    // the events' own stream (an observability event arrives at the notification receiver), so replay --stream finds it
    const stream = events.every((e) => e.stream === events[0].stream) ? events[0].stream : meta.stream;
    await deps.parking.add({ route: plan.route, stream, reason, attempts, payload: { action: plan.action, deliveryId: meta.deliveryId, events } });
    report.parked += events.length;
  } catch (err) {
    report.parkFailed += events.length;
    deps.log.error('parking store unavailable: the delivery will be answered 503 so the sender retries', { route: plan.route, err: (err as Error).name });
  }
}

/** `payloads`: the bound of the events' payload bytes when they all came from one request body (see param-size). */
export async function deliver(envelopes: Envelope[], meta: DeliveryMeta, deps: DeliveryDeps, payloads?: PayloadBound): Promise<DeliveryReport> {
  const report = emptyReport();
  const { clean, poisoned } = screenEvents(envelopes, { maxParamBytes: deps.forward.maxParamBytes, payloads });
  report.poisoned = poisoned;
  const routed = routeEnvelopes(deps.routes, uniqueByIdentity(clean, report, deps.log, meta));
  report.unrouted = routed.unrouted.length;
  report.unroutedEvents = routed.unrouted;
  const claims: Claimed[] = [];
  const handedOff = new Map<string, Set<Envelope>>();
  try {
    const plans: ForwardPlan[] = [];
    await Promise.all(
      [...routed.byRoute.values()].map(async ({ route, envelopes: events }) => {
        const fresh = await claimFresh(deps, route.name, events, report, claims);
        if (fresh.length) plans.push({ route: route.name, action: route.action, events: fresh, payloads, ...(deps.attempts !== undefined ? { attempts: deps.attempts } : {}) });
      }),
    );
    const results = await forwardAll(deps.invoker, plans, deps.forward);
    for (const r of results) handedOff.set(r.route, new Set(r.handedOff));
    await Promise.all(
      results.map(async (r, i) => {
        const claim = claims.find((c) => c.route === r.route);
        if (claim) await settle(deps, claim, handedOff.get(r.route) as Set<Envelope>, report);
        if (r.handedOff.length) report.forwarded[r.route] = r.handedOff.length;
        report.invocations += r.activationIds.length;
        for (const f of r.failed) await park(deps, meta, plans[i], f, report);
      }),
    );
  } finally {
    // whatever threw: release every claim not yet settled (what was handed off is committed)
    for (const claim of claims) if (!claim.settled) await settle(deps, claim, handedOff.get(claim.route) ?? new Set(), report);
  }
  return report;
}
