/**
 * The console in a real browser (Debian's chromium, driven by playwright-core),
 * against `npm start`: the console built as deployed (`aio app build
 * --web-optimize`, NODE_ENV=production), the local runtime and the simulated
 * Marketo from dev/start.ts (actions from source) sending one request of each
 * kind (--once: every stream, redeliveries, each hostile kind), then --keep-serving. The user-audit route's target answers 503 at first, so
 * its events are parked; the test clears the fault and replays them from the
 * console. Each test leaves a screenshot in .test-output/console/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { BUILD_ARGS, BUILD_ENV } from '../../dev/serve';
import { generateApiKey } from '../../dev/server';

const ROOT = resolve(__dirname, '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(ROOT, '.test-output/console');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AUDIT_SINK = 'ops/audit-sink';

const haveBrowser = existsSync(CHROMIUM);
// eslint-disable-next-line no-console
if (!haveBrowser) console.warn(`browser tests skipped: no ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`);
const describeBrowser = haveBrowser ? describe : describe.skip;

interface Stack {
  child: ChildProcess;
  url: string;
  apiKey: string;
  dir: string;
  out: () => string;
}

async function startStack(): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'msr-console-'));
  const apiKey = generateApiKey();
  const env = {
    ...process.env,
    LOG_LEVEL: 'off',
    STATE_STORE: 'file',
    LOCAL_DATA_DIR: dir,
    LOCAL_INVOCATIONS_FILE: join(dir, 'invocations.jsonl'),
    LOCAL_API_KEY: apiKey,
    AUDIT_TARGET_ACTION: AUDIT_SINK,
    LOCAL_INVOKE_FAULTS: `${AUDIT_SINK}=503`,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'dev/start.ts', '--no-build', '--port', '0', '--once', '--seed', '21', '--keep-serving'], { cwd: ROOT, env, detached: true });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const deadline = Date.now() + 90_000;
  while (!/keep serving/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not keep serving:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const url = /local runtime (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
  if (!url) throw new Error(`no local runtime URL in:\n${out}`);
  return { child, url, apiKey, dir, out: () => out };
}

/** A figure from the simulator's summary, e.g. "events accepted". */
const summaryFigure = (out: string, label: string): number => {
  const m = new RegExp(`^\\s+${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+(\\d+)`, 'm').exec(out.slice(out.lastIndexOf('summary')));
  if (!m) throw new Error(`"${label}" not in the summary:\n${out}`);
  return Number(m[1]);
};

const invocations = (dir: string): { action: string; params: { events?: { id: string }[] } }[] =>
  readFileSync(join(dir, 'invocations.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { action: string; params: { events?: { id: string }[] } });

async function axeViolations(page: Page): Promise<{ id: string; impact: string; nodes: number }[]> {
  await page.addScriptTag({ content: AXE });
  return page.evaluate(async () => {
    const r = await (globalThis as unknown as { axe: { run: (o: unknown) => Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }).axe.run({ resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
}

describeBrowser('operator console in a real browser, against npm start', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const built = spawnSync('npx', [...BUILD_ARGS, '--no-actions', '--force-build'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...BUILD_ENV } });
    if (built.status !== 0) throw new Error(`aio app build failed:\n${built.stderr}`);
    mkdirSync(SHOTS, { recursive: true });
    stack = await startStack();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${stack.url}/`);
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    if (stack && stack.child.exitCode === null) {
      process.kill(-(stack.child.pid as number), 'SIGINT');
      await new Promise((r) => stack.child.once('exit', r));
    }
    if (stack) rmSync(stack.dir, { recursive: true, force: true });
  });

  it('the charts show the events the simulator sent, and what was refused under its reason', async () => {
    const sent = summaryFigure(stack.out(), 'events accepted');
    expect(sent).toBeGreaterThan(0);
    const refused = [...stack.out().slice(stack.out().lastIndexOf('summary')).matchAll(/^\s+rejected (\d{3} \S+)\s+(\d+)$/gm)].map((m) => [m[1], Number(m[2])] as [string, number]);
    expect(refused.some(([code]) => code === '401 signature_invalid')).toBe(true);
    await page.getByRole('region', { name: 'User Audit stream' }).waitFor();
    // containers write their counts at most every STATS_FLUSH_SECONDS (10 s), the last ones when
    // the interval ends; the view refreshes every 10 s: the totals arrive within ≈ 20 s
    const shown = async () => (await page.locator('[data-testid$="-accepted-total"]').allTextContents()).reduce((n, t) => n + Number(t.replace(/,/g, '')), 0);
    const until = Date.now() + 30_000;
    while ((await shown()) !== sent && Date.now() < until) await page.waitForTimeout(500);
    expect(await shown()).toBe(sent);
    // every refusal the simulator counted, by its reason, in the streams' reason lists
    const reasons: Record<string, number> = {};
    for (const li of await page.locator('[data-testid$="-reason"]').allTextContents()) {
      const m = /^(\d{3} \S+): (\d+)$/.exec(li.trim());
      if (m) reasons[m[1]] = (reasons[m[1]] ?? 0) + Number(m[2]);
    }
    for (const [code, n] of refused) expect([code, reasons[code]]).toEqual([code, n]);
    await page.getByText(/parked record\(s\) wait for replay/).first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'streams.png'), fullPage: true });
    const violations = await axeViolations(page);
    expect(violations.filter((v) => v.impact === 'critical' || v.impact === 'serious')).toEqual([]);
  }, 90_000);

  it('an event parked by a failing route is replayed from the console and forwarded exactly once', async () => {
    const parked = summaryFigure(stack.out(), 'parked');
    expect(parked).toBeGreaterThan(0);
    expect(invocations(stack.dir).filter((i) => i.action === AUDIT_SINK)).toEqual([]);
    // the route's target recovers
    const res = await fetch(`${stack.url}/_local/faults`, { method: 'PUT', headers: { authorization: `Basic ${Buffer.from(stack.apiKey).toString('base64')}`, 'content-type': 'application/json' }, body: JSON.stringify({ faults: '' }) });
    expect(res.status).toBe(200);
    await page.getByRole('tab', { name: 'Parked and dead letters' }).click();
    const table = page.getByRole('grid', { name: 'Parked records' });
    await table.getByRole('row').nth(1).waitFor();
    const rows = await table.getByRole('row').count();
    expect(rows - 1).toBeGreaterThan(0);
    expect((await axeViolations(page)).filter((v) => v.impact === 'critical' || v.impact === 'serious')).toEqual([]);
    // the first record's envelopes
    await table.getByRole('button', { name: /^Show record / }).first().click();
    const shown = JSON.parse((await page.getByTestId('record-json').textContent()) ?? '[]') as { id: string; stream: string }[];
    expect(shown[0]).toMatchObject({ stream: 'user-audit' });
    await page.screenshot({ path: join(SHOTS, 'record.png') });
    await page.keyboard.press('Escape');
    // replay everything parked for the route, by keyboard-reachable controls
    await page.getByRole('textbox', { name: 'Route' }).fill('user-audit');
    await page.getByRole('button', { name: 'Replay all for route user-audit' }).click();
    await page.getByTestId('records-message').getByText(/handed off/).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(SHOTS, 'replayed.png'), fullPage: true });
    const forwarded = invocations(stack.dir).filter((i) => i.action === AUDIT_SINK).flatMap((i) => i.params.events ?? []).map((e) => e.id);
    expect(forwarded).toContain(shown[0].id);
    expect(forwarded.length).toBe(new Set(forwarded).size);
    expect(forwarded.length).toBe(parked);
    await page.getByText(/Nothing parked for route user-audit/).waitFor();
  }, 90_000);

  it('the route tester shows the routes the receivers really use, reached with the keyboard alone', async () => {
    // the tab list moves with the arrow keys; the tester's button is pressed with Enter
    await page.getByRole('tab', { name: 'Parked and dead letters' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Routes' }).getAttribute('aria-selected')).toBe('true');
    await page.getByTestId('route-row').first().waitFor();
    const rows = await page.getByTestId('route-row').allTextContents();
    expect(rows.find((r) => r.startsWith('user-audit'))).toContain(AUDIT_SINK);
    await page.getByRole('button', { name: 'Test routes' }).focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('route-hit').first().waitFor();
    expect(await page.getByTestId('route-hit').allTextContents()).toEqual([expect.stringMatching(new RegExp(`^user-audit → ${AUDIT_SINK} \\(1 event\\)`))]);
    const envelopes = JSON.parse((await page.getByTestId('route-envelopes').textContent()) ?? '[]') as { stream: string; type: string }[];
    expect(envelopes[0]).toMatchObject({ stream: 'user-audit', type: expect.stringMatching(/^com\.adobe\.platform\.marketo\.audit\.user\./) });
    await page.screenshot({ path: join(SHOTS, 'routes.png'), fullPage: true });
    expect((await axeViolations(page)).filter((v) => v.impact === 'critical' || v.impact === 'serious')).toEqual([]);
  }, 60_000);
});
