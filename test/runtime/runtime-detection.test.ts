/**
 * "Am I in Runtime" is decided by the activation (`__OW_ACTIVATION_ID` /
 * `__OW_ACTION_NAME`), not by an API key; in Runtime no container-local store
 * is ever chosen, and a missing API key or host is a 503 with one loud log line
 * — never events parked on the container's disk. Actions are run the way
 * OpenWhisk's Node.js runtime runs them (./nodejs-runtime.ts), with no
 * overrides: the real store selection.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as leadActivity } from '../../actions/lead-activity/index';
import { main as status } from '../../actions/status/index';
import { toRuntimeParams } from '../../dev/runtime-params';
import { legacyPush } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { setRelayOverrides } from '../../src/relay/context';
import { LOCAL_RUNTIME_MARK, readActivation } from '../../src/runtime/activation';
import { resolveStoreKind, runtimeStoreProblem } from '../../src/stores/select';
import { captureLogs } from '../support/logs';
import { clearOwEnv, initContainer, runActivation, type RunMessage } from './nodejs-runtime';

const TOKEN = 'push-token-0123456789abcdef';
const rng = seeded(4242);
let dir: string;
const logs = captureLogs();

beforeEach(() => {
  clearOwEnv();
  delete process.env[LOCAL_RUNTIME_MARK];
  setRelayOverrides({});
  dir = mkdtempSync(join(tmpdir(), 'msr-runtime-'));
  logs.lines.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
afterAll(() => {
  logs.stop();
  clearOwEnv();
});

const inputs = (extra: Record<string, string> = {}) => ({ LEAD_ACTIVITY_TOKENS: TOKEN, EVENTS_CLIENT_ID: 'test-client-id', LOG_LEVEL: 'off', STATS_FLUSH_SECONDS: '0', LOCAL_DATA_DIR: dir, ...extra });
const push = (extra: Record<string, string> = {}) =>
  toRuntimeParams({ method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, query: '', body: Buffer.from(JSON.stringify(legacyPush(rng, 3))) }, inputs(extra));

const run = (value: Record<string, unknown>, o: { apiKey?: string; main?: (p: Record<string, unknown>) => unknown } = {}): Promise<unknown> => {
  const msg: RunMessage = {
    value,
    ...(o.apiKey ? { api_key: o.apiKey } : {}),
    namespace: 'ns-test',
    action_name: '/ns-test/marketo-stream-relay/lead-activity',
    activation_id: 'f'.repeat(32),
    transaction_id: 'tid-detect',
    deadline: String(Date.now() + 60_000),
  };
  return runActivation(o.main ?? leadActivity, msg);
};

const filesUnder = (d: string): string[] => readdirSync(d, { recursive: true }).map(String);
const errorLines = () => logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 'error');

describe('in Runtime without provide-api-key', () => {
  it('answers 503 runtime_misconfigured with one loud JSON log line, and writes nothing to the container disk', async () => {
    initContainer({ __OW_API_HOST: 'http://127.0.0.1:9' });
    const res = (await run(push())) as { statusCode: number; headers: Record<string, string>; body: string };
    expect(res.statusCode).toBe(503);
    expect(res.headers['Retry-After']).toBe('60');
    expect(JSON.parse(res.body)).toEqual({ error: 'runtime_misconfigured', message: expect.any(String) });
    expect(filesUnder(dir)).toEqual([]);
    const lines = errorLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ status: 503, error: 'runtime_misconfigured', errors: [expect.stringMatching(/__OW_API_KEY.*provide-api-key: true/)] });
    // the next activation's log says it too: Runtime keeps each activation's log apart
    await run(push());
    expect(errorLines()).toHaveLength(2);
  });
  it('a missing API host is the same configuration error', async () => {
    const res = (await run(push({ STATE_STORE: 'redis', REDIS_URL: 'redis://127.0.0.1:9' }), { apiKey: 'uuid:key' })) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(503);
    expect(errorLines()[0]).toMatchObject({ errors: [expect.stringMatching(/__OW_API_HOST/)] });
  });
  it('a Runtime-action registration fails the activation (so Adobe retries) instead of answering', async () => {
    initContainer({ __OW_API_HOST: 'http://127.0.0.1:9' });
    const res = (await run({ ...inputs(), __adobe_headers: {}, specversion: '1.0', id: 'x', data: {} })) as { error?: { statusCode: number } };
    expect(res.error).toMatchObject({ statusCode: 503 });
  });
  it('status, which invokes nothing, still needs the key for the state store', async () => {
    initContainer({ __OW_API_HOST: 'http://127.0.0.1:9' });
    const res = (await run({ ...inputs(), __ow_method: 'get', __ow_headers: {} }, { main: status })) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'runtime_misconfigured' });
  });
});

describe('in Runtime, container-local stores are refused', () => {
  it.each(['file', 'memory'])('STATE_STORE=%s: 503 and nothing on disk, even with the API key', async (kind) => {
    initContainer({ __OW_API_HOST: 'http://127.0.0.1:9' });
    const res = (await run(push({ STATE_STORE: kind }), { apiKey: 'uuid:key' })) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(503);
    expect(errorLines()[0]).toMatchObject({ errors: [expect.stringMatching(new RegExp(`STATE_STORE=${kind}`))] });
    expect(filesUnder(dir)).toEqual([]);
  });
});

describe('where we run is the activation, not the API key', () => {
  const sel = (inRuntime: boolean, store: 'auto' | 'file' = 'auto', redisUrl?: string) => ({ store, redisUrl, localDir: dir, inRuntime });
  it('an API key without an activation is not Runtime (a script, a test): files', () => {
    const a = readActivation({ __OW_API_KEY: 'uuid:key', __OW_NAMESPACE: 'ns', __OW_API_HOST: 'https://runtime' });
    expect(a.where).toBe('none');
    expect(resolveStoreKind(sel(a.where === 'runtime'))).toBe('file');
  });
  it('an activation without an API key is Runtime: aio-lib-state (or Redis), never files', () => {
    for (const env of [{ __OW_ACTIVATION_ID: 'a' }, { __OW_ACTION_NAME: '/ns/pkg/a' }]) {
      const a = readActivation(env);
      expect(a.where).toBe('runtime');
      expect(resolveStoreKind(sel(true))).toBe('state');
      expect(resolveStoreKind(sel(true, 'auto', 'redis://r'))).toBe('redis');
      expect(runtimeStoreProblem(sel(true, 'file'))).toMatch(/STATE_STORE=file/);
      expect(runtimeStoreProblem(sel(true))).toBeUndefined();
    }
  });
  it('the local runtime marks its own process: its activations may use files', () => {
    const a = readActivation({ __OW_ACTIVATION_ID: 'a', [LOCAL_RUNTIME_MARK]: '1' });
    expect(a.where).toBe('local-runtime');
    expect(runtimeStoreProblem(sel(a.where === 'runtime', 'file'))).toBeUndefined();
  });
  it('reads the deadline as epoch ms and ignores what is not one', () => {
    expect(readActivation({ __OW_ACTIVATION_ID: 'a', __OW_DEADLINE: '1767225600000' }).deadline).toBe(1767225600000);
    expect(readActivation({ __OW_ACTIVATION_ID: 'a', __OW_DEADLINE: 'soon' }).deadline).toBeUndefined();
  });
});
