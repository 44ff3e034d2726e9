/**
 * `npm start`: the whole app on this machine, no Adobe account. Builds the action
 * bundles, starts the local runtime, a key server and an OAuth IdP, and drives a
 * simulated Marketo against it with a live status line. Ctrl-C stops cleanly.
 *
 *   npm start [-- --rate 20] [--duration 60] [--streams user-audit,notification,lead-activity]
 *             [--once] [--no-build] [--port 9080]
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { isStream, STREAMS, type Stream } from '../src/envelope/envelope';
import { checkConfig } from './check-config';
import { localEnv, ROOT } from './local-env';
import { serveLocally } from './serve';
import { startSimulatedMarketo } from './simulator/marketo';
import { runContinuous, runOnce } from './simulator/run';

function options() {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '20' },
      duration: { type: 'string' },
      streams: { type: 'string', default: STREAMS.join(',') },
      once: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      port: { type: 'string' },
    },
  });
  const streams = values.streams.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = streams.filter((s) => !isStream(s));
  if (bad.length || !streams.length) throw new Error(`--streams takes ${STREAMS.join(', ')}; got ${values.streams}`);
  const rate = Number(values.rate);
  if (!(rate > 0)) throw new Error('--rate must be a positive number of requests per second');
  return { ...values, streams: streams as Stream[], rate, durationMs: values.duration ? Number(values.duration) * 1000 : undefined };
}

function build(): boolean {
  console.log('building the action bundles (aio app build)…');
  const r = spawnSync('npx', ['aio', 'app', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status === 0) return true;
  console.log(`aio app build failed; running the actions from source instead.\n${(r.stderr ?? '').split('\n').slice(-5).join('\n')}`);
  return false;
}

async function main(): Promise<number> {
  const o = options();
  const sim = await startSimulatedMarketo({ streams: o.streams });
  // action logs would scroll the status line away: errors only, unless LOG_LEVEL is set
  const env = localEnv({ ...sim.relayEnv, LOG_LEVEL: process.env.LOG_LEVEL ?? 'error' });
  const { errors } = checkConfig(env);
  if (errors.length) {
    console.error(`configuration invalid:\n  - ${errors.join('\n  - ')}`);
    await sim.close();
    return 1;
  }
  const bundles = !o['no-build'] && build();
  const server = await serveLocally({ bundles, port: o.port ? Number(o.port) : undefined });
  const web = `${server.url}/api/v1/web/marketo-stream-relay`;
  console.log(`local runtime ${server.url} (${bundles ? 'built bundles' : 'source'}); webhooks ${web}/{user-audit,notification,lead-activity}`);
  console.log(`status: ${web}/status   forwarded events: ${env.LOCAL_INVOCATIONS_FILE}`);
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  process.once('SIGINT', () => stop());
  process.once('SIGTERM', () => stop());
  try {
    if (o.once) {
      const tally = await runOnce(sim, server.url, (l) => console.log(l));
      await server.idle();
      console.log(`\nsummary\n${tally.summary()}`);
      return tally.unexpected.length ? 1 : 0;
    }
    const tty = process.stdout.isTTY;
    let lastPrint = 0;
    const tally = await runContinuous(sim, server.url, {
      rate: o.rate,
      durationMs: o.durationMs,
      stop: stopped,
      onTick: (t) => {
        if (tty) process.stdout.write(`\r\x1b[2K${t.line()}`);
        else if (Date.now() - lastPrint >= 5000) (lastPrint = Date.now()), console.log(t.line());
      },
    });
    await server.idle();
    console.log(`\n\nsummary\n${tally.summary()}`);
    for (const u of tally.unexpected.slice(0, 10)) console.log(`  unexpected: ${u.label} → ${u.status} ${JSON.stringify(u.body).slice(0, 200)}`);
    return tally.unexpected.length ? 1 : 0;
  } finally {
    await server.close();
    await sim.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(2);
  },
);
