/**
 * The local runtime's invoke API behaves as the platform's: an invocation is
 * acknowledged only once its record is on disk (append + fsync, concurrent ones
 * group-committed), the namespace key is required, JSON only, `final` inputs
 * are not overridable, loopback only; and chosen targets can be made to answer
 * 429, 503 or hang — driven here end to end through a receiver action and its
 * real `openwhisk` client. The fsync is the one boundary held by the tests.
 */
import type { FileHandle } from 'node:fs/promises';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loaderFor } from '../../dev/serve';
import { startLocalServer, type LocalServer } from '../../dev/server';
import { legacyPush } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { setRelayOverrides } from '../../src/relay/context';
import { LOCAL_RUNTIME_MARK } from '../../src/runtime/activation';

const KEY = '23bc46b1-71f6-4ed5-8c54-816aa4f8c502:local-test-key';
const TOKEN = 'push-token-0123456789abcdef';
const rng = seeded(512);
let dir: string;
let server: LocalServer;

/** the invocation log's fsync, as the tests want it: through, held until released, or failing */
const disk = { mode: 'ok' as 'ok' | 'hold' | 'fail', syncs: 0, held: [] as (() => void)[] };
async function sync(fh: FileHandle): Promise<void> {
  disk.syncs++;
  if (disk.mode === 'fail') throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
  if (disk.mode === 'hold') await new Promise<void>((r) => disk.held.push(r));
  await fh.datasync();
}
const release = (): void => {
  disk.mode = 'ok';
  for (const r of disk.held.splice(0)) r();
};
const until = async (cond: () => boolean): Promise<void> => {
  while (!cond()) await new Promise((r) => setImmediate(r));
};

const records = (): { action: string; activationId: string; transactionId: string; params: Record<string, unknown> }[] => {
  try {
    return readFileSync(join(dir, 'invocations.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  } catch {
    return [];
  }
};
const basic = (key: string): string => `Basic ${Buffer.from(key).toString('base64')}`;

function invoke(name: string, body: string | undefined, o: { key?: string | null; type?: string; ns?: string; host?: string; tid?: string } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(`${server.url}/api/v1/namespaces/${o.ns ?? '_'}/actions/${name}?blocking=false`);
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      headers: {
        ...(o.key === null ? {} : { authorization: basic(o.key ?? KEY) }),
        ...(body !== undefined ? { 'content-type': o.type ?? 'application/json' } : {}),
        ...(o.host ? { host: o.host } : {}),
        ...(o.tid ? { 'x-request-id': o.tid } : {}),
      },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const env = {
  EVENTS_CLIENT_ID: 'test-client-id',
  EVENTS_PUBLIC_KEY_BASE_URL: 'http://127.0.0.1:9',
  LEAD_ACTIVITY_TOKENS: TOKEN,
  LOG_LEVEL: 'off',
  STATE_STORE: 'file',
  FORWARD_TIMEOUT_MS: '300',
  FORWARD_RETRY_DELAY_MS: '0',
  STATS_FLUSH_SECONDS: '0',
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'msr-invoke-'));
  server = await startLocalServer({ port: 0, load: loaderFor(false), env: { ...env, LOCAL_DATA_DIR: dir }, invocationsFile: join(dir, 'invocations.jsonl'), apiKey: KEY, sync });
  // the container's own env, as serve.ts sets it; the actions hand off over HTTP through their openwhisk client
  process.env[LOCAL_RUNTIME_MARK] = '1';
  process.env.__OW_API_HOST = server.url;
  setRelayOverrides({});
});
afterAll(async () => {
  release();
  await server.close();
  delete process.env[LOCAL_RUNTIME_MARK];
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  release();
  server.faults.set('');
});

describe('acknowledged only once recorded on disk', () => {
  it('the 202 waits for the fsync of its record', async () => {
    disk.mode = 'hold';
    const before = disk.syncs;
    let answered = false;
    const pending = invoke('sink/durable', '{"n":1}').then((r) => ((answered = true), r));
    await until(() => disk.syncs > before);
    expect(answered).toBe(false);
    release();
    const res = await pending;
    expect(res.status).toBe(202);
    expect(records().map((r) => r.activationId)).toContain(res.body.activationId);
  });
  it('50 concurrent invocations share fsyncs (group commit): 2 for 50 records, all acknowledged after theirs', async () => {
    disk.mode = 'hold';
    const before = { syncs: disk.syncs, lines: server.journal.lines };
    const all = Promise.all(Array.from({ length: 50 }, (_, i) => server.invoker.invoke('sink/group', { i }, 1000)));
    await until(() => disk.syncs > before.syncs);
    release();
    const results = await all;
    expect(results.every((r) => r.ok)).toBe(true);
    expect(server.journal.lines - before.lines).toBe(50);
    expect(disk.syncs - before.syncs).toBe(2);
  });
  it('a record that cannot be written is not acknowledged: 503, the caller retries', async () => {
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    disk.mode = 'fail';
    const res = await invoke('sink/full-disk', '{"n":1}');
    expect(res.status).toBe(503);
    expect(await server.invoker.invoke('sink/full-disk', { n: 2 }, 1000)).toMatchObject({ ok: false, retryable: true, status: 503 });
    disk.mode = 'ok';
    expect(logged).toHaveBeenCalledWith(expect.stringMatching(/could not record an invocation/));
    logged.mockRestore();
    // the failed batch was cut off the file again: nothing the caller was told failed stays recorded
    expect(records().filter((r) => r.action === 'sink/full-disk')).toEqual([]);
  });
});

describe('the invoke API as the platform guards it', () => {
  it('the namespace key is required', async () => {
    expect((await invoke('sink/auth', '{}', { key: null })).status).toBe(401);
    expect((await invoke('sink/auth', '{}', { key: 'guess:guess' })).status).toBe(401);
    expect((await invoke('sink/auth', '{}')).status).toBe(202);
    expect(records().filter((r) => r.action === 'sink/auth')).toHaveLength(1);
  });
  it('JSON objects only: a text/plain POST (what any web page can send) is 415, a JSON array 400', async () => {
    expect((await invoke('sink/json', '{"route":"x"}', { type: 'text/plain' })).status).toBe(415);
    expect((await invoke('sink/json', '[1,2]')).status).toBe(400);
    expect((await invoke('sink/json', 'not json')).status).toBe(400);
    expect(records().filter((r) => r.action === 'sink/json')).toEqual([]);
    expect((await invoke('sink/json', undefined)).status).toBe(202);
  });
  it("a final action's inputs cannot be overridden; the request is refused and nothing runs", async () => {
    const res = await invoke('marketo-stream-relay/user-audit', JSON.stringify({ EVENTS_PUBLIC_KEY_BASE_URL: 'http://attacker.example' }));
    expect(res).toEqual({ status: 400, body: expect.objectContaining({ error: expect.stringMatching(/not allowed/) }) });
    expect(records().filter((r) => r.action === 'marketo-stream-relay/user-audit')).toEqual([]);
  });
  it('loopback only: a request naming another Host (DNS rebinding) is 403; another namespace is 403', async () => {
    expect((await invoke('sink/host', '{}', { host: 'attacker.example:9080' })).status).toBe(403);
    expect((await invoke('sink/host', '{}', { ns: 'someone-else' })).status).toBe(403);
    expect((await invoke('sink/host', '{}', { ns: 'local' })).status).toBe(202);
  });
  it('records the caller’s transaction id (X-Request-ID) with the invocation', async () => {
    const res = await invoke('sink/tid', '{}', { tid: 'tid-from-caller' });
    expect(records().find((r) => r.activationId === res.body.activationId)?.transactionId).toBe('tid-from-caller');
  });
});

describe('fault injection, end to end through a receiver and its openwhisk client', () => {
  const push = async (): Promise<Record<string, unknown>> => {
    const res = await fetch(`${server.url}/api/v1/web/marketo-stream-relay/lead-activity`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(legacyPush(rng, 3)),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  };
  const control = (body: unknown, key = KEY) =>
    fetch(`${server.url}/_local/faults`, { method: 'PUT', headers: { authorization: basic(key), 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it.each(['503', '429', 'hang'])('target=%s: the hand-off fails as the platform would make it fail, the events are parked, nothing is recorded', async (fault) => {
    const res = await control({ faults: `marketo-stream-relay/log-events=${fault}` });
    expect(await res.json()).toEqual({ faults: { 'marketo-stream-relay/log-events': fault } });
    const before = records().length;
    expect(await push()).toMatchObject({ accepted: 3, parked: 3 });
    expect(records().length).toBe(before);
  });
  it('cleared at runtime: the next delivery is forwarded and recorded', async () => {
    server.faults.set('*=503');
    await control({ faults: '' });
    const before = records().length;
    expect(await push()).toMatchObject({ accepted: 3, parked: 0, forwarded: { 'lead-activity': 3 } });
    expect(records().length).toBe(before + 1);
  });
  it('the control endpoint needs the key and a valid spec', async () => {
    expect((await control({ faults: '*=503' }, 'guess:guess')).status).toBe(401);
    expect((await control({ faults: 'x=500' })).status).toBe(400);
    expect(server.faults.current()).toEqual({});
  });
});
