/**
 * Nothing-lost delivery of one batch of envelopes:
 *   route → skip what each route already has (dedupe claim) → forward →
 *   record what was handed off (commit) / forget failed claims (release) →
 *   park what still failed.
 * The caller answers 2xx only when `parkFailed` is 0: every event was either
 * accepted by the platform, already handed off earlier, or parked durably.
 */
import type { DeliveryMeta, Envelope } from '../envelope/envelope';
import type { Log } from '../log';
import type { DedupeItem, DedupeStore } from '../stores/dedupe';
import type { RecordStore } from '../stores/records';
import { forwardAll, type ForwardOptions, type ForwardPlan } from './forward';
import type { Invoker } from './invoker';
import type { PayloadBound } from './param-size';
import { routeEnvelopes, type RouteTable } from './routes';

export interface ParkedPayload {
  action: string;
  deliveryId: string;
  events: Envelope[];
}

export interface DeliveryDeps {
  routes: RouteTable;
  invoker: Invoker;
  dedupe?: DedupeStore;
  parking?: RecordStore<ParkedPayload>;
  log: Log;
  forward: ForwardOptions;
}

export interface DeliveryReport {
  /** events handed off per route (this delivery) */
  forwarded: Record<string, number>;
  invocations: number;
  duplicates: number;
  parked: number;
  /** events whose hand-off failed and could not be parked either: answer 503 */
  parkFailed: number;
  unrouted: number;
  /** the dedupe store could not be read or written; events were forwarded anyway */
  dedupeUnavailable: boolean;
  /** per route, the reasons hand-offs failed (for logs and status) */
  failures: { route: string; reason: string; events: number }[];
}

const itemsOf = (events: Envelope[]): DedupeItem[] => events.map((e) => ({ id: e.id, time: e.time }));
const byIds = (events: Envelope[], items: DedupeItem[]): Envelope[] => {
  const ids = new Set(items.map((i) => i.id));
  return events.filter((e) => ids.has(e.id));
};

/** Drops repeated ids inside one batch (the legacy and I/O copies of one activity, or a sender's duplicate). */
const uniqueById = (events: Envelope[]): Envelope[] => {
  const seen = new Set<string>();
  return events.filter((e) => (seen.has(e.id) ? false : (seen.add(e.id), true)));
};

async function claimFresh(deps: DeliveryDeps, route: string, events: Envelope[], report: DeliveryReport): Promise<Envelope[]> {
  if (!deps.dedupe) return events;
  try {
    const { fresh, duplicates } = await deps.dedupe.claim(route, itemsOf(events));
    report.duplicates += duplicates.length;
    return byIds(events, fresh);
  } catch (err) {
    report.dedupeUnavailable = true;
    deps.log.warn('dedupe store unavailable: forwarding without the duplicate check', { route, err: (err as Error).name });
    return events;
  }
}

async function settleClaims(deps: DeliveryDeps, route: string, handedOff: Envelope[], failed: Envelope[], report: DeliveryReport): Promise<void> {
  if (!deps.dedupe) return;
  try {
    await Promise.all([
      handedOff.length ? deps.dedupe.commit(route, itemsOf(handedOff)) : undefined,
      failed.length ? deps.dedupe.release(route, itemsOf(failed)) : undefined,
    ]);
  } catch (err) {
    report.dedupeUnavailable = true;
    deps.log.warn('dedupe store unavailable: hand-off not recorded (a redelivery may forward again)', { route, err: (err as Error).name });
  }
}

async function park(deps: DeliveryDeps, meta: DeliveryMeta, plan: ForwardPlan, events: Envelope[], reason: string, attempts: number, report: DeliveryReport): Promise<void> {
  report.failures.push({ route: plan.route, reason, events: events.length });
  if (!deps.parking) {
    report.parkFailed += events.length;
    return;
  }
  try {
    await deps.parking.add({ route: plan.route, stream: meta.stream, reason, attempts, payload: { action: plan.action, deliveryId: meta.deliveryId, events } });
    report.parked += events.length;
  } catch (err) {
    report.parkFailed += events.length;
    deps.log.error('parking store unavailable: the delivery will be answered 503 so the sender retries', { route: plan.route, err: (err as Error).name });
  }
}

/** `payloads`: the bound of the events' payload bytes when they all came from one request body (see param-size). */
export async function deliver(envelopes: Envelope[], meta: DeliveryMeta, deps: DeliveryDeps, payloads?: PayloadBound): Promise<DeliveryReport> {
  const report: DeliveryReport = { forwarded: {}, invocations: 0, duplicates: 0, parked: 0, parkFailed: 0, unrouted: 0, dedupeUnavailable: false, failures: [] };
  const routed = routeEnvelopes(deps.routes, uniqueById(envelopes));
  report.unrouted = routed.unrouted.length;
  const plans: ForwardPlan[] = [];
  await Promise.all(
    [...routed.byRoute.values()].map(async ({ route, envelopes: events }) => {
      const fresh = await claimFresh(deps, route.name, events, report);
      if (fresh.length) plans.push({ route: route.name, action: route.action, events: fresh, payloads });
    }),
  );
  const results = await forwardAll(deps.invoker, plans, deps.forward);
  await Promise.all(
    results.map(async (r, i) => {
      const failedEvents = r.failed.flatMap((f) => f.events);
      await settleClaims(deps, r.route, r.handedOff, failedEvents, report);
      if (r.handedOff.length) report.forwarded[r.route] = r.handedOff.length;
      report.invocations += r.activationIds.length;
      for (const f of r.failed) await park(deps, meta, plans[i], f.events, f.reason, f.attempts, report);
    }),
  );
  return report;
}
