/**
 * A raw web action's own request params (src/http/request-params.ts): the
 * query's fields, then a JSON-object body's; an input's name, an unknown or a
 * repeated name, a body that is not an object of params or nests too deep: each
 * refused with its own code, naming the param without echoing its value.
 */
import { isInputName, SETTING_GROUPS } from '../../src/config';
import { decodeRequest, type RawRequest } from '../../src/http/request';
import { nestsDeeperThan, requestParams } from '../../src/http/request-params';

const req = (query: string, body?: string, contentType = 'application/json'): RawRequest => {
  const r = decodeRequest({ __ow_method: body ? 'post' : 'get', __ow_headers: body ? { 'content-type': contentType } : {}, __ow_query: query, __ow_body: body ? Buffer.from(body).toString('base64') : '' }, 1 << 20);
  if (!r.ok) throw new Error('decode');
  return r.value;
};
const rules = { accepts: ['op', 'id', 'event'], inputName: isInputName };
const codeOf = (r: ReturnType<typeof requestParams>): string | undefined => (r.ok ? undefined : (r.outcome as { code: string }).code);

describe('requestParams', () => {
  it('reads the query, then the body (its values as sent)', () => {
    expect(requestParams(req('op=record&id=park-1'), rules)).toEqual({ ok: true, value: { op: 'record', id: 'park-1' } });
    expect(requestParams(req('op=x', '{"event":{"a":[1]}}'), rules)).toEqual({ ok: true, value: { op: 'x', event: { a: [1] } } });
  });
  it('every setting and platform input name is param_not_allowed, whatever else the request holds', () => {
    for (const name of [...Object.values(SETTING_GROUPS).flat(), '__ims_oauth_s2s', '__ims_env', '__ow_headers', 'SOME_FUTURE_SETTING']) {
      expect({ name, code: codeOf(requestParams(req(`nope=1&${name}=x`), rules)) }).toEqual({ name, code: 'param_not_allowed' });
      expect({ name, code: codeOf(requestParams(req('', JSON.stringify({ op: 'x', [name]: 'x' })), rules)) }).toEqual({ name, code: 'param_not_allowed' });
    }
  });
  it('the message names the param, bounded, and never its value', () => {
    const r = requestParams(req(`REDIS_URL=${encodeURIComponent('redis://user:hunter2@host')}`), rules);
    const message = (r as { outcome: { message: string } }).outcome.message;
    expect(message).toContain('"REDIS_URL"');
    expect(message).not.toContain('hunter2');
    const long = requestParams(req(`${'a'.repeat(5000)}=1`), rules);
    expect((long as { outcome: { message: string } }).outcome.message.length).toBeLessThan(200);
  });
  it('unknown, repeated (in the query, or in both), and unreadable bodies', () => {
    expect(codeOf(requestParams(req('format=text'), rules))).toBe('param_unknown');
    expect(codeOf(requestParams(req('op=a&op=b'), rules))).toBe('param_repeated');
    expect(codeOf(requestParams(req('op=a', '{"op":"b"}'), rules))).toBe('param_repeated');
    expect(codeOf(requestParams(req('', '[1]'), rules))).toBe('body_not_object');
    expect(codeOf(requestParams(req('', '{'), rules))).toBe('body_not_json');
    expect(codeOf(requestParams(req('', 'op=x', 'application/x-www-form-urlencoded'), rules))).toBe('content_type_unsupported');
  });
  it('a body nested past the bound is body_too_deep; at the bound it is read', () => {
    const nest = (n: number): string => `${'{"x":'.repeat(n - 1)}1${'}'.repeat(n - 1)}`;
    expect(codeOf(requestParams(req('', `{"event":${nest(5000)}}`), rules))).toBe('body_too_deep');
    // the body object is level 1: its event then nests 63 levels more
    expect(requestParams(req('', `{"event":${nest(64)}}`), rules).ok).toBe(true);
    expect(codeOf(requestParams(req('', `{"event":${nest(65)}}`), rules))).toBe('body_too_deep');
  });
  it('nestsDeeperThan counts arrays and objects alike, without recursion', () => {
    expect(nestsDeeperThan({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: [] }] }, 3)).toBe(true);
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(nestsDeeperThan(deep, 64)).toBe(true);
  });
});
