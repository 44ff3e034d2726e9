/**
 * Replay: re-drives parked events through their routes, oldest first, bounded
 * per run and paced within the namespace's invocation rate. Each record goes
 * through `deliver` (the same claim → forward → settle path as a live
 * delivery) on its own route, so:
 *  - what was handed off (or already was) leaves the record; the record is
 *    removed once nothing is left;
 *  - a record that fails for a permanent reason (too large, target missing,
 *    invalid), or that has failed REPLAY_MAX_ATTEMPTS times, moves to the
 *    dead-letter store with its last error;
 *  - a transient failure (or a claim still pending) skips that record, not the
 *    route: it stays parked with attempts + 1 and its last error;
 *  - a store error on one record is reported in the run's result (`errors`)
 *    and the run goes on;
 *  - a record the destination action wrote before delivering (src/relay/
 *    destination-run.ts) is left alone while that activation may still run
 *    (`inFlightUntil`); after that, it is an ordinary parked record, re-driven
 *    to the destination action without the duplicate check (its hand-off to
 *    that action was committed) and with its `attempts`, which that action
 *    carries into the record it parks anew; one that has REPLAY_MAX_ATTEMPTS
 *    moves to dead-letter instead of being handed over again.
 */
import type { DeliveryMeta, Envelope } from '../envelope/envelope';
import type { Log } from '../log';
import type { DedupeStore } from '../stores/dedupe';
import type { RecordStore, StoredRecord } from '../stores/records';
import { deliver, type ParkedPayload } from './deliver';
import type { ForwardOptions } from './forward';
import type { Invoker } from './invoker';
import type { RouteTable } from './routes';

export interface ReplayFilter {
  route?: string;
  stream?: string;
  /** ISO time: only records parked at or after it */
  since?: string;
}

export interface ReplayOptions extends ReplayFilter {
  /** only these records (by id, in this order) instead of every record the filter lists */
  ids?: string[];
  maxEvents: number;
  /** invocations per minute this run may use */
  invocationsPerMinute: number;
  /** epoch ms after which the run stops */
  deadline: number;
  /** attempts after which a record moves to dead-letter (default 20) */
  maxAttempts?: number;
  /** one record's hand-off budget (DELIVERY_BUDGET_MS): its claims stay within the pending bound */
  recordBudgetMs?: number;
}

/** A dead letter that came from parking: its events and the route they were for. */
export type DeadParked = ParkedPayload;

export interface ReplayDeps {
  parking: RecordStore<ParkedPayload>;
  /** where records that can never succeed go (absent: they stay parked) */
  deadLetter?: RecordStore<DeadParked>;
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
  /** records moved to dead-letter (permanent failure or too many attempts) */
  deadLettered: number;
  /** store errors met (the run went on) */
  errors: { recordId?: string; op: string; err: string }[];
  /** kept for compatibility: always empty (a failing record no longer skips its route) */
  skippedRoutes: string[];
  stoppedBy: 'drained' | 'max-events' | 'deadline';
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The action a parked record goes to now: its route's current action, or the one recorded. */
const actionFor = (routes: RouteTable, rec: StoredRecord<ParkedPayload>): string =>
  routes.routes.find((r) => r.name === rec.route)?.action ?? (rec.route === 'default' ? routes.default : undefined) ?? rec.payload.action;

/** Written by a destination action that may still be running (src/relay/destination-run.ts). */
export const isInFlight = (rec: StoredRecord<ParkedPayload>, now: number): boolean => rec.payload.inFlightUntil !== undefined && Date.parse(rec.payload.inFlightUntil) > now;

export const emptyReplayReport = (): ReplayReport => ({ records: 0, replayed: 0, duplicates: 0, removed: 0, failed: 0, deadLettered: 0, errors: [], skippedRoutes: [], stoppedBy: 'drained' });

const errName = (err: unknown): string => (err as Error)?.name ?? 'Error';

export type RecordVerdict = 'done' | 'left' | 'dead';

/**
 * Replays one record (parked, or a dead letter re-driven by hand) and rewrites
 * it: removed when done, updated when something is left, moved to
 * dead-letter when it can never succeed (`force`: a dead letter being
 * replayed stays where it is instead).
 */
export async function replayRecord(
  deps: ReplayDeps,
  store: RecordStore<ParkedPayload>,
  rec: StoredRecord<ParkedPayload>,
  o: { deadline: number; maxAttempts: number; force?: boolean },
  report: ReplayReport,
): Promise<RecordVerdict> {
  const route = rec.route ?? 'default';
  const action = actionFor(deps.routes, rec);
  // a destination action's record: each replay hands it to that action, which parks what still fails anew,
  // with the attempts it is told; the cap is applied here, before handing it over once more
  const destination = rec.payload.destination !== undefined;
  if (destination && !o.force && rec.attempts >= o.maxAttempts && deps.deadLetter) {
    const reason = `max_attempts: ${rec.attempts} attempts failed; last: ${rec.reason}`;
    await deps.deadLetter.add({ route, stream: rec.stream, reason, attempts: rec.attempts, payload: { ...rec.payload, action } });
    await store.remove(rec);
    report.deadLettered += rec.payload.events.length;
    report.removed++;
    deps.log.warn('replay: events moved to dead-letter', { route, recordId: rec.id, events: rec.payload.events.length, reason: 'max_attempts', attempts: rec.attempts });
    return 'dead';
  }
  const one: RouteTable = { routes: [{ name: route, action, match: {}, test: () => true }] };
  const meta: DeliveryMeta = { stream: (rec.stream as DeliveryMeta['stream']) ?? rec.payload.events[0]?.stream ?? 'user-audit', transport: 'io-events', deliveryId: rec.payload.deliveryId };
  // events a destination action parked were handed off to it already (their claims committed): no duplicate check
  const dedupe = destination ? undefined : deps.dedupe;
  const r = await deliver(rec.payload.events, meta, { routes: one, invoker: deps.invoker, dedupe, ...(destination ? { attempts: rec.attempts } : {}), log: deps.log, forward: { ...deps.forward, deadline: o.deadline, now: deps.forward.now ?? deps.now } });
  const handed = r.forwarded[route] ?? 0;
  report.replayed += handed;
  report.duplicates += r.duplicates;
  for (const h of r.notHandedOff) if (h.reason.startsWith('dedupe_unavailable')) report.errors.push({ recordId: rec.id, op: 'claim', err: h.reason });
  const left: Envelope[] = r.notHandedOff.flatMap((h) => h.events);
  const permanent = r.notHandedOff.filter((h) => h.permanent);
  const poisoned = r.poisoned.map((p) => p.event);
  const dead = [...poisoned, ...permanent.flatMap((h) => h.events)];
  const transient = left.filter((e) => !dead.includes(e));
  report.failed += left.length + poisoned.length;
  const attempts = rec.attempts + (r.notHandedOff.some((h) => !h.reason.startsWith('claim_pending') && !h.reason.startsWith('dedupe_unavailable')) ? 1 : 0);
  const lastError = permanent[0]?.reason ?? r.poisoned[0]?.reason ?? r.notHandedOff[0]?.reason ?? rec.reason;
  const tooMany = transient.length > 0 && attempts >= o.maxAttempts;
  const toDead = tooMany ? [...dead, ...transient] : dead;
  const stay = tooMany ? [] : transient;
  if (o.force) {
    // a dead letter replayed by hand: what still fails stays a dead letter, updated
    if (left.length + poisoned.length === 0) {
      await store.remove(rec);
      return 'done';
    }
    await store.update({ ...rec, attempts, reason: lastError, payload: { ...rec.payload, action, events: [...left, ...poisoned.filter((e) => !left.includes(e))] } });
    return 'left';
  }
  if (toDead.length) {
    if (!deps.deadLetter) {
      stay.push(...toDead);
    } else {
      const reason = tooMany && dead.length === 0 ? `max_attempts: ${attempts} replay attempts failed; last: ${lastError}` : lastError;
      await deps.deadLetter.add({ route, stream: rec.stream, reason, attempts, payload: { ...rec.payload, action, events: toDead } });
      report.deadLettered += toDead.length;
      deps.log.warn('replay: events moved to dead-letter', { route, recordId: rec.id, events: toDead.length, reason: reason.split(':')[0], attempts });
    }
  }
  if (stay.length === 0) {
    await store.remove(rec);
    report.removed++;
    return toDead.length ? 'dead' : 'done';
  }
  await store.update({ ...rec, attempts, reason: lastError, payload: { ...rec.payload, events: stay } });
  deps.log.warn('replay: record still failing, left for the next run', { route, recordId: rec.id, events: stay.length, attempts, reason: lastError.split(':')[0] });
  return 'left';
}

/** The records with these ids, in order; one that is gone is skipped, one that cannot be read is reported. */
export async function* recordsById<T>(store: RecordStore<T>, ids: string[], onError: (op: string, err: unknown, id?: string) => void): AsyncIterable<StoredRecord<T>> {
  for (const id of ids) {
    let rec: StoredRecord<T> | undefined;
    try {
      rec = await store.get(id);
    } catch (err) {
      onError('get', err, id);
      continue;
    }
    if (rec) yield rec;
  }
}

export interface DiscardReport {
  discarded: number;
  errors: ReplayReport['errors'];
}

/** Deletes records by id (an operator's discard): how many went, and the store errors met. */
export async function discardRecords<T>(store: RecordStore<T>, ids: string[]): Promise<DiscardReport> {
  const errors: DiscardReport['errors'] = [];
  let discarded = 0;
  for await (const rec of recordsById(store, ids, (op, err, id) => errors.push({ recordId: id, op, err: errName(err) }))) {
    try {
      await store.remove(rec);
      discarded++;
    } catch (err) {
      errors.push({ recordId: rec.id, op: 'remove', err: errName(err) });
    }
  }
  return { discarded, errors };
}

export async function replayParked(deps: ReplayDeps, o: ReplayOptions): Promise<ReplayReport> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? defaultSleep;
  const spacingMs = Math.ceil(60_000 / Math.max(1, o.invocationsPerMinute));
  const report = emptyReplayReport();
  let events = 0;
  try {
    const onError = (op: string, err: unknown, id?: string): number => report.errors.push({ recordId: id, op, err: errName(err) });
    const source = o.ids ? recordsById(deps.parking, o.ids, onError) : deps.parking.scan({ route: o.route, stream: o.stream, since: o.since, onError });
    for await (const rec of source) {
      if (events >= o.maxEvents) return { ...report, stoppedBy: 'max-events' };
      if (now() + deps.forward.timeoutMs > o.deadline) return { ...report, stoppedBy: 'deadline' };
      // a destination action may still be delivering it (or was killed doing so: then it is replayed once this has passed)
      if (isInFlight(rec, now())) continue;
      report.records++;
      events += rec.payload.events.length;
      const started = now();
      // each record's hand-off keeps to one delivery's budget, so its claims stay within the pending bound
      const deadline = Math.min(o.deadline, started + (o.recordBudgetMs ?? 7000));
      try {
        await replayRecord(deps, deps.parking, rec, { deadline, maxAttempts: o.maxAttempts ?? 20 }, report);
      } catch (err) {
        report.errors.push({ recordId: rec.id, op: 'record', err: errName(err) });
        deps.log.error('replay: store error on a record; the run goes on', { recordId: rec.id, err: errName(err) });
      }
      const wait = spacingMs - (now() - started);
      if (wait > 0) await sleep(wait);
    }
  } catch (err) {
    // the listing itself failed: report what was done
    report.errors.push({ op: 'scan', err: errName(err) });
    deps.log.error('replay: the parking store could not be listed', { err: errName(err) });
  }
  return report;
}
