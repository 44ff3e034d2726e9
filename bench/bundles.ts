/**
 * P3: every production action bundle as `aio app build` makes it — minified
 * size, load time and cold start (a fresh Node process loads the bundle and
 * answers one realistic request; stores in memory, the invoke API and key server
 * on loopback) — against a template-style action (`require('@adobe/aio-sdk')`,
 * `Core.Logger`) bundled with the same webpack config, in the same run.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import webpack from 'webpack';
import { toRuntimeParams } from '../dev/runtime-params';
import { auditEvent, ioActivityEvent, legacyActivity, legacyPush, notificationEvent } from '../dev/traffic/events';
import { seeded } from '../dev/traffic/rng';
import { adobeDeliveryHeaders, generateSigningKey, startKeyServer, type SigningKey } from '../dev/traffic/signing';
import { percentile } from './measure';

const ROOT = resolve(__dirname, '..');
const RECEIVERS = ['user-audit', 'notification', 'lead-activity'];
export const DIST = join(ROOT, 'dist/application/actions/marketo-stream-relay');

export interface BundleRow {
  action: string;
  bytes: number;
  mainBytes: number;
  loadMs: number;
  coldMs: number;
  status: string;
  /**
   * template ÷ this, pair by pair: each run of this bundle is followed by a run of
   * the template, and the median of the pairs' ratios is taken, so a minute in
   * which the machine is slower moves both sides of a ratio alike
   */
  pairedRatio?: number;
}

/** A bench-only action (bench/<name>/index.js) built with the project's webpack config into bench/.build/<name>; its file. */
export function buildBenchAction(name: string): Promise<string> {
  const out = join(ROOT, 'bench/.build', name);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const base = require(join(ROOT, 'webpack-config.js')) as webpack.Configuration;
  const config: webpack.Configuration = { ...base, context: ROOT, entry: join(ROOT, 'bench', name, 'index.js'), target: 'node', mode: 'production', output: { path: out, filename: 'index.js', libraryTarget: 'commonjs2' } };
  return new Promise((res, rej) => webpack(config, (err, stats) => (err || stats?.hasErrors() ? rej(err ?? new Error(stats?.toString())) : res(join(out, 'index.js')))));
}

export const buildTemplate = (): Promise<string> => buildBenchAction('template-action');

export const dirBytes = (dir: string): number => readdirSync(dir).filter((f) => f.endsWith('.js')).reduce((n, f) => n + statSync(join(dir, f)).size, 0);

// asynchronous: the key server and the invoke API live in this process and must keep answering
const run = promisify(execFile);

export type ChildReport = { loadMs: number; coldMs: number; status: string };

async function once(file: string, params: string, env: NodeJS.ProcessEnv, mode: 'cold' | 'load'): Promise<ChildReport> {
  // the child reports on stderr: stdout carries the action's own log lines
  const { stderr } = await run(process.execPath, [join(ROOT, 'bench/cold-child.js'), file, params, mode], { env, encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 2 ** 20 });
  const r = JSON.parse(stderr.trim().split('\n').pop() ?? '') as { loadMs: number; coldMs: number; status: unknown };
  return { loadMs: r.loadMs, coldMs: r.coldMs, status: String(r.status) };
}

const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 50);

/** Median load and cold-start times over `runs` fresh processes, each with a fresh request; with `pairWith`, each run followed by one of that bundle. */
export async function measure(file: string, params: () => string, env: NodeJS.ProcessEnv, runs: number, mode: 'cold' | 'load', pairWith?: { file: string; params: string }): Promise<ChildReport & { pairedRatio?: number }> {
  const all: ChildReport[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await once(file, params(), env, mode);
    all.push(r);
    if (pairWith) ratios.push((await once(pairWith.file, pairWith.params, env, 'cold')).coldMs / r.coldMs);
  }
  return { loadMs: median(all.map((r) => r.loadMs)), coldMs: median(all.map((r) => r.coldMs)), status: all[all.length - 1]?.status ?? '', ...(pairWith ? { pairedRatio: median(ratios) } : {}) };
}

export async function runBundles(o: { build: boolean; runs: number }): Promise<{ rows: BundleRow[]; template: BundleRow }> {
  if (o.build || !existsSync(DIST)) {
    const r = spawnSync('npx', ['aio', 'app', 'build'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`aio app build failed:\n${r.stderr}`);
  }
  const templateFile = await buildTemplate();
  const keys: [SigningKey, SigningKey] = [generateSigningKey(), generateSigningKey()];
  const keyServer = await startKeyServer(keys);
  // counted: a receiver that answers 200 having parked its events (a hand-off that failed) is not a measured cold start
  let invocations = 0;
  const invokeApi = http.createServer((req, res) => req.resume().on('end', () => (invocations++, res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ activationId: 'a'.repeat(32) })))));
  await new Promise<void>((r) => invokeApi.listen(0, '127.0.0.1', r));
  const tmp = mkdtempSync(join(tmpdir(), 'msr-bench-'));
  const env = { ...process.env, __OW_API_HOST: `http://127.0.0.1:${(invokeApi.address() as AddressInfo).port}`, __OW_API_KEY: 'bench:key' };
  const rng = seeded(3);
  // LOG_LEVEL as deployed (unset: info), so the delivery's log line is part of the cold start
  const inputs = { EVENTS_CLIENT_ID: 'bench', EVENTS_PUBLIC_KEY_BASE_URL: keyServer.baseUrl, LEAD_ACTIVITY_TOKENS: 'bench-token', STATE_STORE: 'memory', LOCAL_DATA_DIR: tmp };
  const signed = (payload: unknown) => {
    const body = Buffer.from(JSON.stringify(payload));
    return toRuntimeParams({ method: 'POST', headers: adobeDeliveryHeaders(body, keys), query: '', body }, inputs);
  };
  const requests: Record<string, () => Record<string, unknown>> = {
    'user-audit': () => signed(Array.from({ length: 20 }, () => auditEvent(rng, { clientId: 'bench' }))),
    notification: () => signed(Array.from({ length: 3 }, () => notificationEvent(rng, { clientId: 'bench' }))),
    'lead-activity': () => signed(Array.from({ length: 20 }, () => ioActivityEvent(rng, legacyActivity(rng), { clientId: 'bench' }))),
    'lead-activity (500-activity push)': () => toRuntimeParams({ method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer bench-token' }, query: '', body: Buffer.from(JSON.stringify(legacyPush(rng, 500))) }, inputs),
    status: () => toRuntimeParams({ method: 'GET', headers: {}, query: '', body: Buffer.alloc(0) }, inputs),
    replay: () => ({ ...inputs, limit: 10 }),
    'log-events': () => ({ route: 'bench', events: [{ id: 'x', type: 't' }], LOG_LEVEL: 'error' }),
  };
  const tParams = join(tmp, 'template.json');
  writeFileSync(tParams, JSON.stringify({}));
  const pairWith = { file: templateFile, params: tParams };
  const rows: BundleRow[] = [];
  for (const dir of readdirSync(DIST).filter((d) => d.endsWith('-temp')).sort()) {
    const action = dir.replace(/-temp$/, '');
    if (action.endsWith('-registration')) continue; // the same bundle as its web action
    if (action === 'destination') continue; // P7 (bench/destinations.ts): its first delivery to each kind
    const file = join(DIST, dir, 'index.js');
    const make = requests[action] as (() => Record<string, unknown>) | undefined;
    let n = 0;
    const params = (): string => {
      const f = join(tmp, `${action}-${n++}.json`);
      writeFileSync(f, JSON.stringify(make ? make() : {}));
      return f;
    };
    const before = invocations;
    const m = await measure(file, params, env, o.runs, make ? 'cold' : 'load', make ? pairWith : undefined);
    if (RECEIVERS.includes(action) && m.status !== '200') throw new Error(`P3: the first request to ${action} answered ${m.status}`);
    if (RECEIVERS.includes(action) && invocations - before < o.runs) throw new Error(`P3: ${action} handed off in ${invocations - before} of ${o.runs} runs`);
    rows.push({ action, bytes: dirBytes(join(DIST, dir)), mainBytes: statSync(file).size, ...m });
    for (const variant of Object.keys(requests).filter((k) => k.startsWith(`${action} (`))) {
      const makeVariant = requests[variant];
      let v = 0;
      const vParams = (): string => {
        const f = join(tmp, `${action}-variant-${v++}.json`);
        writeFileSync(f, JSON.stringify(makeVariant()));
        return f;
      };
      const mv = await measure(file, vParams, env, o.runs, 'cold', pairWith);
      if (mv.status !== '200') throw new Error(`P3: the first request (${variant}) answered ${mv.status}`);
      rows.push({ action: variant, bytes: dirBytes(join(DIST, dir)), mainBytes: statSync(file).size, ...mv });
    }
  }
  const template = { action: 'template (aio-sdk umbrella)', bytes: statSync(templateFile).size, mainBytes: statSync(templateFile).size, ...(await measure(templateFile, () => tParams, env, o.runs, 'cold')) };
  await keyServer.close();
  invokeApi.close();
  return { rows, template };
}
