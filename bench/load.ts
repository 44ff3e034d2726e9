/**
 * P4: the local runtime under load. The server runs in its own process (the
 * actions from source, memory stores, hand-offs recorded by its invoke API);
 * autocannon drives signed single-event User Audit deliveries, each a distinct
 * event, from this process. Then: requests/s, latency, errors, and every
 * accepted event found among the recorded hand-offs (0 lost).
 */
import { spawn } from 'node:child_process';
import { sign, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { auditEvent } from '../dev/traffic/events';
import { seeded } from '../dev/traffic/rng';
import { generateSigningKey, startKeyServer } from '../dev/traffic/signing';

const ROOT = resolve(__dirname, '..');

export interface LoadResult {
  durationSeconds: number;
  connections: number;
  requests: number;
  non2xx: number;
  errors: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** the server's own CPU time during the run (user + system, seconds) */
  serverCpuSeconds: number;
  /** deliveries per second of server CPU: what one core of the server sustains */
  perServerCore: number;
  acceptedEvents: number;
  forwardedEvents: number;
  lost: number;
}

/** user + system CPU seconds of a process (Linux /proc). */
export function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

const freePort = (): Promise<number> =>
  new Promise((r) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => r(port));
    });
  });

export async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not come up`);
}

export async function runLoad(o: { seconds: number; connections: number; pool: number }): Promise<LoadResult> {
  // 1024-bit: signing the pool is client work; the server's verify cost barely depends on it
  const key = generateSigningKey(1024);
  const keyServer = await startKeyServer([key]);
  const dir = mkdtempSync(join(tmpdir(), 'msr-load-'));
  const port = await freePort();
  const env = { ...process.env, PORT: String(port), EVENTS_CLIENT_ID: 'load', EVENTS_PUBLIC_KEY_BASE_URL: keyServer.baseUrl, STATE_STORE: 'memory', LOG_LEVEL: 'error', AUDIT_TARGET_ACTION: 'bench/sink', LOCAL_INVOCATIONS_FILE: join(dir, 'invocations.jsonl'), LOCAL_DATA_DIR: dir, STATS_FLUSH_SECONDS: '60' };
  const server = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/srvprof'] : []), '--import', 'tsx', join(ROOT, 'dev/serve.ts')], { env, stdio: 'ignore', cwd: ROOT });
  const url = `http://127.0.0.1:${port}/api/v1/web/marketo-stream-relay/user-audit`;
  try {
    await waitFor(`${url}?challenge=up`);
    const rng = seeded(4);
    const pool = Array.from({ length: o.pool }, () => {
      const body = JSON.stringify([auditEvent(rng, { clientId: 'load' })]);
      const sig = sign('sha256', Buffer.from(body), key.privateKey).toString('base64');
      return { body, headers: { 'content-type': 'application/json', 'x-adobe-delivery-id': randomUUID(), 'x-adobe-digital-signature-1': sig, 'x-adobe-public-key1-path': key.path, 'x-adobe-digital-signature-2': sig, 'x-adobe-public-key2-path': key.path } };
    });
    let next = 0;
    const cpuBefore = cpuSeconds(server.pid ?? 0);
    const result = await autocannon({
      url,
      method: 'POST',
      connections: o.connections,
      duration: o.seconds,
      // each request a distinct signed delivery; the pool is sized to outlast the run
      requests: [{ setupRequest: (req: object) => ({ ...req, ...pool[next++ % pool.length] }) }],
    });
    const serverCpu = cpuSeconds(server.pid ?? 0) - cpuBefore;
    await new Promise((r) => setTimeout(r, 1000));
    const lines = readFileSync(join(dir, 'invocations.jsonl'), 'utf8').trim().split('\n').filter(Boolean);
    const forwarded = new Set(lines.flatMap((l) => (JSON.parse(l) as { params: { events: { id: string }[] } }).params.events.map((e) => e.id)));
    const ok = result['2xx'] as number;
    // every request sent was answered 2xx: each of their events must have been handed off
    const sentIds = pool.slice(0, Math.min(next, pool.length)).map((p) => JSON.parse(p.body)[0].eventid as string);
    const lost = result.non2xx === 0 && next <= pool.length ? sentIds.filter((id) => !forwarded.has(id)).length : NaN;
    return {
      durationSeconds: o.seconds,
      connections: o.connections,
      requests: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      requestsPerSecond: result.requests.average,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      serverCpuSeconds: serverCpu,
      perServerCore: result.requests.total / serverCpu,
      acceptedEvents: ok,
      forwardedEvents: forwarded.size,
      lost,
    };
  } finally {
    server.kill('SIGTERM');
    await keyServer.close();
  }
}
