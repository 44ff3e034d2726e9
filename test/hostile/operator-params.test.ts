/**
 * Issue 24 item 3, black-box through the local runtime (real HTTP, the actions
 * from source, the file store): status and the console are deployed with
 * require-adobe-auth, where `final` protects nothing (dev/manifest.ts), so no
 * runtime check stands between a request and their settings. Every setting
 * name, and every platform input name, sent as a request param — in the query,
 * and in a JSON body — must be refused 400 `param_not_allowed` by the action
 * itself, with one log line and no trace of the value; and never read: the
 * actions answer afterwards from the same store and route table as before.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveLocally } from '../../dev/serve';
import { auditEvent } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import type { LocalServer } from '../../dev/server';
import { SETTING_GROUPS } from '../../src/config';

const ORG = 'HOSTILE0000000000000000@AdobeOrg';
const SETTINGS = Object.values(SETTING_GROUPS).flat();
/** what include-ims-credentials and the controller put into params */
const PLATFORM = ['__ims_oauth_s2s', '__ims_env', '__ow_method', '__ow_headers', '__ow_path', '__ow_query', '__ow_body', '__ow_user'];
/** a value that would change what the action does, were it read */
const valueFor = (name: string): string => (name === 'STATE_STORE' ? 'memory' : name === 'ROUTES' ? JSON.stringify({ routes: [], default: 'attacker/sink' }) : `hostile-${name.toLowerCase()}`);

let dir: string;
let server: LocalServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'msr-operator-params-'));
  server = await serveLocally({
    bundles: false,
    port: 0,
    env: {
      LOG_LEVEL: 'info',
      STATE_STORE: 'file',
      LOCAL_DATA_DIR: dir,
      LOCAL_INVOCATIONS_FILE: join(dir, 'invocations.jsonl'),
      AUDIT_TARGET_ACTION: 'ops/audit',
      IMS_OAUTH_S2S_CLIENT_ID: 'c',
      IMS_OAUTH_S2S_CLIENT_SECRET: 'operator-params-secret',
      IMS_OAUTH_S2S_ORG_ID: ORG,
    },
  });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: { error?: unknown; message?: unknown } & Record<string, unknown>;
  /** the warn/error lines the request wrote */
  lines: string[];
}

async function send(action: 'status' | 'console', o: { query?: string; body?: Record<string, unknown> } = {}): Promise<Answer> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
  try {
    const res = await fetch(`${server.url}/api/v1/web/marketo-stream-relay/${action}${o.query ? `?${o.query}` : ''}`, {
      method: o.body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${server.session.token}`, 'x-gw-ims-org-id': ORG, ...(o.body ? { 'content-type': 'application/json' } : {}) },
      body: o.body ? JSON.stringify(o.body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as Answer['body'], lines: lines.join('').split('\n').filter(Boolean) };
  } finally {
    spy.mockRestore();
  }
}

describe('operator actions: a request never sets a setting', () => {
  it('GET status?STATE_STORE=memory with the session token is refused 400 param_not_allowed (it answered 200 from an empty memory store)', async () => {
    const res = await send('status', { query: 'STATE_STORE=memory' });
    expect(res).toMatchObject({ status: 400, body: { error: 'param_not_allowed', message: expect.stringContaining('STATE_STORE') } });
  });

  it(`every setting (${SETTINGS.length}) and platform input (${PLATFORM.length}) name, in the query and in the body, on status and the console: 400 param_not_allowed, one log line, never read`, async () => {
    const failures: string[] = [];
    const before = await send('console', { query: 'op=routes' });
    expect(before.status).toBe(200);
    for (const name of [...SETTINGS, ...PLATFORM]) {
      const value = valueFor(name);
      const q = `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
      // one at a time: each request's log lines are told apart by when they are written
      const tries: [string, () => Promise<Answer>][] = [
        ['status query', () => send('status', { query: q })],
        ['console query', () => send('console', { query: `op=routes&${q}` })],
        ['console body', () => send('console', { body: { op: 'test-route', stream: 'user-audit', event: {}, [name]: value } })],
      ];
      for (const [where, run] of tries) {
        const res = await run();
        if (res.status !== 400 || res.body.error !== 'param_not_allowed' || typeof res.body.message !== 'string') failures.push(`${name} (${where}): ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
        const refused = res.lines.filter((l) => l.includes('request refused'));
        if (refused.length !== 1 || !refused.every((l) => JSON.parse(l).error === 'param_not_allowed')) failures.push(`${name} (${where}): log lines ${JSON.stringify(res.lines).slice(0, 200)}`);
        if (res.lines.some((l) => l.includes(value) || l.includes('configuration invalid'))) failures.push(`${name} (${where}): the value reached a log line`);
      }
    }
    expect(failures.slice(0, 20)).toEqual([]);
    // never read: the same route table, and nothing handed off or recorded
    expect((await send('console', { query: 'op=routes' })).body).toEqual(before.body);
    expect(JSON.stringify(before.body)).not.toContain('attacker/sink');
    expect(() => readFileSync(join(dir, 'invocations.jsonl'), 'utf8')).not.toThrow();
    expect(readFileSync(join(dir, 'invocations.jsonl'), 'utf8')).toBe('');
  }, 60_000);

  it('the requests the console’s UI sends (web-src/src/api.ts: GET with a query, POST with a JSON body) still work through the raw action', async () => {
    expect((await send('console', { query: 'op=routes' })).body.routes).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'user-audit', action: 'ops/audit' })]));
    expect(await send('console', { query: 'op=records&kind=parked&offset=0&limit=5&route=user-audit' })).toMatchObject({ status: 200, body: { records: [] } });
    expect(await send('console', { query: 'op=record&kind=parked&id=park-2026120412-0000000000000-000000deadbeef' })).toMatchObject({ status: 404, body: { error: 'record_not_found' } });
    const tested = await send('console', { body: { op: 'test-route', stream: 'user-audit', event: auditEvent(seeded(3), { clientId: 'relay' }) } });
    expect(tested).toMatchObject({ status: 200, body: { routes: [{ route: 'user-audit', action: 'ops/audit' }] } });
    expect(await send('console', { body: { op: 'replay', kind: 'parked', route: 'user-audit' } })).toMatchObject({ status: 200, body: { report: { records: 0 } } });
    expect(await send('status', { query: 'format=json' })).toMatchObject({ status: 200, body: { overall: expect.any(String) } });
  });
});
