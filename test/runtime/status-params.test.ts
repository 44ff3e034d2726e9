/**
 * status as each kind of web action receives it: deployed `web: yes` (the
 * controller merges the query into params: `format` is a param and there is no
 * `__ow_query`), and as a raw action (`__ow_query`). Params are built the way the
 * controller builds them (dev/runtime-params.ts, from WebActions.scala).
 */
import { main as status } from '../../actions/status/index';
import { loadManifest } from '../../dev/manifest';
import { toRuntimeParams, webActionParams, type HttpLike } from '../../dev/runtime-params';
import { RelayHarness } from '../support/relay-harness';

const h = new RelayHarness();
beforeAll(() => h.start());
afterAll(() => h.stop());

const get = (query: string): HttpLike => ({ method: 'GET', headers: { host: 'runtime.example' }, query, body: Buffer.alloc(0) });
const yes = (req: HttpLike): Record<string, unknown> => {
  const r = webActionParams(req, h.inputs, { web: 'yes', final: true });
  if (!r.ok) throw new Error(r.error);
  return r.params;
};
const answer = async (params: Record<string, unknown>) => (await status(params)) as { statusCode: number; headers: Record<string, string>; body: string };

describe('status, per kind of web action', () => {
  it('the manifest decides per action: status is web: yes, the receivers raw', () => {
    const kinds = Object.fromEntries(loadManifest().actions.map((a) => [a.name, a.web]));
    expect(kinds).toMatchObject({ status: 'yes', 'user-audit': 'raw', notification: 'raw', 'lead-activity': 'raw', replay: false });
  });
  it('web: yes — ?format=text arrives as the param `format`, never as __ow_query, and answers text', async () => {
    const params = yes(get('format=text'));
    expect(params.format).toBe('text');
    expect(params).not.toHaveProperty('__ow_query');
    const res = await answer(params);
    expect(res.statusCode).toBe(200);
    expect(res.headers['Content-Type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/^overall: /);
  });
  it('web: yes — without format: JSON; a POST: 405', async () => {
    const res = await answer(yes(get('')));
    expect(res.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(res.body)).toHaveProperty('overall');
    const post = yes({ method: 'POST', headers: { 'content-type': 'application/json' }, query: '', body: Buffer.from('{"x":1}') });
    expect((await answer(post)).statusCode).toBe(405);
  });
  it('raw — format in __ow_query answers text, and JSON without it', async () => {
    const text = await answer(toRuntimeParams(get('format=text'), h.inputs));
    expect(text.body).toMatch(/^overall: /);
    const json = await answer(toRuntimeParams(get(''), h.inputs));
    expect(JSON.parse(json.body)).toHaveProperty('overall');
  });
  it('web: yes on a final action — a query that names one of its inputs is refused by the controller', () => {
    expect(webActionParams(get('LOG_LEVEL=debug'), h.inputs, { web: 'yes', final: true })).toMatchObject({ ok: false, status: 400 });
    expect(webActionParams(get('__ow_method=post'), h.inputs, { web: 'yes' })).toMatchObject({ ok: false, status: 400 });
  });
});
