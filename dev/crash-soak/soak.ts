/**
 * The crash soak, black-box: the relay in a process of its own (the actions
 * from source, as `npm run serve` runs them), SIGKILLed at random instants
 * and restarted, while signed traffic from senders that retry like Adobe and
 * Marketo flows through it; hand-offs go through the real `openwhisk` client
 * to a downstream that records each invocation durably before it answers.
 * Faults on top: the store's disk read-only or full, redis-server killed
 * (and restarted at once, or after a while down, the relay kept alive),
 * Redis stopped, the downstream answering 503. Then `npm run replay` drains
 * what was parked, and every (route, event) pair is counted:
 *   lost       = a sender got a 2xx for it and it never reached the downstream
 *   duplicated = forwarded more than once
 * After each redis-server restart a probe sends fresh deliveries, one attempt
 * each, 50 ms apart, until one is answered 2xx: how long after Redis accepted
 * connections again that was (`redisBack`, must be ≤ REDIS_BACK_BOUND_MS).
 * Destination scenarios (issue 25) add routes to a Standard Webhooks receiver and
 * a PostgreSQL table (destinations.ts). Their hand-offs go, through the downstream,
 * to a second local runtime process, the destination runtime, which runs the
 * app's destination action: SIGKILLing it (`destinationKills`, at random instants,
 * restarted at once) kills the destination activations in flight, as a crashed
 * invoker would; the relay's own kills never touch them. Before the final replay
 * the soak waits out the in-flight window of the last killed activation (its
 * timeout + IN_FLIGHT_MARGIN_MS: replay leaves its record alone until then).
 * `npm run soak:crash -- <text>` runs only the scenarios whose name contains it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { seeded, type Rng } from '../traffic/rng';
import { generateSigningKey, startKeyServer } from '../traffic/signing';
import { DESTINATION_ACTION } from '../../src/delivery/routes';
import { IN_FLIGHT_MARGIN_MS } from '../../src/relay/destination-run';
import { startDestinationRig, type DestinationCount, type DestinationRig, type PostgresFault, type WebhookFault } from './destinations';
import { startDownstream, type DownstreamFault } from './downstream';
import { explainDuplicates, readForwarded, type DuplicateCause, type StoreFault } from './duplicates';
import { makeDelivery, newTally, runSenders, sendOnce, SOAK_DESTINATION_ROUTES, SOAK_ROUTES, type SenderOptions, type Tally } from './sender';
import { freePort } from '../net';
import { hasPostgresServer } from '../../test/support/postgres-server';

const ROOT = resolve(__dirname, '../..');
const CLIENT_ID = 'crash-soak-client';
const PUSH_TOKEN = 'crash-soak-push-token-0123456789';
const API_KEY = 'soak-namespace:soak-secret-key';

export type FaultStep =
  | { at: number; kind: 'disk'; mode: 'read-only' | 'full' | 'ok' }
  /** kill-restart: SIGKILL, then a new redis-server on the same port, `downSeconds` later (default at once) */
  | { at: number; kind: 'redis'; mode: 'kill-restart' | 'stop' | 'cont'; downSeconds?: number }
  | { at: number; kind: 'downstream'; faults: Record<string, DownstreamFault> }
  | { at: number; kind: 'webhook'; mode: WebhookFault }
  | { at: number; kind: 'postgres'; mode: PostgresFault };

export interface Scenario {
  name: string;
  store: 'file' | 'redis';
  seconds: number;
  kills: number;
  seed: number;
  concurrency?: number;
  faults?: FaultStep[];
  /** routes to a webhook receiver and a PostgreSQL table too, delivered by the destination runtime */
  destinations?: boolean;
  /** SIGKILLs of the destination runtime at random instants (each restarted at once) */
  destinationKills?: number;
  /**
   * one real minute of the senders' retry schedules, in ms (default 5000: Adobe's
   * first retry 5 s later, its last 2.5 min; Marketo's three within 35 s). The
   * relay's own bounds (forward timeout, pending-claim takeover) stay real, so the
   * compression must leave a retry schedule longer than the takeover bound, as the
   * real schedules are.
   */
  minuteMs?: number;
}

export interface SoakRow {
  scenario: string;
  store: string;
  kills: number;
  deliveries: number;
  attempts: number;
  pairsAcked: number;
  forwardedOnce: number;
  lost: number;
  duplicated: number;
  /** why each duplicate happened, judged by when its first hand-off reached the downstream */
  duplicatesBy: Record<DuplicateCause, number>;
  gaveUp: number;
  refused: number;
  replay: string;
  statuses: Record<string, number>;
  lostSample: string[];
  notes: string[];
  /** per redis-server restart: ms from Redis accepting connections again to the relay's first 2xx (undefined: none within the probe's bound), and the probes it took */
  redisBack: { ms?: number; probes: number }[];
  /** the destination scenarios: the pairs of the webhook and table routes, counted where they land */
  destinations?: { kills: number; webhook: DestinationCount; table: DestinationCount; unverified: number };
}

/** The destination action's timeout (app.config.yaml): a killed activation's record is in flight this long + IN_FLIGHT_MARGIN_MS. */
const DESTINATION_TIMEOUT_MS = 60_000;
const DESTINATION_ROUTES = new Set(SOAK_DESTINATION_ROUTES.map((r) => r.name));

/** The relay answers 2xx again within this long after Redis accepts connections (issue 24 item 2). */
export const REDIS_BACK_BOUND_MS = 2000;
/** How long the probe tries after a restart before it gives up (the before-figure: a relay that never recovers). */
const REDIS_BACK_PROBE_MS = 15_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


async function waitForPort(port: number, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const up = await new Promise<boolean>((r) => {
      const sock = net.connect(port, '127.0.0.1', () => (sock.end(), r(true)));
      sock.on('error', () => r(false));
    });
    if (up) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${port}`);
}

/** redis-server with persistence on, as a deployment would run it (AOF, fsync every second). */
class Redis {
  proc?: ChildProcess;
  constructor(readonly port: number, readonly dir: string) {}
  async start(): Promise<void> {
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''], { stdio: 'ignore' });
    await waitForPort(this.port);
  }
  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return Promise.resolve();
    return new Promise((r) => (p.once('exit', () => r()), p.kill(signal)));
  }
  signal(s: NodeJS.Signals): void {
    this.proc?.kill(s);
  }
}

/** A tmpfs for the data dir, so it can be made read-only or filled (root only). */
class DataDisk {
  readonly mounted: boolean;
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2g', 'tmpfs', dir]).status === 0;
  }
  set(mode: 'read-only' | 'full' | 'ok'): boolean {
    if (!this.mounted) return false;
    if (mode === 'read-only') return spawnSync('mount', ['-o', 'remount,ro', this.dir]).status === 0;
    // fill whatever is left, to ENOSPC (tmpfs pages are memory: 2 GiB leaves room for a whole run's claim files)
    if (mode === 'full') return spawnSync('sh', ['-c', `dd if=/dev/zero of=${join(this.dir, 'filler')} bs=1M 2>/dev/null; true`]).status === 0;
    spawnSync('mount', ['-o', 'remount,rw', this.dir]);
    rmSync(join(this.dir, 'filler'), { force: true });
    return true;
  }
  release(): void {
    if (this.mounted) spawnSync('umount', ['-l', this.dir]);
  }
}

function relayEnv(s: Scenario, o: { port: number; dataDir: string; keyBase: string; downstream: string; redisUrl?: string }): NodeJS.ProcessEnv {
  const routes = s.destinations ? { ...SOAK_ROUTES, routes: [...SOAK_ROUTES.routes, ...SOAK_DESTINATION_ROUTES] } : SOAK_ROUTES;
  return {
    ...process.env,
    // the soak's own settings only, never a developer's .env
    LOCAL_ENV_FILE: 'none',
    PORT: String(o.port),
    // every delivery's line (its event ids, and each route's failures with their reasons) goes to the relay log file
    LOG_LEVEL: 'info',
    STATE_STORE: s.store,
    ...(o.redisUrl ? { REDIS_URL: o.redisUrl } : { REDIS_URL: '' }),
    LOCAL_DATA_DIR: o.dataDir,
    LOCAL_INVOCATIONS_FILE: join(o.dataDir, '..', 'local-invocations.jsonl'),
    EVENTS_CLIENT_ID: CLIENT_ID,
    EVENTS_PUBLIC_KEY_BASE_URL: o.keyBase,
    LEAD_ACTIVITY_TOKENS: PUSH_TOKEN,
    ROUTES: JSON.stringify(routes),
    // the relay's actions hand off over HTTP, with the namespace key, to the downstream
    LOCAL_INVOKE_API_HOST: o.downstream,
    LOCAL_API_KEY: API_KEY,
    STATS_FLUSH_SECONDS: '5',
  };
}

/** The relay's log lines (stdout and stderr) are appended to `logFile` by the relay itself: the soak's process reads it only afterwards. */
function startRelay(env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const out = openSync(logFile, 'a');
  try {
    return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'dev/crash-soak/relay.ts')], { cwd: ROOT, env, stdio: ['ignore', out, out] });
  } finally {
    closeSync(out);
  }
}

export async function runScenario(s: Scenario): Promise<SoakRow> {
  const work = mkdtempSync(join(tmpdir(), `crash-soak-${s.name.replace(/\W+/g, '-')}-`));
  const notes: string[] = [];
  const rng: Rng = seeded(s.seed);
  const keys: [ReturnType<typeof generateSigningKey>, ReturnType<typeof generateSigningKey>] = [generateSigningKey(), generateSigningKey()];
  const keyServer = await startKeyServer(keys);
  const recordsFile = join(work, 'downstream.jsonl');
  const rig: DestinationRig | undefined = s.destinations ? await startDestinationRig() : undefined;
  const destPort = await freePort();
  const downstream = await startDownstream(recordsFile, API_KEY, 0, rig ? { [DESTINATION_ACTION]: `http://127.0.0.1:${destPort}` } : {});
  const needsDisk = (s.faults ?? []).some((f) => f.kind === 'disk');
  const disk = needsDisk ? new DataDisk(join(work, 'data')) : undefined;
  if (disk && !disk.mounted) notes.push('disk faults skipped: mounting a tmpfs needs root');
  const dataDir = join(work, 'data');
  mkdirSync(dataDir, { recursive: true });
  const redis = s.store === 'redis' ? new Redis(await freePort(), mkdtempSync(join(work, 'redis-'))) : undefined;
  await redis?.start();
  const port = await freePort();
  const env = relayEnv(s, { port, dataDir, keyBase: keyServer.baseUrl, downstream: downstream.url, redisUrl: redis ? `redis://127.0.0.1:${redis.port}` : undefined });
  const relayLog = join(work, 'relay.jsonl');
  let relay = startRelay(env, relayLog);
  await waitForPort(port);
  // the destination runtime: the local runtime again, running the destination action invoked through the downstream
  const destEnv: NodeJS.ProcessEnv = { ...env, PORT: String(destPort), LOCAL_INVOKE_API_HOST: '', LOCAL_INVOCATIONS_FILE: join(work, 'destination-invocations.jsonl'), DESTINATIONS: rig?.destinations };
  const destLog = join(work, 'destination.jsonl');
  let destRuntime = rig ? startRelay(destEnv, destLog) : undefined;
  if (rig) await waitForPort(destPort);

  const tally: Tally = newTally();
  const t0 = Date.now();
  let stopping = false;
  const senderOptions: SenderOptions = { baseUrl: `http://127.0.0.1:${port}`, clientId: CLIENT_ID, pushToken: PUSH_TOKEN, keys, rng, minuteMs: s.minuteMs ?? 5000, destinations: s.destinations };
  const senders = runSenders(senderOptions, tally, s.concurrency ?? 16, () => stopping);
  const redisBack: SoakRow['redisBack'] = [];
  /** Fresh deliveries, one attempt each, until one is acknowledged: how long after `back` that was. */
  const probeRelay = async (back: number): Promise<void> => {
    for (let probes = 1; ; probes++) {
      const status = await sendOnce(senderOptions, makeDelivery(senderOptions), tally);
      if (typeof status === 'number' && status >= 200 && status < 300) return void redisBack.push({ ms: Date.now() - back, probes });
      if (Date.now() - back >= REDIS_BACK_PROBE_MS) return void redisBack.push({ probes });
      await sleep(50);
    }
  };

  // kills at random instants over the run, and the scheduled faults
  const killAt = Array.from({ length: s.kills }, () => 1000 + rng() * (s.seconds * 1000 - 2000)).sort((a, b) => a - b);
  const steps = [...(s.faults ?? [])].sort((a, b) => a.at - b.at);
  let kills = 0;
  const killTimes: number[] = [];
  const storeFaults: StoreFault[] = [];
  let storeBrokenSince: number | undefined;
  const storeBroken = (broken: boolean): void => {
    if (broken) storeBrokenSince ??= Date.now();
    else if (storeBrokenSince !== undefined) {
      storeFaults.push({ from: storeBrokenSince, to: Date.now(), lostMs: 0 });
      storeBrokenSince = undefined;
    }
  };
  const destKillAt = Array.from({ length: rig ? (s.destinationKills ?? 0) : 0 }, () => 1000 + rng() * (s.seconds * 1000 - 2000));
  let destKills = 0;
  let lastDestKill = 0;
  const events = [...destKillAt.map((at) => ({ at, run: async () => {
    const p = destRuntime as ChildProcess;
    p.kill('SIGKILL');
    await new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r(null) : p.once('exit', r)));
    lastDestKill = Date.now();
    destKills++;
    destRuntime = startRelay(destEnv, destLog);
    await waitForPort(destPort);
  } })), ...killAt.map((at) => ({ at, run: async () => {
    killTimes.push(Date.now());
    relay.kill('SIGKILL');
    await new Promise((r) => (relay.exitCode !== null || relay.signalCode !== null ? r(null) : relay.once('exit', r)));
    kills++;
    relay = startRelay(env, relayLog);
    await waitForPort(port);
  } })), ...steps.map((f) => ({ at: f.at * 1000, run: async () => {
    if (f.kind === 'disk') {
      disk?.set(f.mode);
      if (s.store === 'file') storeBroken(f.mode !== 'ok');
    }
    else if (f.kind === 'downstream') await fetch(`${downstream.url}/__faults`, { method: 'POST', body: JSON.stringify(f.faults) });
    else if (f.kind === 'webhook') await rig?.webhook(f.mode);
    else if (f.kind === 'postgres') await rig?.postgres(f.mode);
    else if (redis && f.mode === 'kill-restart') {
      const from = Date.now();
      await redis.kill();
      if (f.downSeconds) await sleep(f.downSeconds * 1000);
      await redis.start();
      storeFaults.push({ from, to: Date.now(), lostMs: 1000 });
      await probeRelay(Date.now());
    } else if (redis) {
      redis.signal(f.mode === 'stop' ? 'SIGSTOP' : 'SIGCONT');
      storeBroken(f.mode === 'stop');
    }
  } }))].sort((a, b) => a.at - b.at);
  for (const e of events) {
    const wait = t0 + e.at - Date.now();
    if (wait > 0) await sleep(wait);
    await e.run();
  }
  const left = t0 + s.seconds * 1000 - Date.now();
  if (left > 0) await sleep(left);
  stopping = true;
  // every fault is over before the senders' last retries
  disk?.set('ok');
  await fetch(`${downstream.url}/__faults`, { method: 'POST', body: '{}' });
  if (redis) redis.signal('SIGCONT');
  await rig?.webhook('ok');
  await rig?.postgres('start');
  storeBroken(false);
  await senders;
  relay.kill('SIGTERM');
  await new Promise((r) => (relay.exitCode !== null || relay.signalCode !== null ? r(null) : relay.once('exit', r)));
  // replay re-drives a killed destination activation's record only after its in-flight window
  if (lastDestKill) await sleep(Math.max(0, lastDestKill + DESTINATION_TIMEOUT_MS + IN_FLIGHT_MARGIN_MS + 1000 - Date.now()));

  // the operator's final replay, with the same store and downstream
  // the operator's replay, with the same store and downstream, run again (as the 5-minute alarm
  // would) while a run stops at its deadline with records left; each run's report is kept
  const runs: string[] = [];
  const replayRuns = async (): Promise<void> => {
  for (let run = 0; run < 4; run++) {
    // asynchronously: the downstream (and key server) live in this process and must keep answering
    const replay = await new Promise<{ status: number | null; stdout: string; stderr: string }>((res) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'dev/replay.ts')], { cwd: ROOT, env: { ...env, PORT: '0', LOG_LEVEL: 'error' }, timeout: 300_000 });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (status) => res({ status, stdout, stderr }));
    });
    const out = replay.stdout.trim();
    let report: { records?: number; replayed?: number; failed?: number; stoppedBy?: string } | undefined;
    try {
      const r = JSON.parse(out.slice(out.indexOf('{'))) as { report?: typeof report };
      report = r.report;
    } catch {
      report = undefined;
    }
    runs.push(report ? `exit ${replay.status}: ${report.records ?? 0} records, ${report.replayed ?? 0} replayed, ${report.failed ?? 0} failed, ${report.stoppedBy}` : `exit ${replay.status}: ${(out || replay.stderr || '').slice(0, 160)}`);
    if (!report || report.stoppedBy === 'drained') break;
  }
  };
  await replayRuns();
  // the destination runtime delivers what replay handed it after replay ends: once nothing more arrives, what
  // is still missing was parked by an activation that settled after replay looked (replayed again, at most 3 more times)
  const destPairs = [...tally.acked.keys()].filter((p) => DESTINATION_ROUTES.has(p.slice(0, p.indexOf(' '))));
  for (let round = 0; rig && round < 4; round++) {
    await settled(rig);
    const c = await rig.count(destPairs);
    if (round === 3 || (c.webhook.lost === 0 && c.table.lost === 0)) break;
    runs.push(`again (${c.webhook.lost + c.table.lost} destination pairs missing)`);
    await replayRuns();
  }
  const replayNote = runs.join('; ');
  const destinations = rig ? { kills: destKills, ...(await rig.count(destPairs)) } : undefined;
  if (destRuntime) {
    const p = destRuntime;
    p.kill('SIGTERM');
    await new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r(null) : p.once('exit', r)));
  }
  await rig?.close();

  await downstream.close();
  await keyServer.close();
  await redis?.kill('SIGTERM');
  disk?.release();

  const forwarded = readForwarded(recordsFile);
  let lost = 0;
  let once = 0;
  const lostSample: string[] = [];
  for (const pair of tally.acked.keys()) {
    if (DESTINATION_ROUTES.has(pair.slice(0, pair.indexOf(' ')))) continue;
    const n = forwarded.get(pair)?.length ?? 0;
    if (n === 0) {
      lost++;
      if (lostSample.length < 5) lostSample.push(pair);
    } else if (n === 1) once++;
  }
  const { duplicated, duplicatesBy, unexplained } = explainDuplicates(forwarded, { kills: killTimes, storeFaults, answerMs: downstream.answerMs, relayLog, t0 });
  notes.push(...unexplained);
  // SOAK_KEEP_WORK=1 keeps the run's files (logs, invocation journals, records) to read after it
  if (process.env.SOAK_KEEP_WORK === '1') notes.push(`files kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
  return {
    scenario: s.name,
    store: s.store,
    kills,
    deliveries: tally.deliveries,
    attempts: tally.attempts,
    pairsAcked: tally.acked.size,
    forwardedOnce: once,
    lost,
    duplicated,
    duplicatesBy,
    gaveUp: tally.gaveUp,
    refused: [...tally.refused.values()].reduce((a, b) => a + b, 0),
    replay: replayNote,
    statuses: Object.fromEntries(tally.statuses),
    lostSample,
    notes,
    redisBack,
    ...(destinations ? { destinations } : {}),
  };
}

/** Waits until nothing more reaches the destinations for 5 s (at most 2 minutes: a destination activation's budget is 50 s). */
async function settled(rig: DestinationRig): Promise<void> {
  let last = -1;
  let since = Date.now();
  for (const until = Date.now() + 120_000; Date.now() < until && Date.now() - since < 5000; await sleep(500)) {
    const now = await rig.progress();
    if (now !== last) [last, since] = [now, Date.now()];
  }
}

export const SCENARIOS: Scenario[] = [
  { name: 'file store, 15 kills', store: 'file', seconds: 60, kills: 15, seed: 1 },
  { name: 'file store, 15 kills (seed 2)', store: 'file', seconds: 60, kills: 15, seed: 2 },
  { name: 'redis, 15 kills + redis-server killed once', store: 'redis', seconds: 60, kills: 15, seed: 3, faults: [{ at: 30, kind: 'redis', mode: 'kill-restart' }] },
  { name: 'file store, data dir read-only 15 s', store: 'file', seconds: 40, kills: 0, seed: 4, faults: [{ at: 10, kind: 'disk', mode: 'read-only' }, { at: 25, kind: 'disk', mode: 'ok' }] },
  { name: 'file store, disk full 15 s', store: 'file', seconds: 40, kills: 0, seed: 5, faults: [{ at: 10, kind: 'disk', mode: 'full' }, { at: 25, kind: 'disk', mode: 'ok' }] },
  { name: 'redis stopped 10 s + downstream 503', store: 'redis', seconds: 40, kills: 0, seed: 6, faults: [{ at: 10, kind: 'redis', mode: 'stop' }, { at: 10, kind: 'downstream', faults: { '*': '503' } }, { at: 20, kind: 'redis', mode: 'cont' }, { at: 25, kind: 'downstream', faults: {} }] },
  { name: 'redis, downstream accepts but answers after the forward timeout 10 s', store: 'redis', seconds: 30, kills: 0, seed: 8, faults: [{ at: 10, kind: 'downstream', faults: { '*': 'slow' } }, { at: 20, kind: 'downstream', faults: {} }] },
  { name: 'file store, downstream hangs 10 s + 5 kills', store: 'file', seconds: 40, kills: 5, seed: 7, faults: [{ at: 10, kind: 'downstream', faults: { '*': 'hang' } }, { at: 20, kind: 'downstream', faults: {} }] },
  { name: 'redis restarted while the relay lives (down 5 s)', store: 'redis', seconds: 40, kills: 0, seed: 9, faults: [{ at: 15, kind: 'redis', mode: 'kill-restart', downSeconds: 5 }] },
  { name: 'destinations: webhook receiver answers 503 for 20 s', store: 'file', seconds: 45, kills: 0, seed: 21, destinations: true, faults: [{ at: 10, kind: 'webhook', mode: '503' }, { at: 30, kind: 'webhook', mode: 'ok' }] },
  { name: 'destinations: webhook receiver stopped 15 s (connections refused)', store: 'file', seconds: 40, kills: 0, seed: 22, destinations: true, faults: [{ at: 10, kind: 'webhook', mode: 'refuse' }, { at: 25, kind: 'webhook', mode: 'ok' }] },
  { name: 'destinations: webhook receiver hangs past the timeout 10 s', store: 'file', seconds: 40, kills: 0, seed: 23, destinations: true, faults: [{ at: 10, kind: 'webhook', mode: 'hang' }, { at: 20, kind: 'webhook', mode: 'ok' }] },
  { name: 'destinations: postgres stopped 10 s and restarted', store: 'file', seconds: 40, kills: 0, seed: 24, destinations: true, faults: [{ at: 10, kind: 'postgres', mode: 'stop' }, { at: 20, kind: 'postgres', mode: 'start' }] },
  { name: 'destinations: relay 5 kills + destination runtime 5 kills', store: 'file', seconds: 40, kills: 5, destinationKills: 5, seed: 25, destinations: true },
  { name: 'destinations: redis, relay 5 kills + destination runtime 5 kills', store: 'redis', seconds: 40, kills: 5, destinationKills: 5, seed: 26, destinations: true },
];

/** "0.04 s (1 probe)" per restart; "never (300 probes)" when no 2xx came within the probe's bound; "–" without a restart. */
const redisBackText = (r: SoakRow): string =>
  r.redisBack.map((b) => `${b.ms === undefined ? `none in ${REDIS_BACK_PROBE_MS / 1000} s` : `${(b.ms / 1000).toFixed(2)} s`} (${b.probes} probe${b.probes === 1 ? '' : 's'})`).join(', ') || '–';
/** A restart the relay did not recover from within REDIS_BACK_BOUND_MS. */
export const slowRedisBack = (r: SoakRow): boolean => r.redisBack.some((b) => b.ms === undefined || b.ms > REDIS_BACK_BOUND_MS);

export function table(rows: SoakRow[]): string {
  const out = [
    '| scenario | kills | deliveries | pairs acknowledged | forwarded once | lost | duplicated | … in flight at a kill | … answered after the forward timeout | … store broken or restarted | … other | gave up | refused (4xx) | first 2xx after Redis is back | final replay |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const r of rows) out.push(`| ${r.scenario} | ${r.kills} | ${r.deliveries} | ${r.pairsAcked} | ${r.forwardedOnce} | **${r.lost}** | ${r.duplicated} | ${r.duplicatesBy.kill} | ${r.duplicatesBy.lateAnswer} | ${r.duplicatesBy.storeFault} | **${r.duplicatesBy.other}** | ${r.gaveUp} | ${r.refused} | ${redisBackText(r)} | ${r.replay.replace(/\|/g, '/')} |`);
  const dest = rows.filter((r) => r.destinations);
  if (dest.length) {
    out.push('', '| scenario | destination runtime kills | webhook pairs acknowledged | delivered | lost | duplicated | … under a webhook-id already delivered | … under a new webhook-id | unverified requests | table pairs acknowledged | in the table | lost | duplicate rows |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of dest) {
      const d = r.destinations as NonNullable<SoakRow['destinations']>;
      out.push(`| ${r.scenario} | ${d.kills} | ${d.webhook.acked} | ${d.webhook.delivered} | **${d.webhook.lost}** | ${d.webhook.duplicated} | ${d.webhook.sameId} | **${d.webhook.newId}** | ${d.unverified} | ${d.table.acked} | ${d.table.delivered} | **${d.table.lost}** | **${d.table.duplicated}** |`);
    }
  }
  return out.join('\n');
}

/** A destination scenario's failure: a pair missing at the receiver or in the table, a duplicate the receiver cannot tell by its webhook-id, a row twice, a request that did not verify. */
export const destinationFailed = (r: SoakRow): boolean => {
  const d = r.destinations;
  return d !== undefined && (d.webhook.lost > 0 || d.webhook.newId > 0 || d.table.lost > 0 || d.table.duplicated > 0 || d.unverified > 0);
};

if (require.main === module) {
  const only = process.argv.slice(2).find((a) => !a.startsWith('--'));
  (async () => {
    const rows: SoakRow[] = [];
    for (const s of SCENARIOS.filter((x) => !only || x.name.includes(only))) {
      if (s.destinations && !hasPostgresServer()) {
        console.log(`skipped (no PostgreSQL server): ${s.name}`);
        continue;
      }
      if (s.store === 'redis' && spawnSync('redis-server', ['--version']).status !== 0) {
        console.log(`skipped (no redis-server): ${s.name}`);
        continue;
      }
      const row = await runScenario(s);
      rows.push(row);
      console.log(JSON.stringify(row));
    }
    console.log(table(rows));
    for (const r of rows) for (const n of r.notes) console.log(`${r.scenario}: ${n}`);
    process.exit(rows.some((r) => r.lost > 0 || r.duplicatesBy.other > 0 || slowRedisBack(r) || destinationFailed(r)) ? 1 : 0);
  })().catch((err: Error) => (console.error(err.stack), process.exit(2)));
}
