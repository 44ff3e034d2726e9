/**
 * Issue 24 item 8, generated: hostile operator input to the console and the
 * replay action — record ids of any text, filters of any JSON type, `since` of
 * any text, events nested up to 5,000 levels. Each answer is a 4xx with its own
 * code or a 2xx, never a 5xx or a throw; nothing is handed off; and a filter
 * that cannot be read never widens a replay (records parked for a route stay).
 * The store is the file store, which refuses keys outside aio-lib-state's rule.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as consoleAction } from '../../actions/console/index';
import { main as replay } from '../../actions/replay/index';
import { main as userAudit } from '../../actions/user-audit/index';
import { auditEvent } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { createFileKv } from '../../src/stores/file-kv';
import { callConsole } from '../support/deployed';
import { CLIENT_ID, RelayHarness } from '../support/relay-harness';

const h = new RelayHarness();
const rng = seeded(8);
let dir: string;

beforeAll(async () => {
  await h.start({ AUDIT_TARGET_ACTION: 'ops/audit', LOG_LEVEL: 'info' });
  dir = mkdtempSync(join(tmpdir(), 'operator-input-'));
  h.reset({ kv: createFileKv(dir) });
  h.invoker.fault = () => '503';
  for (let i = 0; i < 2; i++) await h.call(userAudit, h.signed([auditEvent(rng, { clientId: CLIENT_ID })]));
  h.invoker.fault = () => 'ok';
});
afterAll(async () => {
  await h.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function consoleCall(query: string, body?: string, method?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await callConsole(consoleAction, { query, body, method }, h.inputs);
  return { status: res.statusCode, body: res.body };
}

const notFilterText = fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }));

describe('hostile operator input', () => {
  it('console op=record: 300 ids of any text — 400 id_invalid or 404 record_not_found, never a store failure', async () => {
    const ids = fc.sample(fc.oneof(fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }).map((s) => `park-${s}`), fc.string({ minLength: 1, maxLength: 2000 }), fc.constantFrom('park-/etc/passwd', 'park-ä', `park-${'a'.repeat(1100)}`, 'park-..', 'park-%2e%2e')), { numRuns: 300, seed: 81 });
    const wrong: string[] = [];
    for (const id of ids) {
      const res = await consoleCall(new URLSearchParams({ op: 'record', kind: 'parked', id }).toString());
      const fine = (res.status === 400 && ['id_invalid', 'id_missing'].includes(res.body.error as string)) || (res.status === 404 && res.body.error === 'record_not_found');
      if (!fine) wrong.push(`${JSON.stringify(id).slice(0, 40)}: ${res.status} ${String(res.body.error)}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });
  it('console replay and records: 200 filters of other JSON types — refused with route_invalid / stream_invalid, nothing replayed', async () => {
    const cases = fc.sample(fc.tuple(fc.constantFrom('route', 'stream'), notFilterText, fc.boolean()), { numRuns: 200, seed: 82 });
    const wrong: string[] = [];
    for (const [name, value, viaReplay] of cases) {
      const res = viaReplay
        ? await consoleCall('', JSON.stringify({ op: 'replay', kind: 'parked', all: true, ...(name === 'stream' ? { route: 'user-audit' } : {}), [name]: value }))
        : await consoleCall('op=records&kind=parked', JSON.stringify({ [name]: value }), 'GET');
      if (res.status !== 400 || res.body.error !== `${name}_invalid`) wrong.push(`${name}=${JSON.stringify(value)} (${viaReplay ? 'replay' : 'records'}): ${res.status} ${String(res.body.error)}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(h.forwardedIds()).toEqual([]);
  });
  it('console test-route: events nested 65 to 5,000 levels — 400 body_too_deep', async () => {
    for (const depth of fc.sample(fc.integer({ min: 65, max: 5000 }), { numRuns: 40, seed: 83 })) {
      const deep = depth % 2 ? `${'{"x":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`;
      expect({ depth, res: await consoleCall('', `{"op":"test-route","stream":"user-audit","event":${deep}}`) }).toMatchObject({ depth, res: { status: 400, body: { error: 'body_too_deep' } } });
    }
  });
  it('replay action: 300 since / route / stream / limit values of any type — its own error or a run, never a throw, never wider than asked', async () => {
    const cases = fc.sample(
      fc.oneof(
        fc.record({ since: fc.oneof(fc.string({ maxLength: 20 }), fc.bigInt({ min: 0n, max: 10n ** 15n }).map((n) => `${n}${'smhd'[Number(n % 4n)]}`), notFilterText) }),
        fc.record({ route: notFilterText }),
        fc.record({ stream: notFilterText }),
        fc.record({ limit: fc.oneof(notFilterText, fc.double()) }),
      ),
      { numRuns: 300, seed: 84 },
    );
    const wrong: string[] = [];
    for (const params of cases) {
      let res: unknown;
      try {
        res = await replay({ ...h.inputs, ...params, route: 'route' in params ? params.route : 'nothing-parked-here' });
      } catch (err) {
        wrong.push(`${JSON.stringify(params)}: threw ${(err as Error).name}`);
        continue;
      }
      const r = res as { ok?: boolean; report?: { records: number }; error?: { code: string } };
      if (r.error ? !/_invalid$/.test(r.error.code) : r.report?.records !== 0) wrong.push(`${JSON.stringify(params)}: ${JSON.stringify(res).slice(0, 100)}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(h.forwardedIds()).toEqual([]);
    // the two parked records are still there
    expect(((await consoleCall('op=records&kind=parked')).body.records as unknown[]).length).toBe(2);
  });
});
