/**
 * What the local runtime adds for the operator console: Adobe's gateway in
 * front of require-adobe-auth actions (no IMS user token, no activation), the
 * shell's session stand-in, and the console's built files — loopback only,
 * nothing outside the web folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalServer, type LocalServer } from '../../dev/server';

let dir: string;
let server: LocalServer;
const ran: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'msr-console-serve-'));
  const web = join(dir, 'web');
  mkdirSync(web);
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(web, 'app.1234.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'not for the browser');
  server = await startLocalServer({
    port: 0,
    load: (a) => async () => (ran.push(a.name), { statusCode: 200, body: { ran: a.name } }),
    env: { IMS_OAUTH_S2S_ORG_ID: 'ORG1@AdobeOrg' },
    invocationsFile: join(dir, 'invocations.jsonl'),
    webDir: web,
  });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; type?: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.url}${path}`, { headers });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], text }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('require-adobe-auth actions', () => {
  it('run only with the session token, as Adobe’s gateway lets only IMS user tokens through', async () => {
    ran.length = 0;
    expect((await get('/api/v1/web/marketo-stream-relay/console')).status).toBe(401);
    expect((await get('/api/v1/web/marketo-stream-relay/status', { authorization: 'Bearer not-the-token' })).status).toBe(401);
    expect(ran).toEqual([]);
    const ok = await get('/api/v1/web/marketo-stream-relay/console', { authorization: `Bearer ${server.session.token}` });
    expect(ok.status).toBe(200);
    expect(ran).toEqual(['console']);
  });
  it('the receivers (require-adobe-auth: false) need no token', async () => {
    ran.length = 0;
    expect((await get('/api/v1/web/marketo-stream-relay/user-audit')).status).toBe(200);
    expect(ran).toEqual(['user-audit']);
  });
});

describe('the console session and files', () => {
  it('the session names the app’s org and a token shaped like an IMS access token', async () => {
    const res = await get('/_local/console-session');
    expect(res.status).toBe(200);
    const s = JSON.parse(res.text) as { token: string; org: string; user: string };
    expect(s.org).toBe('ORG1@AdobeOrg');
    expect(s.token).toBe(server.session.token);
    expect(JSON.parse(Buffer.from(s.token.split('.')[1], 'base64url').toString())).toMatchObject({ type: 'access_token', user_id: s.user });
  });
  it('answers loopback Hosts only (no DNS rebinding)', async () => {
    expect((await get('/_local/console-session', { host: 'attacker.example:80' })).status).toBe(403);
    expect((await get('/', { host: 'attacker.example' })).status).toBe(403);
  });
  it('serves the built files with their types, and nothing outside the web folder', async () => {
    expect(await get('/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', text: expect.stringContaining('<title>console') });
    expect(await get('/app.1234.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    expect((await get('/../secret.txt')).status).toBe(404);
    expect((await get('/%2e%2e/secret.txt')).status).toBe(404);
    expect((await get('/nope.js')).status).toBe(404);
  });
});
