/**
 * The operator console's backend (actions/console): one web action, deployed
 * `web: raw` with require-adobe-auth (Adobe's gateway lets only IMS user tokens
 * through) and checking that the caller's org is the app's own
 * (src/console/caller.ts). Its settings are its params; the request's own params
 * (CONSOLE_PARAMS: the query's, then a JSON body's) are read from the request
 * alone (operator-request.ts says why). `op` picks what it answers:
 *
 *   GET  overview                       the status report and the 24-hour series per stream
 *                                       (instanceOffset, instanceLimit: which instances each lists)
 *   GET  records  kind=parked|dead|stale a page of records (route, stream, offset, limit)
 *   GET  record   kind, id              one record with its envelopes
 *   POST replay   kind, ids | route | all   re-drive records (the replay action's own operation;
 *                 kind=stale only with includeStale: true, after the console asked)
 *   POST discard  kind, ids             delete records (never a whole filter)
 *   GET  routes                         the effective route table
 *   POST test-route stream, event       normalize + route one event, nothing handed off
 *
 * Every change is logged with the caller's IMS user id; no secret, token or
 * signature is part of any answer.
 */
import { identifyCaller } from '../console/caller';
import { recordPage, recordView } from '../console/records';
import { describeRoutes, normalizeForTest, routeForTest } from '../console/route-test';
import { streamSeries } from '../console/series';
import { isStream, type Stream } from '../envelope/envelope';
import { toHttpResponse, type HttpResponse } from '../http/response';
import { imsOrgOf } from '../ims/credential';
import { rejected } from '../outcome';
import { instancePageOf } from '../status/instances';
import type { StatsHour } from '../status/stats';
import { statusReport } from '../status/status';
import { contextError, relayContext, reportConfigErrorsOnce, type RelayContext, type Stores } from './context';
import { logged, operatorRequest } from './operator-request';
import { filterParam, replayOperation, replayRequestOf } from './replay-run';

/** The request params the console takes (which op reads which: the table above). */
export const CONSOLE_PARAMS = ['op', 'kind', 'id', 'ids', 'route', 'stream', 'offset', 'limit', 'all', 'includeStale', 'maxSeconds', 'event', 'instanceOffset', 'instanceLimit'] as const;

const HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store', 'Content-Type': 'application/json' };
const answer = (statusCode: number, body: unknown): HttpResponse => ({ statusCode, headers: HEADERS, body: JSON.stringify(body) });
const fail = (statusCode: number, error: string, message: string): HttpResponse => answer(statusCode, { error, message });

const READS = new Set(['overview', 'records', 'record', 'routes']);
const WRITES = new Set(['replay', 'discard', 'test-route']);

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

function kindOf(params: Record<string, unknown>): 'parked' | 'dead' | 'stale' | undefined {
  const k = params.kind;
  return k === 'parked' || k === 'dead' || k === 'stale' ? k : undefined;
}

const storeOf = (stores: Stores, kind: 'parked' | 'dead' | 'stale'): Stores['deadLetter'] =>
  (kind === 'parked' ? stores.parking : kind === 'stale' ? stores.stale : stores.deadLetter) as Stores['deadLetter'];

async function overview(ctx: RelayContext, inputs: Record<string, unknown>, own: Record<string, unknown>): Promise<HttpResponse> {
  const page = instancePageOf((name) => own[name]);
  if (!page.ok) return fail(400, 'page_invalid', page.message);
  const now = ctx.now();
  let stats: StatsHour[] = [];
  const report = await statusReport(() => ctx.stores(), inputs, now, { onStats: (s) => (stats = s), instances: page.page });
  return answer(200, { report, series: streamSeries(stats, now, { instances: page.page }) });
}

function testRoute(ctx: RelayContext, params: Record<string, unknown>): HttpResponse {
  const stream = params.stream;
  if (!isStream(stream)) return fail(400, 'stream_invalid', 'stream must be user-audit, notification, lead-activity or observability');
  if (params.event === undefined) return fail(400, 'event_missing', 'send the event (or delivery) to test as "event"');
  const received = normalizeForTest(stream as Stream, params.event, ctx.now(), ctx.config.zonelessTimeZone);
  if (!received.ok) return toHttpResponse(received.outcome);
  return answer(200, routeForTest(ctx.routes, received.value));
}

async function records(ctx: RelayContext, stores: Stores, params: Record<string, unknown>, op: string): Promise<HttpResponse> {
  const kind = kindOf(params);
  if (!kind) return fail(400, 'kind_invalid', 'kind must be parked, dead or stale');
  const store = storeOf(stores, kind);
  if (op === 'record') {
    const id = text(params.id);
    if (!id) return fail(400, 'id_missing', 'send the record id as id');
    if (!store.holds(id)) return fail(400, 'id_invalid', `id cannot name a ${kind} record: record ids carry their store's prefix and only A-Z a-z 0-9 - _ . (at most 1,024 characters)`);
    const rec = await store.get(id);
    return rec ? answer(200, { record: recordView(rec) }) : fail(404, 'record_not_found', 'no such record (replayed, discarded or expired)');
  }
  const offset = params.offset === undefined ? 0 : Number(params.offset);
  const limit = params.limit === undefined ? 50 : Number(params.limit);
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(limit) || limit < 1) return fail(400, 'page_invalid', 'offset must be an integer ≥ 0 and limit ≥ 1');
  const route = filterParam(params, 'route');
  if ('error' in route) return fail(400, route.error.code, route.error.message);
  const stream = filterParam(params, 'stream');
  if ('error' in stream) return fail(400, stream.error.code, stream.error.message);
  return answer(200, await recordPage(store, { route: route.value, stream: stream.value, offset, limit, now: ctx.now() }));
}

async function change(ctx: RelayContext, stores: Stores, params: Record<string, unknown>, op: 'replay' | 'discard', who: string): Promise<HttpResponse> {
  const kind = kindOf(params);
  if (!kind) return fail(400, 'kind_invalid', 'kind must be parked, dead or stale');
  const ids = params.ids;
  // stale events may have been handed off before: the console asks the operator, and says so here
  if (kind === 'stale' && op === 'replay' && params.includeStale !== true) {
    return fail(400, 'stale_confirmation_required', 'these events were delivered longer ago than DEDUPE_TTL_HOURS and may have been handed off before: confirm with includeStale: true');
  }
  if (op === 'discard' && (!Array.isArray(ids) || ids.length === 0)) return fail(400, 'ids_required', 'discard deletes the records named by ids, and nothing else');
  const route = filterParam(params, 'route');
  if ('error' in route) return fail(400, route.error.code, route.error.message);
  if (op === 'replay' && ids === undefined && params.all !== true && route.value === undefined) return fail(400, 'selection_missing', 'say what to replay: ids, a route, or all: true');
  // the same request the replay action builds from its params
  const asParams = { ids, route: params.route, stream: params.stream, limit: params.limit, maxSeconds: params.maxSeconds ?? 40, ...(kind === 'parked' ? { parked: op } : { deadLetters: op }) };
  const req = replayRequestOf(asParams, ctx.now(), { limit: ctx.config.delivery.replayMaxPerRun }, `console: ${who}`);
  if ('error' in req) return fail(400, req.error.code, req.error.message);
  return answer(200, { report: await replayOperation(ctx, stores, kind === 'stale' ? { ...req.value, target: 'stale' } : req.value) });
}

export async function runConsole(params: Record<string, unknown>): Promise<HttpResponse> {
  const c = relayContext(params, 'console');
  if (!c.ok) {
    reportConfigErrorsOnce(c.errors, c.log, c.outcome);
    const e = contextError(c);
    return toHttpResponse(c.outcome.kind === 'rejected' || c.outcome.kind === 'retryLater' ? c.outcome : rejected(500, e.code, e.message));
  }
  const { ctx } = c;
  const r = operatorRequest(params, { maxBodyBytes: 1024 * 1024, accepts: CONSOLE_PARAMS });
  if (!r.ok) return logged(ctx.log, 'console', toHttpResponse(r.outcome));
  const caller = identifyCaller(r.value.req.headers, imsOrgOf(params));
  if (!caller.ok) {
    ctx.log.warn('console: caller refused', { status: caller.status, error: caller.code });
    return fail(caller.status, caller.code, caller.message);
  }
  const own = r.value.params;
  // an op that is not text is no op the console has (never the default)
  const op = own.op === undefined ? 'overview' : typeof own.op === 'string' ? own.op.trim() : '';
  const method = r.value.req.method;
  if (READS.has(op) ? method !== 'get' : WRITES.has(op) ? method !== 'post' : true) {
    return logged(ctx.log, 'console', READS.has(op) || WRITES.has(op) ? fail(405, 'method_not_allowed', `${op} is ${READS.has(op) ? 'read with GET' : 'sent with POST'}`) : fail(400, 'op_invalid', `op must be one of ${[...READS, ...WRITES].join(', ')}`));
  }
  try {
    return logged(ctx.log, 'console', await dispatch(ctx, params, own, op, caller.who), { op });
  } catch (err) {
    // a store that fails mid-way: a JSON answer the console can show, and one log line (no stack)
    ctx.log.error('console: the request failed', { op, err: (err as Error)?.name ?? 'Error' });
    return { ...fail(503, 'store_unavailable', `the store failed (${(err as Error)?.name ?? 'Error'}); try again`), headers: { ...HEADERS, 'Retry-After': '10' } };
  }
}

/** `inputs`: the action's params (its settings); `own`: the request's params. */
async function dispatch(ctx: RelayContext, inputs: Record<string, unknown>, own: Record<string, unknown>, op: string, who: string): Promise<HttpResponse> {
  if (op === 'overview') return overview(ctx, inputs, own);
  if (op === 'routes') return answer(200, describeRoutes(ctx.routes, ctx.config.routes !== undefined));
  if (op === 'test-route') return testRoute(ctx, own);
  const stores = await ctx.stores();
  if (op === 'records' || op === 'record') return records(ctx, stores, own, op);
  return change(ctx, stores, own, op as 'replay' | 'discard', who);
}
