/**
 * `npm start`: the whole app on this machine, no Adobe account. Builds the action
 * bundles, starts a key server (Adobe's signing keys), a local OAuth IdP and the
 * local runtime and a Marketo REST stand-in (the activity catalog of each simulated
 * instance), registers the three webhooks (challenge), then drives a simulated
 * Marketo against them with a live status line. Ctrl-C stops cleanly: no new
 * requests, every answer and local invocation awaited, servers closed, a summary.
 *
 *   npm start [-- --rate 20] [--duration 60] [--streams user-audit,notification,lead-activity]
 *             [--once] [--no-build] [--port 9080] [--seed 42] [--keep-serving]
 *
 * The operator console (web-src/, built with the bundles) is served at the local
 * runtime's root. --keep-serving: when the traffic ends (--once, --duration), keep the
 * runtime and the console up until Ctrl-C, to look at what was sent.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { RECEIVER_STREAMS as STREAMS, type Stream } from '../src/envelope/envelope';
import { checkConfig } from './check-config';
import { localEnv, ROOT } from './local-env';
import { loadManifest } from './manifest';
import { BUILD_ARGS, BUILD_ENV, bundlePath, serveLocally, WEB_DIST } from './serve';
import { startSimulatedMarketo, WEB_PATH } from './simulator/marketo';
import { formatResult, registerWebhooks, runContinuous, runOnce } from './simulator/run';
import { Tally } from './simulator/tally';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver';
import { DEFAULT_TARGET } from '../src/config';

function options() {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '20' },
      duration: { type: 'string' },
      streams: { type: 'string', default: STREAMS.join(',') },
      once: { type: 'boolean', default: false },
      'keep-serving': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      port: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const streams = [...new Set(values.streams.split(',').map((s) => s.trim()).filter(Boolean))];
  const bad = streams.filter((s) => !(STREAMS as readonly string[]).includes(s));
  if (bad.length || !streams.length) throw new Error(`--streams takes ${STREAMS.join(', ')}; got ${values.streams}`);
  const rate = Number(values.rate);
  if (!(rate > 0)) throw new Error('--rate must be a positive number of requests per second');
  const duration = values.duration === undefined ? undefined : Number(values.duration);
  if (duration !== undefined && !(duration > 0)) throw new Error('--duration must be a positive number of seconds');
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  return { ...values, streams: streams as Stream[], rate, durationMs: duration && duration * 1000, seed, port: values.port === undefined ? undefined : Number(values.port) };
}

// aio app build writes the deployed action URLs here before it bundles web-src/: an output, not an input
const INJECTED_CONFIG = join(ROOT, 'web-src/src/config.json');

/** Newest modification time under the given paths (files or folders). */
function newest(paths: string[]): number {
  let t = 0;
  for (const p of paths) {
    if (p === INJECTED_CONFIG) continue;
    const s = statSync(p, { throwIfNoEntry: false });
    if (!s) continue;
    t = Math.max(t, s.isDirectory() ? newest(readdirSync(p).map((f) => join(p, f))) : s.mtimeMs);
  }
  return t;
}

/**
 * The built bundles exist and the last build is newer than everything they are built from.
 * (aio rewrites each action's zip on every build, its index.js only when the content changed.)
 */
function bundlesFresh(): boolean {
  const built = loadManifest().actions.map((a) => (existsSync(bundlePath(a)) ? (statSync(join(dirname(bundlePath(a)), '..', `${a.name}.zip`), { throwIfNoEntry: false })?.mtimeMs ?? 0) : 0));
  const inputs = ['src', 'actions', 'app.config.yaml', 'webpack-config.js', 'tsconfig.build.json', 'package-lock.json'].map((p) => join(ROOT, p));
  // the console's files: web-prod is rewritten on every build of web-src/
  const web = existsSync(join(WEB_DIST, 'index.html')) ? statSync(join(WEB_DIST, 'index.html')).mtimeMs : 0;
  return Math.min(...built, web) > newest([...inputs, join(ROOT, 'web-src'), join(ROOT, 'dev/traffic')]);
}

function build(): boolean {
  if (bundlesFresh()) {
    console.log('action bundles are up to date (dist/); not rebuilding');
    return true;
  }
  console.log('building the action bundles and the console (npx aio app build, offline; a few minutes the first time)…');
  const r = spawnSync('npx', BUILD_ARGS, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: { ...process.env, ...BUILD_ENV } });
  if (r.status === 0) return true;
  const why = (r.stderr || r.error?.message || `exit code ${r.status}`).trim().split('\n').slice(-5).join('\n  ');
  console.log(`aio app build failed — running the actions from SOURCE instead (what you test is not the bundle):\n  ${why}`);
  return false;
}

/** The destination npm start delivers to: a local Standard Webhooks receiver, verifying every request with the reference library. */
const LOCAL_DESTINATION = 'local-webhook';

/**
 * Unless .env sets ROUTES or DESTINATIONS: a local webhook receiver, and routes that send the
 * simulated notifications to it through the destination action (the other streams to their targets, as without ROUTES).
 */
async function localWebhook(env: Record<string, string | undefined>): Promise<{ receiver: WebhookReceiver; env: Record<string, string> } | undefined> {
  if (env.ROUTES || env.DESTINATIONS) return undefined;
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const receiver = await startWebhookReceiver({ secret });
  // the other streams keep their per-stream targets, as without ROUTES
  const to = (stream: string, setting: string) => ({ name: stream, match: { stream }, action: env[setting] || DEFAULT_TARGET });
  const routes = { routes: [to('user-audit', 'AUDIT_TARGET_ACTION'), to('lead-activity', 'LEAD_ACTIVITY_TARGET_ACTION'), to('observability', 'OBSERVABILITY_TARGET_ACTION'), { name: 'notification', match: { stream: 'notification' }, destination: LOCAL_DESTINATION }] };
  return { receiver, env: { ROUTES: JSON.stringify(routes), DESTINATIONS: JSON.stringify({ [LOCAL_DESTINATION]: { kind: 'webhook', url: receiver.url, secret } }) } };
}

/** Deliveries per destination, for the live line and the summary. */
function webhookLine(receiver: WebhookReceiver | undefined): string {
  if (!receiver) return '';
  const events = receiver.delivered().reduce((n, d) => n + d.events.length, 0);
  return ` | delivered ${LOCAL_DESTINATION}=${events}${receiver.unverified ? ` (unverified ${receiver.unverified})` : ''}`;
}

/** The live status line: in place on a terminal, a line every 5 s otherwise. */
function statusPrinter(tty: boolean, extra: () => string = () => ''): { tickMs: number; onTick: (t: Tally) => void; end: () => void } {
  if (!tty) return { tickMs: 5000, onTick: (t) => console.log(`${t.line()}${extra()}`), end: () => undefined };
  // cut to the terminal's width: a wrapped line could not be rewritten in place
  const fit = (line: string): string => (process.stdout.columns && line.length >= process.stdout.columns ? `${line.slice(0, process.stdout.columns - 2)}…` : line);
  return { tickMs: 250, onTick: (t) => void process.stdout.write(`\r\x1b[2K${fit(`${t.line()}${extra()}`)}`), end: () => void process.stdout.write('\n') };
}

function printEnd(tally: Tally, web: string, consoleUrl: string, invocationsFile: string | undefined, receiver?: WebhookReceiver): void {
  console.log(`\nsummary\n${tally.summary()}`);
  if (receiver) console.log(`  webhook ${LOCAL_DESTINATION}: ${receiver.delivered().reduce((n, d) => n + d.events.length, 0)} events in ${receiver.delivered().length} verified deliveries, ${receiver.unverified} unverified (${receiver.url})`);
  for (const u of tally.unexpected.slice(0, 10)) console.log(`  unexpected: ${u.label} — expected ${u.expected}, got ${u.status} ${JSON.stringify(u.body).slice(0, 160)}`);
  if (tally.unexpected.length > 10) console.log(`  … and ${tally.unexpected.length - 10} more`);
  console.log(`\nstatus:               ${web}/status`);
  console.log(`operator console:     ${consoleUrl}`);
  console.log(`forwarded events in:  ${invocationsFile}`);
}

/**
 * First Ctrl-C: stop cleanly; a second one (a second later or more): leave at once.
 * The same Ctrl-C can arrive more than once (the terminal signals the process group,
 * and npm relays it as well), so repeats within a second are one press. (`npm start`
 * runs `node --import tsx`, not the tsx CLI: that one kills a child which has not
 * acknowledged a relayed signal within 30 ms, and a busy simulator would lose its summary.)
 */
function onInterrupt(): Promise<void> {
  return new Promise<void>((stop) => {
    let first = 0;
    const handler = (): void => {
      if (!first) {
        first = Date.now();
        console.log('\nstopping: no new requests; waiting for answers and local invocations (Ctrl-C again to quit at once)…');
        stop();
      } else if (Date.now() - first > 1000) process.exit(130);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/** --keep-serving: the runtime and the console stay up after the traffic, until Ctrl-C. */
async function keepServing(on: boolean, stop: Promise<void>, consoleUrl: string): Promise<void> {
  if (!on) return;
  console.log(`\ntraffic ended; the local runtime and the console (${consoleUrl}) keep serving — Ctrl-C to stop`);
  await stop;
}

async function main(): Promise<number> {
  const o = options();
  const sim = await startSimulatedMarketo({ streams: o.streams, seed: o.seed });
  // action logs would scroll the status line away: errors only, unless LOG_LEVEL is set
  const webhook = await localWebhook(localEnv());
  const forced = { ...sim.relayEnv, ...webhook?.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'error' };
  const env = localEnv(forced);
  const closeAll = async (): Promise<void> => void (await Promise.all([sim.close(), webhook?.receiver.close()]));
  const { errors } = checkConfig(env, undefined, { local: true });
  if (errors.length) {
    console.error(`configuration invalid:\n  - ${errors.join('\n  - ')}`);
    await closeAll();
    return 1;
  }
  const bundles = !o['no-build'] && build();
  const server = await serveLocally({ bundles, port: o.port, env: forced }).catch(async (err: Error & { code?: string }) => {
    await closeAll();
    throw err.code === 'EADDRINUSE' ? new Error(`port ${o.port ?? env.PORT} is in use: pass --port <n> (0 = any free port)`) : err;
  });
  const web = `${server.url}${WEB_PATH}`;
  const consoleUrl = `${server.url}/`;
  console.log(`local runtime ${server.url} — actions from ${bundles ? 'the built bundles' : 'source'}; key server ${sim.keyServer.baseUrl}; OAuth IdP ${sim.idp.idp.url}; Marketo REST ${sim.rest.url}`);
  console.log(`webhooks ${web}/{${o.streams.join(',')}}   traffic seed ${sim.seed}`);
  if (webhook) console.log(`destination ${LOCAL_DESTINATION}: notifications are delivered to a local Standard Webhooks receiver ${webhook.receiver.url} (set ROUTES or DESTINATIONS in .env to route otherwise)`);
  console.log(`operator console ${consoleUrl}${existsSync(join(WEB_DIST, 'index.html')) ? '' : `  (not built: ${o['no-build'] ? 'run npm run build' : 'aio app build failed'})`}`);
  const stop = onInterrupt();
  try {
    if (o.once) {
      const tally = await runOnce(sim, server.url, (l) => console.log(l));
      await server.idle();
      printEnd(tally, web, consoleUrl, env.LOCAL_INVOCATIONS_FILE, webhook?.receiver);
      await keepServing(o['keep-serving'], stop, consoleUrl);
      return tally.unexpected.length || webhook?.receiver.unverified ? 1 : 0;
    }
    const tally = new Tally();
    const registered = await registerWebhooks(sim, server.url, tally);
    for (const r of registered) console.log(formatResult(r));
    console.log(`sending ~${o.rate} requests/s${o.durationMs ? ` for ${o.durationMs / 1000} s` : ''} — Ctrl-C to stop`);
    const status = statusPrinter(Boolean(process.stdout.isTTY), () => webhookLine(webhook?.receiver));
    await runContinuous(sim, server.url, { rate: o.rate, durationMs: o.durationMs, stop, tally, tickMs: status.tickMs, onTick: status.onTick });
    status.end();
    await server.idle();
    printEnd(tally, web, consoleUrl, env.LOCAL_INVOCATIONS_FILE, webhook?.receiver);
    await keepServing(o['keep-serving'], stop, consoleUrl);
    return tally.unexpected.length || webhook?.receiver.unverified ? 1 : 0;
  } finally {
    await server.close();
    await closeAll();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(2);
  },
);
