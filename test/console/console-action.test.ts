/**
 * The console's backend through its action, as the controller calls it as
 * deployed (test/support/deployed.ts: a raw web action): the org check, the overview's series from what the
 * receivers counted, paging, replay and discard through the replay action's own
 * operations (with their audit line), and the route tester using the receivers'
 * route table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as consoleAction } from '../../actions/console/index';
import { main as replay } from '../../actions/replay/index';
import { main as userAudit } from '../../actions/user-audit/index';
import { main as notification } from '../../actions/notification/index';
import { callConsole, CONSOLE_IMS_INPUTS, CONSOLE_ORG, CONSOLE_USER_TOKEN, deployedParams, type ConsoleAnswer } from '../support/deployed';
import { auditEvent, legacyActivity, legacyPush, notificationEvent } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { RESULT_LIMIT_BYTES } from '../../src/console/records';
import type { DeadLetterPayload } from '../../src/delivery/dead-letters';
import { DEAD_LETTER_RECORDS, PARKING_RECORDS } from '../../src/stores/key-families';
import { createFileKv } from '../../src/stores/file-kv';
import type { BlobStore } from '../../src/stores/overflow';
import { openRecordStore } from '../../src/stores/records';
import { createMemoryKv } from '../../src/stores/memory-kv';
import { flakyKv } from '../support/flaky-kv';
import { CLIENT_ID, RelayHarness } from '../support/relay-harness';

const ORG = CONSOLE_ORG;
const userToken = CONSOLE_USER_TOKEN;

const h = new RelayHarness();
const rng = seeded(14);

type Json = Record<string, unknown>;

const call = (req: { method?: string; query?: string; body?: Json; headers?: Record<string, string> }, inputs: Json = {}): Promise<ConsoleAnswer> =>
  callConsole(consoleAction, { ...req, method: req.method ?? 'GET', body: req.body ? JSON.stringify(req.body) : undefined }, { ...h.inputs, ...inputs });

/** The console's GET params as deployed, for a test that weighs the raw result */
function consoleGetParams(query: string): Json {
  const built = deployedParams('console', { method: 'GET', headers: { authorization: `Bearer ${CONSOLE_USER_TOKEN}`, 'x-gw-ims-org-id': CONSOLE_ORG }, query, body: Buffer.alloc(0) }, { ...CONSOLE_IMS_INPUTS, ...h.inputs });
  if (!built.ok) throw new Error(built.error);
  return built.params;
}

beforeAll(() => h.start({ AUDIT_TARGET_ACTION: 'ops/audit', NOTIFICATION_TARGET_ACTION: 'ops/notify', LOG_LEVEL: 'info' }));
afterAll(() => h.stop());
beforeEach(() => h.reset());

describe('who may call the console', () => {
  it('answers only a caller of the app’s own IMS org, with a clear error otherwise', async () => {
    expect((await call({ query: 'op=overview' })).statusCode).toBe(200);
    const other = await call({ query: 'op=overview', headers: { 'x-gw-ims-org-id': 'FFFF@AdobeOrg' } });
    expect(other).toMatchObject({ statusCode: 403, body: { error: 'org_mismatch' } });
    expect(await call({ query: 'op=overview', headers: { 'x-gw-ims-org-id': '' } })).toMatchObject({ statusCode: 403, body: { error: 'org_missing' } });
    expect(await call({ query: 'op=overview', headers: { authorization: '' } })).toMatchObject({ statusCode: 401, body: { error: 'unauthenticated' } });
    // no workspace credential: the app's org is unknown, so nobody is admitted
    const built = deployedParams('console', { method: 'GET', headers: { authorization: `Bearer ${userToken}`, 'x-gw-ims-org-id': ORG }, query: 'op=overview', body: Buffer.alloc(0) }, h.inputs);
    const res = (await consoleAction((built as { params: Json }).params)) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'console_org_unknown' });
    const lines = h.logs.lines.filter((l) => l.includes('console: caller refused'));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const l of lines) {
      expect(() => JSON.parse(l)).not.toThrow();
      expect(l).not.toContain(userToken.split('.')[1]);
    }
  });
  it('refuses an unknown op and the wrong method for one', async () => {
    expect(await call({ query: 'op=drop-everything' })).toMatchObject({ statusCode: 400, body: { error: 'op_invalid' } });
    expect(await call({ query: 'op=replay' })).toMatchObject({ statusCode: 405, body: { error: 'method_not_allowed' } });
    expect(await call({ method: 'POST', body: { op: 'overview' } })).toMatchObject({ statusCode: 405 });
  });
});

describe('overview', () => {
  it('charts per stream and hour what the receivers counted, and carries the status warnings', async () => {
    await h.call(userAudit, h.signed([auditEvent(rng, { clientId: CLIENT_ID, munchkinId: '111-AAA-222' }), auditEvent(rng, { clientId: CLIENT_ID, munchkinId: '333-BBB-444' })]));
    await h.call(userAudit, h.signed([auditEvent(rng, { clientId: CLIENT_ID, munchkinId: '111-AAA-222' })]));
    await h.call(notification, h.signed([notificationEvent(rng, { clientId: CLIENT_ID })]));
    // refused: a signature that does not verify
    const bad = h.signed([auditEvent(rng, { clientId: CLIENT_ID })]);
    await h.call(userAudit, { headers: { ...bad.headers, 'x-adobe-digital-signature-1': 'AAAA', 'x-adobe-digital-signature-2': 'AAAA' }, body: bad.body });
    const { statusCode, body } = await call({ query: 'op=overview' });
    expect(statusCode).toBe(200);
    const series = body.series as Record<string, { hours: { accepted: number; forwarded: number; refused: Record<string, number> }[]; munchkin: Record<string, { accepted: number[] }> }>;
    const audit = series['user-audit'];
    expect(audit.hours).toHaveLength(24);
    const last = audit.hours[23];
    expect(last).toMatchObject({ accepted: 3, forwarded: 3 });
    expect(Object.entries(last.refused)).toEqual([[expect.stringMatching(/^401 /), 1]]);
    expect(audit.munchkin['111-AAA-222'].accepted[23]).toBe(2);
    expect(audit.munchkin['333-BBB-444'].accepted[23]).toBe(1);
    expect(series.notification.hours[23].accepted).toBe(1);
    expect(body.report).toMatchObject({ overall: expect.any(String), warnings: expect.any(Array), streams: { 'user-audit': { accepted: 3 } } });
    expect(JSON.stringify(body)).not.toMatch(/client_secret|BEGIN (RSA |)PUBLIC KEY|signature-1/);
  });
});

describe('parked records: page, one record, replay a selection, discard after the fact', () => {
  async function park(n: number): Promise<void> {
    h.invoker.fault = () => '503';
    for (let i = 0; i < n; i++) await h.call(userAudit, h.signed([auditEvent(rng, { clientId: CLIENT_ID })]));
    h.invoker.fault = () => 'ok';
  }
  it('pages oldest first and shows one record’s envelopes', async () => {
    await park(5);
    const first = await call({ query: 'op=records&kind=parked&limit=2' });
    const page1 = first.body as { records: { id: string; storedAt: string; route: string; reason: string; attempts: number; events: number; ageSeconds: number }[]; next?: number };
    expect(page1.records).toHaveLength(2);
    expect(page1.next).toBe(2);
    // the target action that failed and the last error, on every parked record
    expect(page1.records[0]).toMatchObject({ route: 'user-audit', target: 'ops/audit', events: 1, attempts: 2, reason: expect.stringMatching(/503/) });
    const page2 = (await call({ query: 'op=records&kind=parked&limit=2&offset=2' })).body as typeof page1;
    const page3 = (await call({ query: 'op=records&kind=parked&limit=2&offset=4' })).body as typeof page1;
    expect(page3.records).toHaveLength(1);
    const all = [...page1.records, ...page2.records, ...page3.records];
    expect(new Set(all.map((r) => r.id)).size).toBe(5);
    expect(all.map((r) => r.storedAt)).toEqual([...all.map((r) => r.storedAt)].sort());
    expect(page3.next).toBeUndefined();
    const one = await call({ query: `op=record&kind=parked&id=${page1.records[0].id}` });
    expect(one.statusCode).toBe(200);
    expect(((one.body.record as Json).payload as { events: { stream: string }[] }).events[0]).toMatchObject({ stream: 'user-audit' });
    expect(await call({ query: `op=record&kind=parked&id=${PARKING_RECORDS}-2026120412-0000000000000-000000deadbeef` })).toMatchObject({ statusCode: 404, body: { error: 'record_not_found' } });
    expect(await call({ query: 'op=records&kind=everything' })).toMatchObject({ statusCode: 400, body: { error: 'kind_invalid' } });
  });
  it('replays exactly the selected records, once, and logs who asked', async () => {
    await park(3);
    const listed = ((await call({ query: 'op=records&kind=parked' })).body.records as { id: string; ids: string[] }[]);
    const chosen = listed.slice(0, 2);
    const res = await call({ method: 'POST', body: { op: 'replay', kind: 'parked', ids: chosen.map((r) => r.id) } });
    expect(res.statusCode).toBe(200);
    expect(res.body.report).toMatchObject({ records: 2, replayed: 2, failed: 0 });
    expect(h.forwardedIds('user-audit').sort()).toEqual(chosen.flatMap((r) => r.ids).sort());
    const left = (await call({ query: 'op=records&kind=parked' })).body.records as { id: string }[];
    expect(left.map((r) => r.id)).toEqual([listed[2].id]);
    const audit = h.logs.lines.map((l) => JSON.parse(l) as Json).find((l) => l.msg === 'replay run' || l.message === 'replay run');
    expect(audit).toMatchObject({ by: 'console: ops-person@AdobeID' });
  });
  it('replays everything of a route; refuses a replay that names nothing', async () => {
    await park(2);
    expect(await call({ method: 'POST', body: { op: 'replay', kind: 'parked' } })).toMatchObject({ statusCode: 400, body: { error: 'selection_missing' } });
    const res = await call({ method: 'POST', body: { op: 'replay', kind: 'parked', route: 'user-audit' } });
    expect(res.body.report).toMatchObject({ records: 2, replayed: 2 });
    expect((await call({ query: 'op=records&kind=parked' })).body.records).toEqual([]);
  });
  it('discards only the records named, and the replay action can do the same', async () => {
    await park(3);
    const listed = ((await call({ query: 'op=records&kind=parked' })).body.records as { id: string }[]);
    expect(await call({ method: 'POST', body: { op: 'discard', kind: 'parked', route: 'user-audit' } })).toMatchObject({ statusCode: 400, body: { error: 'ids_required' } });
    const res = await call({ method: 'POST', body: { op: 'discard', kind: 'parked', ids: [listed[0].id] } });
    expect(res.body.report).toMatchObject({ discarded: 1 });
    // the same operation through the replay action's params
    const byAction = (await replay({ ...h.inputs, parked: 'discard', ids: listed[1].id })) as { ok: boolean; report: Json };
    expect(byAction.report).toMatchObject({ discarded: 1 });
    expect(await replay({ ...h.inputs, parked: 'discard' })).toMatchObject({ error: { code: 'ids_required' } });
    const left = (await call({ query: 'op=records&kind=parked' })).body.records as { id: string }[];
    expect(left.map((r) => r.id)).toEqual([listed[2].id]);
    expect(h.forwardedIds()).toEqual([]);
    const discardLines = h.logs.lines.map((l) => JSON.parse(l) as Json).filter((l) => JSON.stringify(l).includes('parked records discarded'));
    expect(discardLines.map((l) => l.by)).toEqual(['console: ops-person@AdobeID', 'replay action']);
  });
});

describe('operator input is answered as such, never as a store failure (issue 24 item 8)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'console-input-'));
    // the local default store, which refuses a key outside its alphabet as aio-lib-state does
    h.reset({ kv: createFileKv(dir) });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('an id no record can have is 400 id_invalid, and the store is not asked', async () => {
    const before = h.logs.lines.length;
    for (const id of [`${PARKING_RECORDS}-/etc/passwd`, `${PARKING_RECORDS}-ä`, `${PARKING_RECORDS}-${'a'.repeat(1100)}`, 'dlq-2026120412-0000000000000-000000deadbeef']) {
      expect({ id: id.slice(0, 20), res: await call({ query: `op=record&kind=parked&id=${encodeURIComponent(id)}` }) }).toMatchObject({ res: { statusCode: 400, body: { error: 'id_invalid' } } });
    }
    expect(await call({ query: `op=record&kind=parked&id=${PARKING_RECORDS}-2026120412-0000000000000-000000deadbeef` })).toMatchObject({ statusCode: 404, body: { error: 'record_not_found' } });
    const refused = h.logs.lines.slice(before).map((l) => JSON.parse(l) as Json).filter((l) => l.msg === 'console: request refused');
    expect(refused).toHaveLength(5);
    expect(refused[0]).toMatchObject({ level: 'warn', status: 400, error: 'id_invalid', op: 'record' });
    expect(h.logs.text()).not.toContain('/etc/passwd');
  });
  it('an event nested 5,000 levels is 400 body_too_deep for the route tester', async () => {
    const deep = `${'{"x":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const res = await callConsole(consoleAction, { body: `{"op":"test-route","stream":"user-audit","event":${deep}}` }, h.inputs);
    expect(res).toMatchObject({ statusCode: 400, body: { error: 'body_too_deep' } });
  });
  it('a replay filter that cannot be read is refused, never dropped', async () => {
    expect(await call({ method: 'POST', body: { op: 'replay', kind: 'parked', all: true, route: {} } })).toMatchObject({ statusCode: 400, body: { error: 'route_invalid' } });
    expect(await call({ method: 'POST', body: { op: 'replay', kind: 'parked', route: 'user-audit', stream: [] } })).toMatchObject({ statusCode: 400, body: { error: 'stream_invalid' } });
    expect(await call({ method: 'POST', body: { op: 'replay', kind: 'parked', route: ' ' } })).toMatchObject({ statusCode: 400, body: { error: 'selection_missing' } });
    expect(await call({ method: 'POST', body: { op: {}, kind: 'parked' } })).toMatchObject({ statusCode: 400, body: { error: 'op_invalid' } });
    expect(await call({ query: 'op=records&kind=parked', method: 'GET', body: { route: ['user-audit'] } })).toMatchObject({ statusCode: 400, body: { error: 'route_invalid' } });
  });
});

describe('settings come only from the inputs (issue 24 item 3)', () => {
  it('a request param naming a setting or a platform input is refused 400 param_not_allowed, in the query or the body', async () => {
    const ROUTES = JSON.stringify({ routes: [], default: 'attacker/sink' });
    expect(await call({ query: `op=routes&ROUTES=${encodeURIComponent(ROUTES)}` })).toMatchObject({ statusCode: 400, body: { error: 'param_not_allowed', message: expect.stringContaining('"ROUTES"') } });
    expect(await call({ method: 'POST', body: { op: 'test-route', stream: 'user-audit', event: {}, ROUTES } })).toMatchObject({ statusCode: 400, body: { error: 'param_not_allowed' } });
    expect(await call({ method: 'POST', body: { op: 'replay', kind: 'parked', all: true, __ims_oauth_s2s: { org_id: 'OTHER@AdobeOrg' } } })).toMatchObject({ statusCode: 400, body: { error: 'param_not_allowed' } });
    expect(await call({ query: 'op=routes&format=x' })).toMatchObject({ statusCode: 400, body: { error: 'param_unknown' } });
    expect(await call({ query: 'op=routes&op=overview' })).toMatchObject({ statusCode: 400, body: { error: 'param_repeated' } });
    // the deployed input is what the action reads
    expect((await call({ query: 'op=routes' })).body).toMatchObject({ routes: [{ name: 'user-audit', action: 'ops/audit' }, expect.anything(), expect.anything(), expect.anything()] });
  });
});

describe('a dead letter kept in overflow storage', () => {
  it('is shown whole while it fits an action result, and by its reference (path, bytes, sha256) once it does not', async () => {
    const blobs = new Map<string, Buffer>();
    const overflow: BlobStore = {
      kind: 'local',
      write: async (p, d) => void blobs.set(p, d),
      read: async (p) => blobs.get(p),
      delete: async (p) => void blobs.delete(p),
      list: async (d) => [...blobs.keys()].filter((k) => k.startsWith(d)),
    };
    // a store whose values are limited to 100 KB, so that a 150 KB event overflows
    const kv = createMemoryKv(Date.now, { maxValueBytes: 100_000 });
    h.reset({ kv, overflow });
    const store = openRecordStore<DeadLetterPayload>(kv, { prefix: DEAD_LETTER_RECORDS, ttlSeconds: 3600, overflow: async () => overflow });
    const element = { id: 'e1', stream: 'lead-activity', data: { pad: '"'.repeat(150_000) } };
    const small = await store.add({ stream: 'lead-activity', reason: 'event_too_large', attempts: 0, payload: { deliveryId: 'd', element } });
    const shown = await call({ query: `op=record&kind=dead&id=${small.id}` });
    expect(shown.statusCode).toBe(200);
    expect((shown.body.record as { payload: { element: unknown } }).payload.element).toEqual(element);
    // 1.2 MB (its answer, escaped twice, ≈ 4.8 MB): over Runtime's 1 MB result limit
    const big = await store.add({ stream: 'lead-activity', reason: 'event_too_large', attempts: 0, payload: { deliveryId: 'd', element: { ...element, data: { pad: '"'.repeat(1_200_000) } } } });
    const res = (await consoleAction(consoleGetParams(`op=record&kind=dead&id=${big.id}`))) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(200);
    expect(Buffer.byteLength(JSON.stringify(res))).toBeLessThan(RESULT_LIMIT_BYTES);
    const record = (JSON.parse(res.body) as { record: Json }).record;
    expect(record).not.toHaveProperty('payload');
    expect(record.overflow).toEqual(big.overflow);
  });
});

describe('a store that fails', () => {
  it('is an answer the console can show, never a thrown error or a stack', async () => {
    const kv = flakyKv(createMemoryKv());
    h.reset({ kv });
    kv.failAll(true);
    const one = await call({ query: `op=record&kind=parked&id=${PARKING_RECORDS}-2026120412-abc` });
    expect(one).toMatchObject({ statusCode: 503, body: { error: 'store_unavailable', message: expect.stringMatching(/StateStoreError/) } });
    expect(one.headers['Retry-After']).toBe('10');
    const page = await call({ query: 'op=records&kind=dead' });
    expect(page).toMatchObject({ statusCode: 200, body: { records: [], errors: [{ op: 'scan', err: 'StateStoreError' }] } });
    const overview = await call({ query: 'op=overview' });
    expect(overview.statusCode).toBe(200);
    expect((overview.body.report as { warnings: { code: string }[] }).warnings.map((w) => w.code)).toContain('store_unavailable');
    const failed = h.logs.lines.filter((l) => l.includes('console: the request failed'));
    expect(failed).toHaveLength(1);
    expect(JSON.parse(failed[0])).toMatchObject({ op: 'record', err: 'StateStoreError' });
    expect(failed[0]).not.toMatch(/\n|at .*\.ts:/);
  });
});

describe('routes and the route tester', () => {
  it('shows the routes in effect and tests events with them, handing nothing off', async () => {
    const routes = await call({ query: 'op=routes' });
    expect(routes.body).toMatchObject({ source: expect.stringMatching(/defaults/), routes: [{ name: 'user-audit', action: 'ops/audit', match: { stream: ['user-audit'] } }, { name: 'notification', action: 'ops/notify' }, { name: 'lead-activity' }, { name: 'observability' }] });
    const audit = auditEvent(rng, { clientId: CLIENT_ID });
    const tested = await call({ method: 'POST', body: { op: 'test-route', stream: 'user-audit', event: audit } });
    expect(tested.statusCode).toBe(200);
    expect(tested.body).toMatchObject({ transport: 'io-events', routes: [{ route: 'user-audit', action: 'ops/audit', ids: [(audit as { event_id: string }).event_id ?? expect.any(String)] }], unrouted: [] });
    expect(h.invoker.invocations).toEqual([]);
  });
  it('tests with ROUTES as the receivers read them, legacy pushes included', async () => {
    const ROUTES = JSON.stringify({ routes: [{ name: 'visits', action: 'ops/visits', match: { stream: 'lead-activity', activityTypeId: [1] } }], default: 'ops/rest' });
    const push = legacyPush(rng, 0);
    (push as { activities: unknown[] }).activities = [legacyActivity(rng, { typeId: 1 }), legacyActivity(rng, { typeId: 2 })];
    const res = await call({ method: 'POST', body: { op: 'test-route', stream: 'lead-activity', event: push } }, { ROUTES });
    const body = res.body as { transport: string; routes: { route: string; ids: string[] }[] };
    expect(body.transport).toBe('legacy-push');
    expect(body.routes.map((r) => [r.route, r.ids.length])).toEqual([['visits', 1], ['default', 1]]);
    expect(await call({ method: 'POST', body: { op: 'test-route', stream: 'nope', event: {} } })).toMatchObject({ statusCode: 400, body: { error: 'stream_invalid' } });
    expect(await call({ method: 'POST', body: { op: 'test-route', stream: 'user-audit', event: [] } })).toMatchObject({ statusCode: 400, body: { error: 'batch_empty' } });
  });
});
