/**
 * `npm start`'s simulated Marketo against the local runtime (actions from source,
 * real HTTP on 127.0.0.1, file store and invocation log in a temp dir): every
 * answer as expected, each forwarded event recorded once by id, redeliveries
 * forwarding nothing new, hostile requests forwarding nothing; the local IdP and
 * Marketo's token cache; and the `npm start` command itself (--once, Ctrl-C).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { clientCredentials, startLocalIdp, type LocalIdp } from '../../dev/idp';
import { serveLocally } from '../../dev/serve';
import type { LocalServer } from '../../dev/server';
import { startSimulatedMarketo, type SimulatedMarketo } from '../../dev/simulator/marketo';
import { registerWebhooks, runContinuous, runOnce } from '../../dev/simulator/run';
import type { Result } from '../../dev/simulator/tally';
import { eventIdsOf } from '../../dev/traffic/plan';

const ROOT = resolve(__dirname, '../..');
let dir: string;
let server: LocalServer;
let sim: SimulatedMarketo;

type Invocation = { action: string; params: { route?: string; events?: { id: string }[] } };
const invocationsFile = (): string => join(dir, 'invocations.jsonl');
function invocations(): Invocation[] {
  const text = (() => {
    try {
      return readFileSync(invocationsFile(), 'utf8');
    } catch {
      return '';
    }
  })();
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Invocation);
}
const forwardedIds = (records: Invocation[]): string[] => records.flatMap((r) => (r.params.events ?? []).map((e) => e.id));
const sum = (m: unknown): number => Object.values((m as Record<string, number>) ?? {}).reduce((a, n) => a + n, 0);

/** The checks every run must pass, on the results of the run and the invocations it added. */
function checkRun(results: Result[], added: Invocation[]): void {
  expect(results.filter((r) => !r.ok).map((r) => `${r.req.label} → ${r.answer.status} ${JSON.stringify(r.answer.body)}`)).toEqual([]);
  const ids = forwardedIds(added);
  expect(new Set(ids).size).toBe(ids.length); // nothing forwarded twice
  const got = new Set(ids);
  const kinds = (...k: string[]) => results.filter((r) => k.includes(r.req.kind));
  for (const r of kinds('user-audit', 'notification', 'io-activity', 'push')) {
    const missing = eventIdsOf(r.req).filter((id) => !got.has(id));
    expect({ label: r.req.label, missing }).toEqual({ label: r.req.label, missing: [] });
  }
  for (const r of kinds('adobe-redelivery', 'marketo-retry')) {
    expect(sum(r.answer.body.forwarded)).toBe(0);
    expect(r.answer.body.duplicates).toBe(eventIdsOf(r.req).length);
  }
  for (const r of kinds('hostile')) expect(eventIdsOf(r.req).filter((id) => got.has(id))).toEqual([]);
  // what the answers say was forwarded is exactly what the invoke API recorded
  expect(ids.length).toBe(results.reduce((a, r) => a + sum(r.answer.body.forwarded), 0));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'msr-sim-'));
  sim = await startSimulatedMarketo({ streams: ['user-audit', 'notification', 'lead-activity'], seed: 2026, pushSize: [100, 140], mix: { hostile: 0.15, redelivery: 0.2 }, timeouts: false });
  server = await serveLocally({
    bundles: false,
    port: 0,
    env: { ...sim.relayEnv, LOG_LEVEL: 'off', STATE_STORE: 'file', LOCAL_DATA_DIR: dir, LOCAL_INVOCATIONS_FILE: invocationsFile() },
  });
});
afterAll(async () => {
  await server?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('simulated Marketo against the local runtime', () => {
  it('--once: one of each kind, every expectation held, forwarded events recorded by id, redeliveries forward nothing new', async () => {
    const before = invocations().length;
    const results: Result[] = [];
    const lines: string[] = [];
    const tally = await runOnce(sim, server.url, (l) => lines.push(l), (r) => results.push(r));
    await server.idle();
    expect(tally.unexpected).toEqual([]);
    expect(lines.every((l) => l.startsWith('ok'))).toBe(true);
    const kinds = results.map((r) => r.req.kind);
    for (const k of ['challenge', 'user-audit', 'notification', 'io-activity', 'push', 'adobe-redelivery', 'marketo-retry', 'hostile']) expect(kinds).toContain(k);
    expect(results.filter((r) => r.req.kind === 'challenge')).toHaveLength(3);
    expect(results.filter((r) => r.req.kind === 'hostile').map((r) => r.req.label)).toHaveLength(4);
    expect(results.filter((r) => r.req.kind === 'push').map((r) => r.req.auth).sort()).toEqual(['oauth', 'token']);
    expect(tally.duplicates).toBeGreaterThanOrEqual(1);
    checkRun(results, invocations().slice(before));
  });

  it('a rate-driven run of 60 requests: the same guarantees', async () => {
    const before = invocations().length;
    const results: Result[] = [];
    await registerWebhooks(sim, server.url);
    const tally = await runContinuous(sim, server.url, { rate: 500, requests: 60, maxInFlight: 8, stop: new Promise(() => undefined), onResult: (r) => results.push(r) });
    await server.idle();
    expect(tally.requests).toBe(60);
    expect(tally.unexpected).toEqual([]);
    expect(results.some((r) => r.req.kind === 'adobe-redelivery' || r.req.kind === 'marketo-retry')).toBe(true);
    expect(tally.duplicates).toBeGreaterThanOrEqual(1);
    expect(results.some((r) => r.req.kind === 'hostile')).toBe(true);
    checkRun(results, invocations().slice(before));
  });

  it('the status line and the summary name what happened', async () => {
    const tally = await runContinuous(sim, server.url, { rate: 500, requests: 10, stop: new Promise(() => undefined) });
    await server.idle();
    expect(tally.line()).toMatch(/req\/s \| 10 req \| unexpected 0 \| accepted \d+ \| duplicates \d+ \| parked 0 \| forwarded .*\| rejected /);
    expect(tally.summary()).toMatch(/unexpected outcomes\s+0/);
  });

  it('stops when told to, and waits for the answers in flight', async () => {
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    let answered = 0;
    const tally = await runContinuous(sim, server.url, { rate: 200, stop: stopped, onResult: () => void (++answered === 6 && stop()) });
    await server.idle();
    expect(tally.requests).toBeGreaterThanOrEqual(6);
    expect(tally.requests).toBe(answered);
    expect(tally.unexpected).toEqual([]);
  });
});

describe('local OAuth IdP and Marketo token cache', () => {
  let local: LocalIdp;
  beforeAll(async () => (local = await startLocalIdp({ tokenTtlSeconds: 120 })));
  afterAll(() => local.close());
  const post = (auth: string, body: string) => fetch(local.marketo.tokenUrl, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body });
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

  it('issues a Bearer JWT for the right client credentials only', async () => {
    const ok = await post(basic(local.marketo.clientId, local.marketo.clientSecret), 'grant_type=client_credentials');
    const body = (await ok.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 120 });
    const claims = JSON.parse(Buffer.from(body.access_token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: local.relayEnv.LEAD_ACTIVITY_OAUTH_ISSUER, aud: local.relayEnv.LEAD_ACTIVITY_OAUTH_AUDIENCE, sub: local.marketo.clientId });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(120);
    expect((await post(basic(local.marketo.clientId, 'wrong'), 'grant_type=client_credentials')).status).toBe(401);
    expect((await post(basic(local.marketo.clientId, local.marketo.clientSecret), 'grant_type=password')).status).toBe(400);
    const jwks = (await (await fetch(local.relayEnv.LEAD_ACTIVITY_OAUTH_JWKS_URL)).json()) as { keys: { kty: string; alg: string }[] };
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256' });
  });

  it('Marketo fetches one token and reuses it, also for concurrent pushes', async () => {
    const token = clientCredentials(local.marketo);
    const first = await Promise.all([token(), token(), token()]);
    expect(new Set([...first, await token()]).size).toBe(1);
    expect(token.fetches).toBe(1);
    await expect(clientCredentials({ ...local.marketo, clientSecret: 'wrong' })()).rejects.toThrow(/401 invalid_client/);
  });
});

describe('npm start', () => {
  const children: ReturnType<typeof spawn>[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) process.kill(-(c.pid as number), 'SIGKILL');
  });
  const run = (args: string[]) => {
    const cliDir = mkdtempSync(join(tmpdir(), 'msr-start-'));
    const env = { ...process.env, LOG_LEVEL: 'off', STATE_STORE: 'file', LOCAL_DATA_DIR: cliDir, LOCAL_INVOCATIONS_FILE: join(cliDir, 'invocations.jsonl') };
    // what `npm start` runs, in its own process group: Ctrl-C in a terminal signals the whole group
    const child = spawn(process.execPath, ['--import', 'tsx', 'dev/start.ts', '--no-build', '--port', '0', ...args], { cwd: ROOT, env, detached: true });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    return { child, out: () => out, exit: exit.finally(() => rmSync(cliDir, { recursive: true, force: true })) };
  };

  it('--once prints label → status → outcome per request and exits 0', async () => {
    const p = run(['--once', '--seed', '5']);
    expect(await p.exit).toBe(0);
    const lines = p.out().split('\n').filter((l) => / → \d{3} → /.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(17);
    expect(lines.every((l) => l.startsWith('ok'))).toBe(true);
    expect(p.out()).toMatch(/unexpected outcomes\s+0/);
    expect(p.out()).toMatch(/status:\s+http:\/\/127\.0\.0\.1:\d+\/api\/v1\/web\/marketo-stream-relay\/status/);
  }, 60_000);

  it('Ctrl-C stops sending, waits, prints the summary and exits 0', async () => {
    const p = run(['--rate', '50']);
    let exited = false;
    void p.exit.then(() => (exited = true));
    while (!exited && !/sending ~50 requests\/s/.test(p.out())) await new Promise((r) => setTimeout(r, 100));
    expect(exited ? p.out() : 'running').toBe('running');
    await new Promise((r) => setTimeout(r, 500));
    process.kill(-(p.child.pid as number), 'SIGINT'); // what Ctrl-C does
    expect(await p.exit).toBe(0);
    expect(p.out()).toMatch(/stopping: no new requests/);
    expect(p.out()).toMatch(/summary[\s\S]*unexpected outcomes\s+0/);
    expect(p.out()).toMatch(/forwarded events in:\s+\S+invocations\.jsonl/);
  }, 60_000);
});
