/**
 * The status web action: context → report → HTTP. Deployed `web: yes`, so the
 * controller hands the query over as params (`format=text` arrives as
 * `params.format`, with no `__ow_query`); as a raw web action it would arrive
 * in `__ow_query`. Both are read.
 */
import { decodeRequest } from '../http/request';
import { toHttpResponse, type HttpResponse } from '../http/response';
import { rejected } from '../outcome';
import { relayContext, reportConfigErrorsOnce } from './context';
import { statusReport, statusText } from '../status/status';

/** `format` from a raw action's query string, else from a `web: yes` action's merged params. */
function formatOf(params: Record<string, unknown>, query: URLSearchParams): string | undefined {
  const q = query.get('format');
  if (q !== null) return q;
  return typeof params.format === 'string' ? params.format : undefined;
}

export async function runStatus(params: Record<string, unknown>): Promise<HttpResponse> {
  const c = relayContext(params, 'status', { invokes: false });
  if (!c.ok) {
    reportConfigErrorsOnce(c.errors, c.log, c.outcome);
    return toHttpResponse(c.outcome);
  }
  const req = decodeRequest(params, 4096);
  if (!req.ok) return toHttpResponse(req.outcome);
  if (req.value.method !== 'get') return toHttpResponse(rejected(405, 'method_not_allowed', 'status is read with GET'));
  const report = await statusReport(() => c.ctx.stores(), params, c.ctx.now());
  c.ctx.log.info('status', { overall: report.overall, warnings: report.warnings.map((w) => w.code) });
  const headers = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };
  return formatOf(params, req.value.query) === 'text'
    ? { statusCode: 200, headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }, body: statusText(report) }
    : { statusCode: 200, headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(report) };
}
