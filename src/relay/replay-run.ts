/**
 * The replay action's composition: filters from params (route, stream, since,
 * limit), the shared context, and half of the namespace's invocation rate (the
 * other half stays free for live deliveries).
 *
 * Dead letters: `deadLetters: "list" | "replay" | "discard"` (with the same
 * filters, or `id` for one record) lists, re-drives or deletes them instead.
 * A store that cannot be opened is reported as `{ error: store_unavailable }`;
 * store errors on single records are in the report's `errors`.
 */
import { discardDeadLetters, listDeadLetters, replayDeadLetters } from '../delivery/dead-letters';
import { replayParked, type ReplayDeps, type ReplayReport } from '../delivery/replay';
import type { Stores } from './context';
import { toIsoUtc } from '../envelope/time';
import { contextError, relayContext, reportConfigErrorsOnce, workDeadline } from './context';

export type ReplayResult = { ok: true; report: ReplayReport | Record<string, unknown> } | { error: { code: string; message: string } };

const DEAD_LETTER_OPS = ['list', 'replay', 'discard'] as const;

const DURATION = /^(\d+)\s*([smhd])$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `since` as an ISO time or a duration back from now ("6h", "2d"). */
export function parseSinceParam(value: unknown, now: number): string | undefined | null {
  if (value === undefined || value === null || value === '') return undefined;
  const s = String(value).trim();
  const d = DURATION.exec(s);
  if (d) return new Date(now - Number(d[1]) * UNIT_MS[d[2]]).toISOString();
  return toIsoUtc(s) ?? null;
}

export async function runReplay(params: Record<string, unknown>): Promise<ReplayResult> {
  const c = relayContext(params, 'replay');
  if (!c.ok) {
    reportConfigErrorsOnce(c.errors, c.log, c.outcome);
    return { error: contextError(c) };
  }
  const { ctx } = c;
  const since = parseSinceParam(params.since, ctx.now());
  if (since === null) return { error: { code: 'since_invalid', message: 'since must be an ISO time or a duration like 30m, 6h, 2d' } };
  const limit = params.limit === undefined ? ctx.config.delivery.replayMaxPerRun : Number(params.limit);
  if (!Number.isInteger(limit) || limit < 1) return { error: { code: 'limit_invalid', message: 'limit must be a positive integer' } };
  const op = params.deadLetters;
  if (op !== undefined && !(DEAD_LETTER_OPS as readonly unknown[]).includes(op)) {
    return { error: { code: 'dead_letters_invalid', message: 'deadLetters must be list, replay or discard' } };
  }
  let stores: Stores;
  try {
    stores = await ctx.stores();
  } catch (err) {
    ctx.log.error('replay: the store could not be opened', { err: (err as Error).name });
    return { error: { code: 'store_unavailable', message: `the store could not be opened (${(err as Error).name}); nothing was replayed` } };
  }
  const { parking, dedupe, deadLetter } = stores;
  const filter = { route: typeof params.route === 'string' ? params.route : undefined, stream: typeof params.stream === 'string' ? params.stream : undefined, since };
  const deadline = workDeadline(ctx, Number(params.maxSeconds ?? 50) * 1000);
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
  const id = typeof params.id === 'string' ? params.id : undefined;
  if (op === 'list') {
    const listed = await listDeadLetters(deadLetter, { ...filter, id, limit });
    return { ok: true, report: { deadLetters: listed.records.length, records: listed.records, errors: listed.errors } };
  }
  if (op === 'discard') {
    const r = await discardDeadLetters(deadLetter, { ...filter, id, limit });
    ctx.log.warn('dead letters discarded', { discarded: r.discarded, filter: { ...filter, id } });
    return { ok: true, report: r };
  }
  if (op === 'replay') {
    const r = await replayDeadLetters(deps, deadLetter, { ...filter, id, limit, deadline, recordBudgetMs: ctx.config.delivery.budgetMs });
    ctx.log.info('dead-letter replay run', { ...r, filter: { ...filter, id } });
    return { ok: true, report: r };
  }
  const report = await replayParked(deps, {
    ...filter,
    maxEvents: limit,
    invocationsPerMinute: Math.max(1, Math.floor(ctx.config.delivery.maxInvocationsPerMinute / 2)),
    deadline,
    maxAttempts: ctx.config.delivery.replayMaxAttempts,
    recordBudgetMs: ctx.config.delivery.budgetMs,
  });
  ctx.log.info('replay run', { ...report, filter });
  return { ok: true, report };
}
