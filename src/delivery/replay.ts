/**
 * Replay: re-drives parked events through their routes, oldest first, bounded
 * per run and paced within the namespace's invocation rate, removing each
 * parked record once everything in it was handed off (or was already, per the
 * dedupe store). A route that keeps failing is left alone for the rest of the run.
 */
import type { Log } from '../log';
import type { DedupeStore } from '../stores/dedupe';
import type { RecordStore, StoredRecord } from '../stores/records';
import type { ParkedPayload } from './deliver';
import { forwardAll, type ForwardOptions } from './forward';
import type { Invoker } from './invoker';
import type { RouteTable } from './routes';

export interface ReplayFilter {
  route?: string;
  stream?: string;
  /** ISO time: only records parked at or after it */
  since?: string;
}

export interface ReplayOptions extends ReplayFilter {
  maxEvents: number;
  /** invocations per minute this run may use */
  invocationsPerMinute: number;
  /** epoch ms after which the run stops */
  deadline: number;
}

export interface ReplayDeps {
  parking: RecordStore<ParkedPayload>;
  dedupe?: DedupeStore;
  invoker: Invoker;
  routes: RouteTable;
  log: Log;
  forward: Omit<ForwardOptions, 'deadline'>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface ReplayReport {
  records: number;
  replayed: number;
  duplicates: number;
  removed: number;
  failed: number;
  skippedRoutes: string[];
  stoppedBy: 'drained' | 'max-events' | 'deadline';
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The action a parked record goes to now: its route's current action, or the one recorded. */
const actionFor = (routes: RouteTable, rec: StoredRecord<ParkedPayload>): string =>
  routes.routes.find((r) => r.name === rec.route)?.action ?? (rec.route === 'default' ? routes.default : undefined) ?? rec.payload.action;

async function replayRecord(deps: ReplayDeps, rec: StoredRecord<ParkedPayload>, deadline: number, report: ReplayReport): Promise<boolean> {
  const route = rec.route ?? 'default';
  let events = rec.payload.events;
  if (deps.dedupe) {
    try {
      const { fresh, duplicates } = await deps.dedupe.claim(route, events.map((e) => ({ id: e.id, time: e.time })));
      const ids = new Set(fresh.map((f) => f.id));
      report.duplicates += duplicates.length;
      events = events.filter((e) => ids.has(e.id));
    } catch {
      // forward anyway: at-least-once beats loss
    }
  }
  if (events.length === 0) return true;
  const [result] = await forwardAll(deps.invoker, [{ route, action: actionFor(deps.routes, rec), events }], { ...deps.forward, deadline });
  const failedEvents = result.failed.flatMap((f) => f.events);
  if (deps.dedupe) {
    await Promise.all([
      result.handedOff.length ? deps.dedupe.commit(route, result.handedOff.map((e) => ({ id: e.id, time: e.time }))) : undefined,
      failedEvents.length ? deps.dedupe.release(route, failedEvents.map((e) => ({ id: e.id, time: e.time }))) : undefined,
    ]).catch(() => undefined);
  }
  report.replayed += result.handedOff.length;
  if (failedEvents.length === 0) return true;
  report.failed += failedEvents.length;
  await deps.parking.update({ ...rec, attempts: rec.attempts + 1, reason: result.failed[0].reason, payload: { ...rec.payload, events: failedEvents } });
  return false;
}

export async function replayParked(deps: ReplayDeps, o: ReplayOptions): Promise<ReplayReport> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? defaultSleep;
  const spacingMs = Math.ceil(60_000 / Math.max(1, o.invocationsPerMinute));
  const report: ReplayReport = { records: 0, replayed: 0, duplicates: 0, removed: 0, failed: 0, skippedRoutes: [], stoppedBy: 'drained' };
  const skipped = new Set<string>();
  let events = 0;
  for await (const rec of deps.parking.scan({ route: o.route, stream: o.stream, since: o.since })) {
    const route = rec.route ?? 'default';
    if (skipped.has(route)) continue;
    if (events >= o.maxEvents) return { ...report, stoppedBy: 'max-events', skippedRoutes: [...skipped] };
    if (now() + deps.forward.timeoutMs > o.deadline) return { ...report, stoppedBy: 'deadline', skippedRoutes: [...skipped] };
    report.records++;
    events += rec.payload.events.length;
    const started = now();
    if (await replayRecord(deps, rec, o.deadline, report)) {
      await deps.parking.remove(rec.id);
      report.removed++;
    } else {
      skipped.add(route);
      deps.log.warn('replay: route still failing, left for the next run', { route, recordId: rec.id, attempts: rec.attempts + 1 });
    }
    const wait = spacingMs - (now() - started);
    if (wait > 0) await sleep(wait);
  }
  return { ...report, skippedRoutes: [...skipped] };
}
