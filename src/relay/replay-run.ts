/**
 * The replay action's composition: filters from params (route, stream, since,
 * limit), the shared context, and half of the namespace's invocation rate (the
 * other half stays free for live deliveries).
 */
import { replayParked, type ReplayReport } from '../delivery/replay';
import { toIsoUtc } from '../envelope/time';
import { contextError, relayContext, reportConfigErrorsOnce, workDeadline } from './context';

export type ReplayResult = { ok: true; report: ReplayReport } | { error: { code: string; message: string } };

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
  const { parking, dedupe } = await ctx.stores();
  const report = await replayParked(
    {
      parking,
      dedupe,
      invoker: ctx.invoker,
      routes: ctx.routes,
      log: ctx.log,
      now: ctx.now,
      forward: { concurrency: 1, timeoutMs: ctx.config.delivery.forwardTimeoutMs, retryDelayMs: ctx.config.delivery.retryDelayMs, maxParamBytes: ctx.config.delivery.maxParamBytes },
    },
    {
      route: typeof params.route === 'string' ? params.route : undefined,
      stream: typeof params.stream === 'string' ? params.stream : undefined,
      since,
      maxEvents: limit,
      invocationsPerMinute: Math.max(1, Math.floor(ctx.config.delivery.maxInvocationsPerMinute / 2)),
      deadline: workDeadline(ctx, Number(params.maxSeconds ?? 50) * 1000),
    },
  );
  ctx.log.info('replay run', { ...report, filter: { route: params.route, stream: params.stream, since } });
  return { ok: true, report };
}
