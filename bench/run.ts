/**
 * `npm run bench`: P1–P8, printed as a table and written to bench/results.md
 * with the machine and Node version. Ratios are computed inside this one run.
 * Options: --quick (fewer runs, 250k-event day), --no-build (reuse dist/).
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { runBundles } from './bundles';
import { medianOf, runConsole } from './console';
import { destinationsReport, runDestinations } from './destinations';
import { runInProcess } from './in-process';
import { runLoad, type LoadResult } from './load';
import { kb, ms } from './measure';
import { routingReport, runRouting } from './routing';
import { runStoreDay } from './store-day';

const quick = process.argv.includes('--quick');
const build = !process.argv.includes('--no-build');
const lines: string[] = [];
const out = (l = ''): void => {
  lines.push(l);
  console.log(l);
};
const goal = (ok: boolean): string => (ok ? 'met' : '**missed**');

async function main(): Promise<void> {
  out(`# marketo-stream-relay benchmarks`);
  out();
  out(`${new Date().toISOString()} · ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length} · ${Math.round(os.totalmem() / 2 ** 30)} GiB · Node ${process.version} · ${os.platform()} ${os.release()}`);
  out();

  const ip = await runInProcess({ runs: quick ? 300 : 2000, pushRuns: quick ? 50 : 300 });
  const ratio = ip.p1Baseline.mean / ip.p1.mean;
  const ratioStub = ip.p1BaselineStub.mean / ip.p1.mean;
  out('## P1 — signed 20-event I/O batch, warm, in-process (verify → recipient → normalize → route → forward)');
  out();
  out('| path | p50 ms | p99 ms | mean ms | events/s |');
  out('| --- | ---: | ---: | ---: | ---: |');
  out(`| marketo-stream-relay | ${ms(ip.p1.p50)} | ${ms(ip.p1.p99)} | ${ms(ip.p1.mean)} | ${Math.round(ip.p1.eventsPerSecond)} |`);
  out(`| **baseline**: aio-lib-events verification, real aio-lib-state against a local State service (${ip.p1Baseline.stateCallsPerDelivery.toFixed(1)} HTTP calls/delivery) | ${ms(ip.p1Baseline.p50)} | ${ms(ip.p1Baseline.p99)} | ${ms(ip.p1Baseline.mean)} | ${Math.round(ip.p1Baseline.eventsPerSecond)} |`);
  out(`| lower bound: aio-lib-events verification, aio-lib-state replaced by a map | ${ms(ip.p1BaselineStub.p50)} | ${ms(ip.p1BaselineStub.p99)} | ${ms(ip.p1BaselineStub.mean)} | ${Math.round(ip.p1BaselineStub.eventsPerSecond)} |`);
  out();
  out(`Goal p99 ≤ 1 ms: ${goal(ip.p1.p99 <= 1)}. Speed-up over the baseline (mean, same run): ×${ratio.toFixed(1)}; goal ≥ ×10: ${goal(ratio >= 10)}. Both paths share everything after verification (recipient, normalize, route, forward, idempotency in memory). The baseline runs Adobe's code unchanged: per delivery aio-lib-state's init() and two get() calls, each compiling a fresh Ajv schema, plus two loopback HTTP round trips — in Runtime those are remote calls, so its real cost is higher. Against the stub that no deployment reaches: ×${ratioStub.toFixed(1)}.`);
  out();
  out('## P2 — 500-activity legacy push, accepted and routed in-process');
  out();
  out('| idempotency store | p50 ms | p99 ms | mean ms |');
  out('| --- | ---: | ---: | ---: |');
  out(`| aio-lib-state, grouped (the Runtime default; client faked at its boundary, 1 M activities/day pace) | ${ms(ip.p2.p50)} | ${ms(ip.p2.p99)} | ${ms(ip.p2.mean)} |`);
  out(`| memory (STATE_STORE=memory, one key per event) | ${ms(ip.p2Memory.p50)} | ${ms(ip.p2Memory.p99)} | ${ms(ip.p2Memory.mean)} |`);
  out(`| aio-lib-state, grouped, the real library against a local State service (${ip.p2RealState.stateCallsPerPush.toFixed(1)} calls/push) | ${ms(ip.p2RealState.p50)} | ${ms(ip.p2RealState.p99)} | ${ms(ip.p2RealState.mean)} |`);
  const catalogRatio = ip.p2Catalog.mean / ip.p2Without.mean;
  out(`| aio-lib-state, grouped, client faked — **catalog warm** (both instances' catalogs configured, half the activities custom: named, attributes typed) | ${ms(ip.p2Catalog.p50)} | ${ms(ip.p2Catalog.p99)} | ${ms(ip.p2Catalog.mean)} |`);
  out(`| the same, without the catalog (measured in alternating blocks with the row above) | ${ms(ip.p2Without.p50)} | ${ms(ip.p2Without.p99)} | ${ms(ip.p2Without.mean)} |`);
  out();
  out(`Catalog warm vs without, same pushes, same run: ${catalogRatio >= 1 ? '+' : ''}${((catalogRatio - 1) * 100).toFixed(1)} % (mean ${ms(ip.p2Catalog.mean)} vs ${ms(ip.p2Without.mean)} ms; p50 ${ms(ip.p2Catalog.p50)} vs ${ms(ip.p2Without.p50)} ms); goal ≤ 10 % over: ${goal(catalogRatio <= 1.1)}. What it adds per push: each activity's attributes keyed and converted, and their bytes counted for the 1 MB invocation proof (src/delivery/param-size.ts); no store or REST call while the catalog is warm (a container re-reads the store once a minute).`);
  out();
  out(`${ip.p2.runs} distinct pushes each, after 50 warm-up pushes. Goal p99 ≤ 10 ms (relay code, store client faked): ${goal(Math.max(ip.p2.p99, ip.p2Memory.p99) <= 10)}. The last row is what the library itself adds in Runtime: every aio-lib-state call compiles a fresh Ajv schema (≈ 9 ms of CPU with its HTTP round trip), so the relay makes 3 per push (one bucket read on claim, read + write on commit). What a push costs at least here: base64 → bytes → text → JSON.parse of ≈ 340 KB (≈ 2.5 ms, most of it allocating fresh memory); the tail is young-generation collections that must copy the ≈ 2 MB parsed document while it is live.`);
  out();
  const b = await runBundles({ build, runs: quick ? 3 : 7 });
  out('## P3 — production bundles (`aio app build`), fresh Node process each run (load + first request), median');
  out();
  out('| action | main bundle | with lazy chunks | load ms | cold start ms | template ÷ this (paired runs) |');
  out('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of [...b.rows, b.template]) {
    const cold = r.status === 'null' ? '(load only)' : ms(r.coldMs);
    out(`| ${r.action} | ${kb(r.mainBytes)} | ${kb(r.bytes)} | ${ms(r.loadMs)} | ${cold} | ${r.pairedRatio === undefined ? '' : `×${r.pairedRatio.toFixed(1)}`} |`);
  }
  const receivers = b.rows.filter((r) => ['user-audit', 'notification', 'lead-activity'].includes(r.action));
  const push = b.rows.find((r) => r.action.startsWith('lead-activity ('));
  const worstCold = Math.max(...receivers.map((r) => r.coldMs));
  const worstRatio = Math.min(...receivers.map((r) => r.pairedRatio ?? 0));
  const worstLoad = Math.max(...b.rows.map((r) => r.loadMs));
  const biggest = Math.max(...b.rows.map((r) => r.mainBytes));
  out();
  out('First request: a signed I/O delivery of 20 events (3 for notification) with its signing key fetched from the local key server, one invocation through the (bundled) openwhisk client to a local invoke API, counted (a run that parked instead fails the benchmark), LOG_LEVEL unset as deployed (the relay writes its info line, one JSON object); stores in memory. The template action (`require(\'@adobe/aio-sdk\')`, `Core.Logger`, one info line) is built with the same webpack config.');
  out();
  out(`Goals (receivers, signed request): main bundle ≤ 1 MB ${goal(biggest <= 1_000_000)} (largest ${kb(biggest)}; lazily loaded chunks are parsed only on the path that needs them); load ≤ 50 ms ${goal(worstLoad <= 50)} (worst ${ms(worstLoad)}); cold start ≤ 100 ms ${goal(worstCold <= 100)} (worst ${ms(worstCold)}); ≥ ×5 faster than the template's cold start ${goal(worstRatio >= 5)} (worst ×${worstRatio.toFixed(1)}: each run of a bundle is followed by a run of the template and the ratio is the median of the pairs', so the machine's drift between minutes moves both sides alike).${push ? ` Not a signed request, so outside the goal, but the heaviest first request there is: a 500-activity push into a cold lead-activity container, ${ms(push.coldMs)} ms (×${(push.pairedRatio ?? 0).toFixed(1)}).` : ''}`);
  out();
  // three runs: this VM's throughput swings by a third between minutes; the median run is reported
  const loads: LoadResult[] = [];
  for (let i = 0; i < (quick ? 1 : 3); i++) loads.push(await runLoad({ seconds: quick ? 5 : 10, connections: 32, pool: quick ? 30_000 : 60_000 }));
  const byRate = [...loads].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  const load = byRate[Math.floor(byRate.length / 2)];
  const clean = loads.every((l) => l.errors === 0 && l.non2xx === 0 && l.lost === 0);
  out('## P4 — local runtime under load (autocannon, 32 connections, signed single-event deliveries, 2 cores shared by server and load generator)');
  out();
  out(`Median of ${loads.length} runs: ${Math.round(load.requestsPerSecond)} deliveries/s over ${load.durationSeconds} s (${load.requests} requests), latency p50 ${load.p50Ms} ms / p99 ${load.p99Ms} ms; all runs: ${loads.map((l) => Math.round(l.requestsPerSecond)).join(', ')} deliveries/s, non-2xx ${loads.reduce((n, l) => n + l.non2xx, 0)}, errors ${loads.reduce((n, l) => n + l.errors, 0)}, events lost ${loads.reduce((n, l) => n + l.lost, 0)} (${loads.reduce((n, l) => n + l.forwardedEvents, 0)} hand-offs recorded). The server used ${load.serverCpuSeconds.toFixed(1)} CPU-seconds in the median run: ${Math.round(load.perServerCore)} deliveries per server-core-second (the load generator, on the same 2 cores, is the limit when the server is below one core). Goal ≥ 3,000/s with 0 errors and 0 lost: ${goal(load.requestsPerSecond >= 3000 && clean)}.`);
  out();

  const day = await runStoreDay(quick ? 250_000 : 1_000_000);
  out(`## P5 — one simulated day (${day[0].leadEvents.toLocaleString('en')} lead activities in 500-activity pushes + audit/notification, retries and redeliveries, 2 % of hand-offs throttled → parked → replayed)`);
  out();
  out('| store | deliveries | duplicates skipped | parked / replayed | keys after 1 day | keys at 7-day steady state | avg bytes/s | peak bytes/min | largest value (idempotency bucket) | wall s |');
  out('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const d of day) {
    out(`| ${d.store} | ${d.deliveries} | ${d.duplicatesSkipped} | ${d.parked} / ${d.replayed} | ${d.keysAfterDay} | ${d.keysSteady7Days} | ${Number.isNaN(d.avgBytesPerSecond) ? '—' : Math.round(d.avgBytesPerSecond)} | ${Number.isNaN(d.peakBytesPerMinute) ? '—' : Math.round(d.peakBytesPerMinute)} | ${d.store.startsWith('Redis') ? `${(d.maxValueBytes / 2 ** 20).toFixed(0)} MiB used_memory` : `${kb(d.maxValueBytes)} (${kb(d.maxDedupeValueBytes)})`} | ${d.wallSeconds.toFixed(1)} |`);
  }
  const s = day[0];
  const perDayBytes = s.avgBytesPerSecond * 86400;
  // per push, bytes grow with the bucket values (∝ volume) and pushes grow with volume: ∝ V²
  const limitByBandwidth = s.leadEvents * Math.sqrt((1024 * 1024 * 86400) / Math.max(1, perDayBytes));
  out();
  out(`aio-lib-state quotas (200,000 keys, ≈ 1 MB/s): keys stay at ${s.keysSteady7Days} in the 7-day steady state whatever the volume (routes × 5-minute buckets, plus parked and dead-letter records); bandwidth ${Math.round(s.avgBytesPerSecond)} B/s on average. Bytes per day grow with the square of the volume (more pushes, each reading larger buckets), so the average reaches 1 MB/s at ≈ ${(limitByBandwidth / 1e6).toFixed(0)} M events/day; an idempotency bucket value reaches the 1 MB value limit (it then spills into further parts, more keys) at ≈ ${((900_000 / Math.max(1, s.maxDedupeValueBytes)) * s.leadEvents / 1e6).toFixed(0)} M events/day; peak traffic ${kb(s.peakBytesPerMinute)}/min against bursts of 10 MB/min. Goal (inside the quotas at 1 M/day): ${goal(s.keysSteady7Days < 200_000 && s.avgBytesPerSecond < 1024 * 1024)}.`);
  out();
  const c = await runConsole({ build, runs: quick ? 3 : 7 });
  out('## P6 — the operator console as deployed (`NODE_ENV=production aio app build --web-optimize`), first load in Debian chromium against `npm start`');
  out();
  out('| file | bytes | gzipped | loaded |');
  out('| --- | ---: | ---: | --- |');
  for (const f of c.files) out(`| ${f.file} | ${kb(f.bytes)} | ${kb(f.gzip)} | ${f.firstLoad ? 'first load' : /^(exc-app|page|user)\./.test(f.file) ? 'inside the Experience Cloud shell only' : 'when its tab is first opened'} |`);
  out();
  out(`First load: ${kb(c.firstLoadJsGzip)} of JavaScript gzipped (${kb(c.firstLoadGzip)} with the stylesheet and index.html); goal ≤ 400 KB of JavaScript: ${goal(c.firstLoadJsGzip <= 400 * 1024)}. Time from navigation to the first chart (a fresh browser context each time, the local runtime on the same 2 cores): median ${medianOf(c.firstChartMs).toFixed(0)} ms of ${c.firstChartMs.length} loads (${c.firstChartMs.map((m) => m.toFixed(0)).join(', ')}).${c.buildSeconds !== undefined ? ` Build of the console alone: ${c.buildSeconds.toFixed(0)} s.` : ''} The receivers' bundles (P3) contain none of it: the console action is a bundle of its own.`);
  out();
  // P3 built the destination action's bundle (or, with --no-build, P7 builds it only when it is missing)
  for (const l of destinationsReport(await runDestinations({ quick, build: false }), goal)) out(l);
  for (const l of routingReport(await runRouting({ quick }), goal)) out(l);
  writeFileSync(join(__dirname, 'results.md'), `${lines.join('\n')}\n`);
  console.log('written to bench/results.md');
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
