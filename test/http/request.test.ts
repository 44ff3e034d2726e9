import { decodeRequest, isJsonContentType, parseJsonBody } from '../../src/http/request';
import { toRuntimeParams } from '../../dev/runtime-params';

const json = '{"a":1,  "b":[2]}';

describe('decodeRequest', () => {
  it('takes the exact bytes of a base64 JSON body (what Runtime sends)', () => {
    const params = toRuntimeParams({ method: 'POST', headers: { 'Content-Type': 'application/json' }, query: '', body: Buffer.from(json) });
    expect(params.__ow_body).toBe(Buffer.from(json).toString('base64'));
    const r = decodeRequest(params, 1024);
    expect(r.ok && r.value.rawBody.toString()).toBe(json);
  });
  it('takes a plain string body as-is (text types, local tools)', () => {
    const r = decodeRequest({ __ow_method: 'post', __ow_headers: {}, __ow_body: json }, 1024);
    expect(r.ok && r.value.rawBody.toString()).toBe(json);
  });
  it('accepts the query as a raw string or an object', () => {
    const a = decodeRequest({ __ow_method: 'get', __ow_query: 'challenge=abc&x=1' }, 1024);
    const b = decodeRequest({ __ow_method: 'get', __ow_query: { challenge: 'abc' } }, 1024);
    expect(a.ok && a.value.query.get('challenge')).toBe('abc');
    expect(b.ok && b.value.query.get('challenge')).toBe('abc');
  });
  it('lower-cases header names', () => {
    const r = decodeRequest({ __ow_method: 'POST', __ow_headers: { 'X-Adobe-Delivery-Id': 'd' } }, 1024);
    expect(r.ok && r.value.headers['x-adobe-delivery-id']).toBe('d');
    expect(r.ok && r.value.method).toBe('post');
  });
  it('rejects a body over the limit with 413', () => {
    const r = decodeRequest({ __ow_method: 'post', __ow_body: Buffer.alloc(2000, 'a').toString('base64') }, 1024);
    expect(r).toMatchObject({ ok: false, outcome: { status: 413, code: 'body_too_large' } });
  });
  it('treats an empty body as empty', () => {
    const r = decodeRequest({ __ow_method: 'get', __ow_body: '' }, 1024);
    expect(r.ok && r.value.rawBody.length).toBe(0);
  });
});

describe('content types', () => {
  it.each(['application/json', 'application/json; charset=UTF-8', 'application/cloudevents+json; charset=UTF-8', 'Application/JSON', undefined])('%s is JSON', (ct) =>
    expect(isJsonContentType(ct)).toBe(true),
  );
  it.each(['text/plain', 'application/xml', 'application/jsonp', 'multipart/form-data'])('%s is not', (ct) => expect(isJsonContentType(ct)).toBe(false));
});

describe('parseJsonBody', () => {
  it('parses JSON and tolerates a BOM', () => {
    expect(parseJsonBody(Buffer.from('\uFEFF{"a":1}'))).toEqual({ ok: true, value: { a: 1 } });
  });
  it('rejects invalid UTF-8, invalid JSON and an empty body with 400', () => {
    expect(parseJsonBody(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).toMatchObject({ outcome: { status: 400, code: 'body_not_utf8' } });
    expect(parseJsonBody(Buffer.from('{"a":'))).toMatchObject({ outcome: { status: 400, code: 'body_not_json' } });
    expect(parseJsonBody(Buffer.alloc(0))).toMatchObject({ outcome: { status: 400, code: 'body_missing' } });
  });
});
