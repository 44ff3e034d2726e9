/**
 * P6: the operator console as deployed (`aio app build --web-optimize`,
 * NODE_ENV=production): the bytes a browser loads first (what index.html
 * references; the shell's module runtime chunks load only inside Experience
 * Cloud), gzipped as a CDN serves them, and the time from navigation to the
 * first chart in Debian's chromium against `npm start --once --keep-serving`,
 * each load in a fresh browser context (nothing cached).
 *
 *   npx tsx bench/console.ts [--no-build] [--runs 7]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { BUILD_ARGS, BUILD_ENV, WEB_DIST } from '../dev/serve';
import { percentile } from './measure';

const ROOT = resolve(__dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface ConsoleFile {
  file: string;
  bytes: number;
  gzip: number;
  firstLoad: boolean;
}

export interface ConsoleResult {
  files: ConsoleFile[];
  firstLoadJsGzip: number;
  firstLoadGzip: number;
  firstChartMs: number[];
  buildSeconds?: number;
}

/** The console's files, and which of them index.html makes the browser load first. */
export function consoleFiles(dir = WEB_DIST): ConsoleFile[] {
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const first = new Set([...html.matchAll(/(?:src|href)=["']?\/?([^"'\s>]+)/g)].map((m) => m[1]));
  return readdirSync(dir)
    .filter((f) => /\.(js|css|html)$/.test(f))
    .map((f) => {
      const body = readFileSync(join(dir, f));
      return { file: f, bytes: statSync(join(dir, f)).size, gzip: gzipSync(body).length, firstLoad: f === 'index.html' || first.has(f) };
    })
    .sort((a, b) => b.bytes - a.bytes);
}

export async function runConsole(o: { build: boolean; runs: number }): Promise<ConsoleResult> {
  let buildSeconds: number | undefined;
  if (o.build || !existsSync(join(WEB_DIST, 'index.html'))) {
    const t = Date.now();
    const r = spawnSync('npx', [...BUILD_ARGS, '--no-actions', '--force-build'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...BUILD_ENV } });
    if (r.status !== 0) throw new Error(`aio app build failed:\n${r.stderr}`);
    buildSeconds = (Date.now() - t) / 1000;
  }
  const files = consoleFiles();
  const dir = mkdtempSync(join(tmpdir(), 'msr-bench-console-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'dev/start.ts', '--no-build', '--port', '0', '--once', '--seed', '6', '--keep-serving'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'off', STATE_STORE: 'file', STATS_FLUSH_SECONDS: '0', LOCAL_DATA_DIR: dir, LOCAL_INVOCATIONS_FILE: join(dir, 'invocations.jsonl') },
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const firstChartMs: number[] = [];
  try {
    while (!/keep serving/.test(out)) {
      if (child.exitCode !== null) throw new Error(`npm start ended:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const url = /local runtime (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] as string;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    try {
      for (let i = 0; i < o.runs + 1; i++) {
        const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
        const page = await context.newPage();
        await page.goto(`${url}/`, { waitUntil: 'commit' });
        await page.locator('[data-testid$="-accepted-total"]').first().waitFor();
        // navigation start → the first chart's total in the page, by the page's own clock
        const ms = await page.evaluate(() => performance.now());
        if (i > 0) firstChartMs.push(ms); // the first load warms the local runtime's own caches
        await context.close();
      }
    } finally {
      await browser.close();
    }
  } finally {
    if (child.exitCode === null) process.kill(-(child.pid as number), 'SIGINT');
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  }
  const first = files.filter((f) => f.firstLoad);
  return {
    files,
    firstLoadJsGzip: first.filter((f) => f.file.endsWith('.js')).reduce((n, f) => n + f.gzip, 0),
    firstLoadGzip: first.reduce((n, f) => n + f.gzip, 0),
    firstChartMs: firstChartMs.sort((a, b) => a - b),
    buildSeconds,
  };
}

export const medianOf = (xs: number[]): number => percentile(xs, 50);

if (require.main === module) {
  const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 7;
  runConsole({ build: !process.argv.includes('--no-build'), runs }).then(
    (r) => {
      for (const f of r.files) console.log(`${f.file.padEnd(28)} ${String(f.bytes).padStart(9)} B  gzip ${String(f.gzip).padStart(8)} B${f.firstLoad ? '  (first load)' : ''}`);
      console.log(`first load: JavaScript ${r.firstLoadJsGzip} B gzipped, all ${r.firstLoadGzip} B; first chart ${r.firstChartMs.map((m) => m.toFixed(0)).join(', ')} ms (median ${medianOf(r.firstChartMs).toFixed(0)})`);
    },
    (err: Error) => {
      console.error(err.stack ?? err.message);
      process.exit(1);
    },
  );
}
