/**
 * The console's pages of parked records and dead letters: oldest first, the
 * store's own listing (scan) with the route/stream filter, `offset` records
 * skipped and at most `limit` returned, each as a summary (route, target action,
 * reason or last error, age, when it expires, attempts, event count).
 */
import { summarize, type DeadLetterPayload, type DeadLetterSummary } from '../delivery/dead-letters';
import type { OverflowRef } from '../stores/overflow';
import type { RecordStore, StoredRecord } from '../stores/records';

export interface RecordPage {
  records: (DeadLetterSummary & { ageSeconds: number; expiresAt: string })[];
  offset: number;
  /** the offset of the next page, when there are more records */
  next?: number;
  errors: { recordId?: string; op: string; err: string }[];
}

export const MAX_PAGE = 200;

export async function recordPage(store: RecordStore<DeadLetterPayload>, o: { route?: string; stream?: string; offset: number; limit: number; now: number }): Promise<RecordPage> {
  const errors: RecordPage['errors'] = [];
  const records: RecordPage['records'] = [];
  const limit = Math.min(Math.max(1, o.limit), MAX_PAGE);
  let seen = 0;
  let more = false;
  try {
    for await (const rec of store.scan({ route: o.route, stream: o.stream, onError: (op, err, id) => errors.push({ recordId: id, op, err: (err as Error)?.name ?? 'Error' }) })) {
      if (seen++ < o.offset) continue;
      if (records.length === limit) {
        more = true;
        break;
      }
      records.push({ ...summarize(rec), ageSeconds: Math.max(0, Math.round((o.now - Date.parse(rec.storedAt)) / 1000)), expiresAt: store.expiresAt(rec) });
    }
  } catch (err) {
    errors.push({ op: 'scan', err: (err as Error)?.name ?? 'Error' });
  }
  return { records, offset: o.offset, ...(more ? { next: o.offset + records.length } : {}), errors };
}

/**
 * Runtime's limit on an action's result: "result … 1MB, per action (not configurable)"
 * (AdobeDocs/app-builder @da263cf, src/pages/guides/runtime_guides/system-settings.md).
 * A web action's body is a JSON string inside that result, so it is counted escaped.
 */
export const RESULT_LIMIT_BYTES = 1_000_000;

/** One record as the console shows it: whole, or — kept in overflow storage and too large for an answer — with where it is instead of its payload. */
export type RecordView = StoredRecord<DeadLetterPayload> | (Omit<StoredRecord<DeadLetterPayload>, 'payload'> & { payload?: undefined; overflow: OverflowRef; target?: string });

export function recordView(rec: StoredRecord<DeadLetterPayload>, limit = RESULT_LIMIT_BYTES): RecordView {
  if (!rec.overflow || Buffer.byteLength(JSON.stringify(JSON.stringify({ record: rec }))) <= limit) return rec;
  const { payload, ...head } = rec;
  // the target action a parked record was for stays on show
  const target = (payload as { action?: unknown }).action;
  return { ...head, overflow: rec.overflow, ...(typeof target === 'string' ? { target } : {}) };
}
