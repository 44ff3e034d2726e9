/**
 * A crash of the local runtime loses no acknowledged invocation: `npm run serve`
 * in its own process takes a stream of concurrent invocations through its
 * invoke API and is SIGKILLed while they are in flight; every invocation it
 * answered 202 is in the invocations file afterwards.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const KEY = '5f0c1b7e-3a52-4d9e-9a1e-2c8b1d0f7a11:crash-test-key';
let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'msr-crash-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function startServe(): Promise<{ url: string; kill: () => Promise<void> }> {
  const env = { ...process.env, PORT: '0', LOG_LEVEL: 'off', LOCAL_API_KEY: KEY, LOCAL_DATA_DIR: dir, LOCAL_INVOCATIONS_FILE: join(dir, 'invocations.jsonl'), EVENTS_CLIENT_ID: 'crash' };
  const child = spawn(process.execPath, ['--import', 'tsx', 'dev/serve.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /local runtime on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ url: m[1], kill: async () => void (child.kill('SIGKILL'), await exited) });
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${out}`)));
  });
}

describe('the local runtime killed mid-stream', () => {
  it('every invocation acknowledged before the SIGKILL is in the invocations file', async () => {
    const { url, kill } = await startServe();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const acked: string[] = [];
    let stopped = false;
    const one = (i: number): Promise<void> =>
      new Promise((done) => {
        const body = JSON.stringify({ route: 'crash', events: [{ id: `e-${i}`, pad: 'x'.repeat(2000) }] });
        const req = http.request(`${url}/api/v1/namespaces/_/actions/sink/crash`, {
          method: 'POST',
          agent,
          headers: { authorization: `Basic ${Buffer.from(KEY).toString('base64')}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        });
        req.on('response', (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c));
          res.on('end', () => {
            if (res.statusCode === 202) acked.push((JSON.parse(text) as { activationId: string }).activationId);
            done();
          });
          res.on('error', () => done());
        });
        req.on('error', () => done());
        req.end(body);
      });
    // 64 senders, each sending again as soon as it is answered, until the kill
    let n = 0;
    const senders = Array.from({ length: 64 }, async () => {
      while (!stopped) await one(n++);
    });
    while (acked.length < 2000) await new Promise((r) => setImmediate(r));
    await kill();
    stopped = true;
    await Promise.all(senders);
    agent.destroy();
    const recorded = new Set(readFileSync(join(dir, 'invocations.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { activationId: string }).activationId));
    expect(acked.length).toBeGreaterThanOrEqual(2000);
    expect(acked.filter((id) => !recorded.has(id))).toEqual([]);
  }, 60_000);
});
