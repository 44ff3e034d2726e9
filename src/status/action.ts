/** The status web action: context → report → HTTP. */
import { decodeRequest } from '../http/request';
import { toHttpResponse, type HttpResponse } from '../http/response';
import { rejected } from '../outcome';
import { relayContext, reportConfigErrorsOnce } from '../relay/context';
import { statusReport, statusText } from './status';

export async function runStatus(params: Record<string, unknown>): Promise<HttpResponse> {
  const c = relayContext(params, 'status');
  if (!c.ok) {
    reportConfigErrorsOnce(c.errors, c.log);
    return toHttpResponse(rejected(500, 'config_invalid', 'the action configuration is invalid; the action log says why'));
  }
  const req = decodeRequest(params, 4096);
  if (!req.ok) return toHttpResponse(req.outcome);
  if (req.value.method !== 'get') return toHttpResponse(rejected(405, 'method_not_allowed', 'status is read with GET'));
  const report = await statusReport(() => c.ctx.stores(), params, c.ctx.now());
  c.ctx.log.info('status', { overall: report.overall, warnings: report.warnings.map((w) => w.code) });
  const headers = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };
  return req.value.query.get('format') === 'text'
    ? { statusCode: 200, headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }, body: statusText(report) }
    : { statusCode: 200, headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(report) };
}
