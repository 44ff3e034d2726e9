/**
 * The local runtime gives each action what the OpenWhisk controller and the
 * Node.js runtime give it: params for its kind of web action (raw: `__ow_body`
 * / `__ow_query`; `web: yes`: merged; `final` void under require-adobe-auth), headers and content type as the
 * controller renders them, the result rendered as a `.http` result (204 when
 * empty), and this activation's `__OW_*` values in process.env when main starts.
 * The actions of app.config.yaml are served by an echo main that reports what
 * it was given.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderWebResult, startLocalServer, type LocalServer } from '../../dev/server';
import { localEnv } from '../../dev/local-env';
import { parseConfig } from '../../src/config';
import { resolveStoreKind } from '../../src/stores/select';

const KEY = 'a8f1c2d3-0000-4000-8000-000000000001:controller-params-key';
let dir: string;
let server: LocalServer;

interface Echo {
  params: Record<string, unknown>;
  env: Record<string, string | undefined>;
}
const OW = ['__OW_API_KEY', '__OW_NAMESPACE', '__OW_ACTION_NAME', '__OW_ACTIVATION_ID', '__OW_TRANSACTION_ID', '__OW_DEADLINE'];
const echo = async (params: Record<string, unknown>): Promise<unknown> => {
  // read synchronously, before any await, as the relay does
  const env = Object.fromEntries(OW.map((k) => [k, process.env[k]]));
  await new Promise((r) => setImmediate(r));
  if (params.empty !== undefined || String(params.__ow_query ?? '').includes('empty')) return {};
  return { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ params, env }) };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'msr-ctl-'));
  server = await startLocalServer({ port: 0, load: () => echo, env: { LOG_LEVEL: 'debug', EVENTS_CLIENT_ID: 'c' }, invocationsFile: join(dir, 'invocations.jsonl'), apiKey: KEY });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** status is deployed with require-adobe-auth: locally the console session's token stands in for an IMS user token */
const operator = (): [string, string] => ['authorization', `Bearer ${server.session.token}`];

/** A request with exactly these header lines (duplicates kept, in order). */
function request(action: string, o: { method?: string; query?: string; headers?: [string, string][]; body?: string } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.url}/api/v1/web/marketo-stream-relay/${action}${o.query ? `?${o.query}` : ''}`, {
      method: o.method ?? 'POST',
      headers: [['host', new URL(server.url).host], ...(o.headers ?? []), ['content-length', String(Buffer.byteLength(o.body ?? ''))]].flat() as unknown as http.OutgoingHttpHeaders,
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}
const echoed = async (...args: Parameters<typeof request>): Promise<Echo & { activationId: string }> => {
  const res = await request(...args);
  expect({ status: res.status, text: res.status === 200 ? '' : res.text }).toEqual({ status: 200, text: '' });
  return { ...(JSON.parse(res.text) as Echo), activationId: String(res.headers['x-openwhisk-activation-id']) };
};

describe('web: raw (the receivers)', () => {
  it('JSON: base64 body, raw query, content type without charset, no content-length', async () => {
    const { params } = await echoed('user-audit', { query: 'a=1&a=2', headers: [['Content-Type', 'application/json; charset=utf-8']], body: '{"x":1}' });
    expect(params).toMatchObject({ __ow_method: 'post', __ow_query: 'a=1&a=2', __ow_body: Buffer.from('{"x":1}').toString('base64'), __ow_path: '' });
    const headers = params.__ow_headers as Record<string, string>;
    expect(headers['content-type']).toBe('application/json');
    expect(headers).not.toHaveProperty('content-length');
  });
  it('text: the text itself, charset spelled as the controller spells it', async () => {
    const { params } = await echoed('notification', { headers: [['content-type', 'text/plain;charset=utf-8']], body: 'hello' });
    expect(params.__ow_body).toBe('hello');
    expect((params.__ow_headers as Record<string, string>)['content-type']).toBe('text/plain; charset=UTF-8');
  });
  it('a body sent without a content type is application/octet-stream (base64); no body, no content type', async () => {
    const { params } = await echoed('lead-activity', { body: '{"y":2}' });
    expect((params.__ow_headers as Record<string, string>)['content-type']).toBe('application/octet-stream');
    expect(params.__ow_body).toBe(Buffer.from('{"y":2}').toString('base64'));
    const empty = await echoed('lead-activity', { method: 'GET' });
    expect(empty.params.__ow_body).toBe('');
    expect(empty.params.__ow_headers).not.toHaveProperty('content-type');
  });
  it('the last of duplicate headers wins', async () => {
    const { params } = await echoed('user-audit', { headers: [['x-adobe-signature', 'first'], ['X-Adobe-Signature', 'second']], body: '' });
    expect((params.__ow_headers as Record<string, string>)['x-adobe-signature']).toBe('second');
  });
});

describe('require-adobe-auth actions (status): raw, and `final` does nothing there', () => {
  it('query and JSON body only in __ow_query and __ow_body, never merged into params', async () => {
    const { params } = await echoed('status', { query: 'format=text&n=1', headers: [operator(), ['content-type', 'application/json']], body: '{"b":true}' });
    expect(params).toMatchObject({ __ow_query: 'format=text&n=1', __ow_body: Buffer.from('{"b":true}').toString('base64'), __ow_method: 'post' });
    expect(params).not.toHaveProperty('format');
    expect(params).not.toHaveProperty('b');
  });
  it('a query naming an input is not refused by the runtime: the action runs, and only its own defence stands', async () => {
    const { params } = await echoed('status', { method: 'GET', query: 'LOG_LEVEL=off', headers: [operator()] });
    expect(params).toMatchObject({ LOG_LEVEL: 'debug', __ow_query: 'LOG_LEVEL=off' });
  });
});

describe('each activation as the Node.js runtime starts it', () => {
  it('its own __OW_* values at the start of main; the transaction id is the request’s X-Request-ID', async () => {
    const before = Date.now();
    const [a, b] = await Promise.all([
      echoed('user-audit', { headers: [['x-request-id', 'tid-one']], body: '' }),
      echoed('status', { method: 'GET', headers: [operator(), ['x-request-id', 'tid-two']] }),
    ]);
    expect(a.env).toEqual({
      __OW_API_KEY: KEY,
      __OW_NAMESPACE: 'local',
      __OW_ACTION_NAME: '/local/marketo-stream-relay/user-audit',
      __OW_ACTIVATION_ID: a.activationId,
      __OW_TRANSACTION_ID: 'tid-one',
      __OW_DEADLINE: expect.any(String),
    });
    expect(Number(a.env.__OW_DEADLINE)).toBeGreaterThanOrEqual(before + 60_000);
    expect(b.env).toMatchObject({ __OW_ACTION_NAME: '/local/marketo-stream-relay/status', __OW_ACTIVATION_ID: b.activationId, __OW_TRANSACTION_ID: 'tid-two' });
    expect(a.activationId).not.toBe(b.activationId);
  });
  it('an empty result is 204 with no body', async () => {
    const res = await request('user-audit', { query: 'empty', body: '' });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
  });
});

describe('results rendered as the controller renders a .http result', () => {
  it('status code, headers, JSON and text bodies, base64 for binary types, 204 when empty, error projection', () => {
    expect(renderWebResult({ statusCode: 201, headers: { 'Content-Type': 'application/json', 'X-A': 1 }, body: '{"a":1}' })).toEqual({ status: 201, headers: { 'x-a': '1', 'content-type': 'application/json' }, body: Buffer.from('{"a":1}') });
    expect(renderWebResult({ body: { a: 1 } })).toMatchObject({ status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"a":1}') });
    expect(renderWebResult({ body: 'hi' })).toMatchObject({ status: 200, headers: { 'content-type': 'text/html; charset=UTF-8' } });
    expect(renderWebResult({ headers: { 'content-type': 'image/png' }, body: Buffer.from([1, 2, 3]).toString('base64') }).body).toEqual(Buffer.from([1, 2, 3]));
    expect(renderWebResult({})).toMatchObject({ status: 204, body: Buffer.alloc(0) });
    expect(renderWebResult({ statusCode: 404 })).toMatchObject({ status: 404 });
    expect(renderWebResult({ error: { statusCode: 503, body: 'down' } })).toMatchObject({ status: 503 });
    expect(renderWebResult({ statusCode: 'teapot' }).status).toBe(400);
    expect(renderWebResult('a string').status).toBe(400);
  });
});

describe('local store selection', () => {
  it('REDIS_URL selects Redis locally, as the README says (no STATE_STORE=file default winning)', () => {
    const saved = { STATE_STORE: process.env.STATE_STORE, REDIS_URL: process.env.REDIS_URL };
    try {
      delete process.env.STATE_STORE;
      const env = localEnv({ REDIS_URL: 'redis://127.0.0.1:6379' });
      const parsed = parseConfig(env);
      if (!parsed.ok) throw new Error(parsed.errors.join('; '));
      expect(resolveStoreKind({ store: parsed.config.stores.kind, redisUrl: parsed.config.stores.redisUrl, localDir: dir, inRuntime: false })).toBe('redis');
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
