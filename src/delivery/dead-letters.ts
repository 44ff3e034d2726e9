/**
 * The operator's side of the dead-letter store: list, replay, discard.
 *
 * Two kinds of dead letter:
 *  - `events` (+ route, action): parked events that failed permanently or too
 *    often; replay re-drives them on their route (attempts are not capped: the
 *    operator asked), what still fails stays a dead letter with its new error;
 *  - `element`: what could never be handed off as it was received (not
 *    normalizable, poisoned, or unrouted). An element that is an envelope
 *    (unrouted, say, before a route was added) is re-delivered through the
 *    current routes; anything else is reported as not replayable.
 */
import type { Envelope } from '../envelope/envelope';
import type { Json } from '../envelope/fields';
import type { RecordStore, ScanOptions, StoredRecord } from '../stores/records';
import type { ParkedPayload } from './deliver';
import { emptyReplayReport, recordsById, replayRecord, type ReplayDeps, type ReplayReport } from './replay';

export interface ElementPayload {
  deliveryId: string;
  messageId?: string;
  element: Json;
}

export type DeadLetterPayload = ParkedPayload | ElementPayload;

export interface DeadLetterSummary {
  id: string;
  storedAt: string;
  stream?: string;
  route?: string;
  /** the action the events were (and are) handed to: the route's target when they failed */
  target?: string;
  /** why it is here: for a parked or re-driven record, its last error */
  reason: string;
  attempts: number;
  events: number;
  ids: string[];
  replayable: boolean;
}

const isEnvelope = (v: unknown): v is Envelope =>
  typeof v === 'object' && v !== null && typeof (v as Envelope).id === 'string' && typeof (v as Envelope).stream === 'string' && typeof (v as Envelope).data === 'object';

/** A dead letter as a parked record its route can replay, when it is one. */
export function asReplayable(rec: StoredRecord<DeadLetterPayload>, defaultAction?: string): StoredRecord<ParkedPayload> | undefined {
  const p = rec.payload as Partial<ParkedPayload & ElementPayload>;
  if (Array.isArray(p.events)) return rec as StoredRecord<ParkedPayload>;
  if (isEnvelope(p.element) && defaultAction !== undefined) {
    return { ...rec, route: rec.route ?? 'default', payload: { action: defaultAction, deliveryId: p.deliveryId ?? rec.id, events: [p.element] } };
  }
  return undefined;
}

export function summarize(rec: StoredRecord<DeadLetterPayload>): DeadLetterSummary {
  const p = rec.payload as Partial<ParkedPayload & ElementPayload>;
  const events = Array.isArray(p.events) ? p.events : isEnvelope(p.element) ? [p.element] : [];
  return {
    id: rec.id,
    storedAt: rec.storedAt,
    stream: rec.stream,
    route: rec.route,
    ...(typeof p.action === 'string' ? { target: p.action } : {}),
    reason: rec.reason,
    attempts: rec.attempts,
    events: Math.max(events.length, p.element !== undefined ? 1 : 0),
    ids: events.slice(0, 20).map((e) => e.id),
    replayable: Array.isArray(p.events) || isEnvelope(p.element),
  };
}

/** `ids`: only these records, in this order; otherwise what the filter lists. */
type Selection = ScanOptions & { ids?: string[] };

const selected = <T>(store: RecordStore<T>, o: Selection, onError: (op: string, err: unknown, id?: string) => void): AsyncIterable<StoredRecord<T>> =>
  o.ids ? recordsById(store, o.ids, onError) : store.scan({ ...o, onError });

export async function listDeadLetters(store: RecordStore<DeadLetterPayload>, o: Selection): Promise<{ records: DeadLetterSummary[]; errors: { recordId?: string; op: string; err: string }[] }> {
  const errors: { recordId?: string; op: string; err: string }[] = [];
  const records: DeadLetterSummary[] = [];
  try {
    for await (const rec of selected(store, o, (op, err, id) => errors.push({ recordId: id, op, err: (err as Error)?.name ?? 'Error' }))) records.push(summarize(rec));
  } catch (err) {
    errors.push({ op: 'scan', err: (err as Error)?.name ?? 'Error' });
  }
  return { records, errors };
}

export async function discardDeadLetters(store: RecordStore<DeadLetterPayload>, o: Selection): Promise<{ discarded: number; errors: { recordId?: string; op: string; err: string }[] }> {
  const { records, errors } = await listDeadLetters(store, o);
  let discarded = 0;
  for (const r of records) {
    try {
      await store.remove(r.id);
      discarded++;
    } catch (err) {
      errors.push({ recordId: r.id, op: 'remove', err: (err as Error)?.name ?? 'Error' });
    }
  }
  return { discarded, errors };
}

/** Re-drives dead letters (all matching, or those with the given ids); `deadline` bounds the run. */
export async function replayDeadLetters(
  deps: ReplayDeps,
  store: RecordStore<DeadLetterPayload>,
  o: Selection & { deadline: number; recordBudgetMs?: number },
): Promise<ReplayReport & { notReplayable: number }> {
  const report = { ...emptyReplayReport(), notReplayable: 0 };
  const now = deps.now ?? Date.now;
  const recs: StoredRecord<DeadLetterPayload>[] = [];
  try {
    for await (const r of selected(store, o, (op, err, id) => report.errors.push({ recordId: id, op, err: (err as Error)?.name ?? 'Error' }))) recs.push(r);
  } catch (err) {
    report.errors.push({ op: 'scan', err: (err as Error)?.name ?? 'Error' });
  }
  for (const rec of recs) {
    if (now() + deps.forward.timeoutMs > o.deadline) return { ...report, stoppedBy: 'deadline' };
    const parked = asReplayable(rec, deps.routes.default);
    if (!parked) {
      report.notReplayable++;
      continue;
    }
    report.records++;
    try {
      const verdict = await replayRecord(deps, store as unknown as RecordStore<ParkedPayload>, parked, { deadline: Math.min(o.deadline, now() + (o.recordBudgetMs ?? 7000)), maxAttempts: Infinity, force: true }, report);
      if (verdict === 'done') report.removed++;
    } catch (err) {
      report.errors.push({ recordId: rec.id, op: 'record', err: (err as Error)?.name ?? 'Error' });
    }
  }
  return report;
}
