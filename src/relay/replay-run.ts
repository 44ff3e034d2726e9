/**
 * The replay action's composition: filters from params (route, stream, since,
 * limit, ids), the shared context, and half of the namespace's invocation rate
 * (the other half stays free for live deliveries).
 *
 * Parked records: replayed by default; `parked: "discard"` with `ids` deletes
 * those records. Dead letters: `deadLetters: "list" | "replay" | "discard"`
 * (with the same filters, or `id` / `ids` for chosen records) lists, re-drives
 * or deletes them instead. Stale dead letters (events delivered longer ago than
 * idempotency remembers, src/delivery/stale.ts) are touched only with
 * `includeStale: true`: then the same operation runs on them too, and its report
 * is the answer's `stale`; without it, the answer says how many wait (`staleWaiting`).
 * The operator console (console-run.ts) runs the same
 * operations through `replayOperation`, so everything it does can be done here.
 * A store that cannot be opened is reported as `{ error: store_unavailable }`;
 * store errors on single records are in the report's `errors`.
 */
import { discardDeadLetters, listDeadLetters, replayDeadLetters, type DeadLetterPayload } from '../delivery/dead-letters';
import type { RecordStore } from '../stores/records';
import { discardRecords, replayParked, type DiscardReport, type ReplayDeps, type ReplayReport } from '../delivery/replay';
import type { RelayContext, Stores } from './context';
import { toIsoUtc } from '../envelope/time';
import { contextError, relayContext, reportConfigErrorsOnce, workDeadline } from './context';

export type ReplayResult = { ok: true; report: ReplayReport | DiscardReport | Record<string, unknown> } | { error: { code: string; message: string } };

const DEAD_LETTER_OPS = ['list', 'replay', 'discard'] as const;
const PARKED_OPS = ['replay', 'discard'] as const;

const DURATION = /^(\d+)\s*([smhd])$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `since` as an ISO time or a duration back from now ("6h", "2d"); null when it names no time the store can hold. */
export function parseSinceParam(value: unknown, now: number): string | undefined | null {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return null;
  const s = value.trim();
  const d = DURATION.exec(s);
  return toIsoUtc(d ? now - Number(d[1]) * UNIT_MS[d[2]] : s) ?? null;
}

type Read<T> = { ok: true; value: T } | { error: { code: string; message: string } };

/**
 * A `route` or `stream` filter: absent (or empty) is no filter; text is the
 * filter; anything else cannot be read and is refused, never taken as absent
 * (a filter dropped would widen the selection to every record).
 */
export function filterParam(params: Record<string, unknown>, name: 'route' | 'stream'): Read<string | undefined> {
  const v = params[name];
  if (v === undefined || v === null) return { ok: true, value: undefined };
  if (typeof v !== 'string') return { error: { code: `${name}_invalid`, message: `${name} must be a ${name} name (text)` } };
  return { ok: true, value: v.trim() || undefined };
}

/** A count: a positive integer, as a number or as its digits. */
const count = (v: unknown): number => (typeof v === 'number' || (typeof v === 'string' && /^\s*\d+\s*$/.test(v)) ? Number(v) : NaN);

/** One operator operation on parked records or dead letters. */
export interface ReplayRequest {
  /** `stale`: only the stale dead letters (the console's Stale view; it asked the operator first) */
  target: 'parked' | 'dead' | 'stale';
  /** with `dead`: the stale dead letters too (asked for by name: they may have been handed off before) */
  includeStale: boolean;
  op: 'replay' | 'discard' | 'list';
  route?: string;
  stream?: string;
  since?: string;
  /** only these records */
  ids?: string[];
  limit: number;
  /** how long the run may take */
  maxSeconds: number;
  /** who asked, for the audit line: the console's IMS user, or the replay action's invoker */
  by: string;
}

export type RequestResult = { ok: true; value: ReplayRequest } | { error: { code: string; message: string } };

const MAX_IDS = 500;

/** `id` / `ids` (a list or comma-separated text) as a list of record ids. */
export function parseIds(params: Record<string, unknown>): string[] | undefined | null {
  const raw = params.ids ?? params.id;
  if (raw === undefined || raw === null || raw === '') return undefined;
  const list = Array.isArray(raw) ? raw : String(raw).split(',');
  const ids = list.map((v) => (typeof v === 'string' ? v.trim() : '')).filter(Boolean);
  if (ids.length !== list.length || ids.length > MAX_IDS) return null;
  return [...new Set(ids)];
}

/** The replay action's params as a request; `by` names the caller. */
export function replayRequestOf(params: Record<string, unknown>, now: number, defaults: { limit: number }, by: string): RequestResult {
  const since = parseSinceParam(params.since, now);
  if (since === null) return { error: { code: 'since_invalid', message: 'since must be an ISO time or a duration like 30m, 6h, 2d, naming a time from 1990 to 2200' } };
  const route = filterParam(params, 'route');
  if ('error' in route) return route;
  const stream = filterParam(params, 'stream');
  if ('error' in stream) return stream;
  const limit = params.limit === undefined ? defaults.limit : count(params.limit);
  if (!Number.isInteger(limit) || limit < 1) return { error: { code: 'limit_invalid', message: 'limit must be a positive integer' } };
  const ids = parseIds(params);
  if (ids === null) return { error: { code: 'ids_invalid', message: `ids must be at most ${MAX_IDS} record ids (a list, or text separated by commas)` } };
  const dead = params.deadLetters;
  if (dead !== undefined && !(DEAD_LETTER_OPS as readonly unknown[]).includes(dead)) {
    return { error: { code: 'dead_letters_invalid', message: 'deadLetters must be list, replay or discard' } };
  }
  const parked = params.parked ?? 'replay';
  if (!(PARKED_OPS as readonly unknown[]).includes(parked)) return { error: { code: 'parked_invalid', message: 'parked must be replay or discard' } };
  const op = (dead ?? parked) as ReplayRequest['op'];
  // deleting parked events loses them: only the records named by id, never a whole filter
  if (dead === undefined && op === 'discard' && !ids) return { error: { code: 'ids_required', message: 'parked: "discard" deletes the records named by ids, and nothing else' } };
  const includeStale = params.includeStale === undefined || params.includeStale === false || params.includeStale === 'false' ? false : params.includeStale === true || params.includeStale === 'true' ? true : undefined;
  if (includeStale === undefined) return { error: { code: 'include_stale_invalid', message: 'includeStale must be true or false' } };
  if (includeStale && dead === undefined) return { error: { code: 'include_stale_invalid', message: 'includeStale goes with deadLetters: stale events are dead letters, never parked' } };
  const maxSeconds = params.maxSeconds === undefined ? 50 : typeof params.maxSeconds === 'number' || typeof params.maxSeconds === 'string' ? Number(params.maxSeconds) : NaN;
  if (!(maxSeconds > 0)) return { error: { code: 'max_seconds_invalid', message: 'maxSeconds must be a positive number' } };
  return { ok: true, value: { target: dead === undefined ? 'parked' : 'dead', includeStale, op, route: route.value, stream: stream.value, since, ids, limit, maxSeconds, by } };
}

/** Runs one request against the stores, and logs what it did and who asked. */
export async function replayOperation(ctx: RelayContext, stores: Stores, req: ReplayRequest): Promise<ReplayReport | DiscardReport | Record<string, unknown>> {
  const { parking, dedupe, deadLetter } = stores;
  const filter = { route: req.route, stream: req.stream, since: req.since };
  const audit = { by: req.by, filter: { ...filter, ...(req.ids ? { ids: req.ids.length } : {}) } };
  const deadline = workDeadline(ctx, req.maxSeconds * 1000);
  const deps: ReplayDeps = {
    parking,
    deadLetter: deadLetter as unknown as ReplayDeps['deadLetter'],
    dedupe,
    invoker: ctx.invoker,
    routes: ctx.routes,
    log: ctx.log,
    now: ctx.now,
    forward: { now: ctx.now, concurrency: 1, timeoutMs: ctx.config.delivery.forwardTimeoutMs, retryDelayMs: ctx.config.delivery.retryDelayMs, maxParamBytes: ctx.config.delivery.maxParamBytes },
  };
  const selection = { ...filter, ids: req.ids, limit: req.limit };
  const onDeadLetters = async (store: RecordStore<DeadLetterPayload>, what: string): Promise<ReplayReport | DiscardReport | Record<string, unknown>> => {
    if (req.op === 'list') {
      const listed = await listDeadLetters(store, selection);
      return { deadLetters: listed.records.length, records: listed.records, errors: listed.errors };
    }
    if (req.op === 'discard') {
      const r = await discardDeadLetters(store, selection);
      ctx.log.warn(`${what} discarded`, { discarded: r.discarded, ...audit });
      return r;
    }
    const r = await replayDeadLetters(deps, store, { ...selection, deadline, recordBudgetMs: ctx.config.delivery.budgetMs });
    ctx.log.info(`${what} replay run`, { ...r, ...audit });
    return r;
  };
  const staleStore = stores.stale as RecordStore<DeadLetterPayload>;
  if (req.target === 'stale') return onDeadLetters(staleStore, 'stale dead letters');
  if (req.target === 'dead') {
    const r = await onDeadLetters(deadLetter, 'dead letters');
    if (req.includeStale) return { ...r, stale: await onDeadLetters(staleStore, 'stale dead letters') };
    // what was left out is said, never silently skipped
    const waiting = await stores.stale.count({ maxScan: 10_000 }).catch(() => undefined);
    return waiting ? { ...r, staleWaiting: waiting, staleNote: 'stale dead letters (delivered longer ago than DEDUPE_TTL_HOURS) are left out: send includeStale: true to include them' } : r;
  }
  if (req.op === 'discard') {
    const r = await discardRecords(parking, req.ids ?? []);
    ctx.log.warn('parked records discarded', { discarded: r.discarded, ...audit });
    return r;
  }
  const report = await replayParked(deps, {
    ...filter,
    ids: req.ids,
    maxEvents: req.limit,
    invocationsPerMinute: Math.max(1, Math.floor(ctx.config.delivery.maxInvocationsPerMinute / 2)),
    deadline,
    maxAttempts: ctx.config.delivery.replayMaxAttempts,
    recordBudgetMs: ctx.config.delivery.budgetMs,
  });
  ctx.log.info('replay run', { ...report, ...audit });
  return report;
}

export async function runReplay(params: Record<string, unknown>): Promise<ReplayResult> {
  const c = relayContext(params, 'replay');
  if (!c.ok) {
    reportConfigErrorsOnce(c.errors, c.log, c.outcome);
    return { error: contextError(c) };
  }
  const { ctx } = c;
  // whoever holds the namespace key (the alarm's rule, or `aio rt action invoke`)
  const req = replayRequestOf(params, ctx.now(), { limit: ctx.config.delivery.replayMaxPerRun }, 'replay action');
  if ('error' in req) {
    ctx.log.warn('replay: request refused', { error: req.error.code });
    return req;
  }
  let stores: Stores;
  try {
    stores = await ctx.stores();
  } catch (err) {
    ctx.log.error('replay: the store could not be opened', { err: (err as Error).name });
    return { error: { code: 'store_unavailable', message: `the store could not be opened (${(err as Error).name}); nothing was replayed` } };
  }
  return { ok: true, report: await replayOperation(ctx, stores, req.value) };
}
