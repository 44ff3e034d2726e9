/**
 * status as the controller calls it as deployed: a raw web action (the request
 * only in `__ow_query` / `__ow_body`) behind Adobe's validator, where `final`
 * does nothing (dev/manifest.ts). Params are built the way the controller builds
 * them (dev/runtime-params.ts, from WebActions.scala).
 */
import { main as status } from '../../actions/status/index';
import { loadManifest } from '../../dev/manifest';
import { webActionParams, type HttpLike } from '../../dev/runtime-params';
import { deployedParams } from '../support/deployed';
import { RelayHarness } from '../support/relay-harness';

const h = new RelayHarness();
beforeAll(() => h.start());
afterAll(() => h.stop());

const get = (query: string): HttpLike => ({ method: 'GET', headers: { host: 'runtime.example' }, query, body: Buffer.alloc(0) });
const deployed = (req: HttpLike): Record<string, unknown> => {
  const r = deployedParams('status', req, h.inputs);
  if (!r.ok) throw new Error(r.error);
  return r.params;
};
const answer = async (params: Record<string, unknown>) => (await status(params)) as { statusCode: number; headers: Record<string, string>; body: string };

describe('status as deployed', () => {
  it('the manifest: the operator actions are raw, behind Adobe’s validator, with no `final` in effect; the receivers raw and final', () => {
    const of = Object.fromEntries(loadManifest().actions.map((a) => [a.name, { web: a.web, adobeAuth: a.adobeAuth, final: a.final }]));
    expect(of).toMatchObject({
      status: { web: 'raw', adobeAuth: true, final: false },
      console: { web: 'raw', adobeAuth: true, final: false },
      'user-audit': { web: 'raw', adobeAuth: false, final: true },
      replay: { web: false, adobeAuth: false },
    });
  });
  it('?format=text reaches the action only in __ow_query, and answers text; no format: JSON', async () => {
    const params = deployed(get('format=text'));
    expect(params.__ow_query).toBe('format=text');
    expect(params).not.toHaveProperty('format');
    const text = await answer(params);
    expect(text.statusCode).toBe(200);
    expect(text.headers['Content-Type']).toMatch(/^text\/plain/);
    expect(text.body).toMatch(/^overall: /);
    const json = await answer(deployed(get('')));
    expect(json.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(json.body)).toHaveProperty('overall');
  });
  it('a POST is 405; a format it has not is 400 format_invalid; a param it does not take is 400 param_unknown', async () => {
    expect((await answer(deployed({ method: 'POST', headers: { 'content-type': 'application/json' }, query: '', body: Buffer.from('{"format":"text"}') }))).statusCode).toBe(405);
    expect(JSON.parse((await answer(deployed(get('format=xml')))).body)).toMatchObject({ error: 'format_invalid' });
    expect(JSON.parse((await answer(deployed(get('n=1')))).body)).toMatchObject({ error: 'param_unknown' });
  });
  it('a query naming a setting is refused 400 param_not_allowed by the action itself: `final` would not have', async () => {
    const params = deployed(get('STATE_STORE=file&LOG_LEVEL=debug'));
    // what the action gets: its inputs untouched, the request boxed in __ow_query
    expect(params.STATE_STORE).toBe(h.inputs.STATE_STORE);
    const res = await answer(params);
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'param_not_allowed', message: expect.stringContaining('"STATE_STORE"') });
    // as `web: yes` without `final` (the sequence Adobe's deploy makes of a web: yes action), the setting would be the request's
    const merged = webActionParams(get('STATE_STORE=file'), h.inputs, { web: 'yes', final: false });
    expect(merged).toMatchObject({ ok: true, params: { STATE_STORE: 'file' } });
  });
});
