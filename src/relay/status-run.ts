/**
 * The status web action: context → report → HTTP. Deployed `web: raw` behind
 * Adobe's validator (operator-request.ts says why): its settings are its
 * params, and the request's params, `format` (`json`, the default, or
 * `text`) and `instanceOffset` / `instanceLimit` (which instances each stream
 * lists, src/status/instances.ts), are read from the request itself.
 */
import { toHttpResponse, type HttpResponse } from '../http/response';
import { rejected } from '../outcome';
import { relayContext, reportConfigErrorsOnce, type RelayContext } from './context';
import { logged, operatorRequest } from './operator-request';
import { instancePageOf } from '../status/instances';
import { statusReport, statusText } from '../status/status';

/** The request params status takes. */
export const STATUS_PARAMS = ['format', 'instanceOffset', 'instanceLimit'] as const;

export async function runStatus(params: Record<string, unknown>): Promise<HttpResponse> {
  const c = relayContext(params, 'status', { invokes: false });
  if (!c.ok) {
    reportConfigErrorsOnce(c.errors, c.log, c.outcome);
    return toHttpResponse(c.outcome);
  }
  return logged(c.ctx.log, 'status', await answer(c.ctx, params));
}

async function answer(ctx: RelayContext, params: Record<string, unknown>): Promise<HttpResponse> {
  const r = operatorRequest(params, { maxBodyBytes: 4096, accepts: STATUS_PARAMS });
  if (!r.ok) return toHttpResponse(r.outcome);
  if (r.value.req.method !== 'get') return toHttpResponse(rejected(405, 'method_not_allowed', 'status is read with GET'));
  const format = r.value.params.format ?? 'json';
  if (format !== 'json' && format !== 'text') return toHttpResponse(rejected(400, 'format_invalid', 'format must be json or text'));
  const page = instancePageOf((name) => r.value.params[name]);
  if (!page.ok) return toHttpResponse(rejected(400, 'page_invalid', page.message));
  const report = await statusReport(() => ctx.stores(), params, ctx.now(), { instances: page.page });
  ctx.log.info('status', { overall: report.overall, warnings: report.warnings.map((w) => w.code) });
  const headers = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };
  return format === 'text'
    ? { statusCode: 200, headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }, body: statusText(report) }
    : { statusCode: 200, headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(report) };
}
