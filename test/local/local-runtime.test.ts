/**
 * The local runtime end to end: real HTTP, Runtime raw-http params, the actions
 * from source, their real `openwhisk` client handing off to the local invoke
 * API, invocations recorded in the JSONL file, and the simulator's --once run.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveLocally } from '../../dev/serve';
import { startSimulatedMarketo, type SimulatedMarketo } from '../../dev/simulator/marketo';
import { runContinuous, runOnce } from '../../dev/simulator/run';
import type { LocalServer } from '../../dev/server';

let dir: string;
let server: LocalServer;
let sim: SimulatedMarketo;
const invocations = () =>
  readFileSync(join(dir, 'invocations.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { action: string; activationId: string; params: { route: string; events: { id: string }[] } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'msr-local-'));
  sim = await startSimulatedMarketo({ streams: ['user-audit', 'notification', 'lead-activity'], seed: 11, pushSize: [100, 150] });
  server = await serveLocally({
    bundles: false,
    port: 0,
    env: { ...sim.relayEnv, LOG_LEVEL: 'off', STATE_STORE: 'file', LOCAL_DATA_DIR: dir, LOCAL_INVOCATIONS_FILE: join(dir, 'invocations.jsonl') },
  });
});
afterAll(async () => {
  await server.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('local runtime', () => {
  it('serves the challenge over HTTP with the Runtime contract', async () => {
    const res = await fetch(`${server.url}/api/v1/web/marketo-stream-relay/user-audit?challenge=hello`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'hello' });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
  it('404 for an unknown action, 413 over 1 MB', async () => {
    expect((await fetch(`${server.url}/api/v1/web/marketo-stream-relay/nope`)).status).toBe(404);
    const big = await fetch(`${server.url}/api/v1/web/marketo-stream-relay/user-audit`, { method: 'POST', body: Buffer.alloc(1024 * 1024 + 10, 'a') });
    expect(big.status).toBe(413);
  });
  it('--once: every outcome as expected, forwarded events recorded by id, redelivery forwards nothing new', async () => {
    const lines: string[] = [];
    const tally = await runOnce(sim, server.url, (l) => lines.push(l));
    await server.idle();
    expect(tally.unexpected).toEqual([]);
    expect(lines.filter((l) => l.startsWith('ok')).length).toBe(lines.length);
    expect(tally.duplicates).toBeGreaterThanOrEqual(1);
    const recorded = invocations();
    expect(recorded.every((r) => /^[0-9a-f]{32}$/.test(r.activationId))).toBe(true);
    const ids = recorded.flatMap((r) => r.params.events.map((e) => e.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(tally.acceptedEvents - tally.duplicates);
  });
  it('a short continuous run: 60 requests, all outcomes as expected', async () => {
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    let n = 0;
    const tally = await runContinuous(sim, server.url, {
      rate: 200,
      stop: stopped,
      onTick: (t) => (n = t.requests) >= 60 && stop(),
      tickMs: 20,
    });
    expect(n).toBeGreaterThanOrEqual(60);
    expect(tally.unexpected).toEqual([]);
  });
});
