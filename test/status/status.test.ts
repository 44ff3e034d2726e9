import { main as status } from '../../actions/status/index';
import { main as userAudit } from '../../actions/user-audit/index';
import { main as leadActivity } from '../../actions/lead-activity/index';
import { auditEvent, ioActivityEvent, legacyActivity, legacyPush } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { buildStatusReport } from '../../src/status/report';
import { createStatsRecorder, type StatsHour } from '../../src/status/stats';
import { createMemoryKv } from '../../src/stores/memory-kv';
import { openDedupeStore } from '../../src/stores/open-dedupe';
import { openRecordStore } from '../../src/stores/records';
import { DEAD_LETTER_RECORDS, PARKING_RECORDS, STALE_RECORDS } from '../../src/stores/key-families';
import { statusReport } from '../../src/status/status';
import type { ParkedPayload } from '../../src/delivery/deliver';
import type { DeadLetterPayload } from '../../src/delivery/dead-letters';
import { FAKE_TOKEN, routeImsTo, startFakeIoManagement, type FakeIoManagement } from '../support/fake-io-management';
import { setRelayOverrides } from '../../src/relay/context';
import { CLIENT_ID, PUSH_TOKEN, RelayHarness } from '../support/relay-harness';

const HOUR = 3_600_000;
const now = Date.parse('2026-03-02T12:30:00Z');

describe('stats recorder', () => {
  it('writes one key per container and hour, merging nothing it does not own', async () => {
    const kv = createMemoryKv();
    let t = now;
    const a = createStatsRecorder(async () => kv, { containerId: 'a', now: () => t, flushIntervalMs: 0 });
    const b = createStatsRecorder(async () => kv, { containerId: 'b', now: () => t, flushIntervalMs: 0 });
    a.record({ stream: 'user-audit', at: t, status: 200, outcome: 'accepted', events: 3, munchkinIds: { '111-AAA-222': 3 }, forwarded: { audit: 3 } });
    b.record({ stream: 'user-audit', at: t, status: 401, outcome: 'rejected', reason: 'signature_invalid', message: 'no', events: 0, munchkinIds: {} });
    await a.flush();
    await b.flush();
    t += HOUR;
    a.record({ stream: 'notification', at: t, status: 200, outcome: 'accepted', events: 1, munchkinIds: {} });
    await a.flush();
    const keys: string[] = [];
    for await (const k of kv.keys('stats-')) keys.push(k);
    expect(keys.sort()).toEqual(['stats-2026030212-a', 'stats-2026030212-b', 'stats-2026030213-a']);
    const hour = JSON.parse((await kv.get('stats-2026030212-a')) as string) as StatsHour;
    expect(hour.streams['user-audit']).toMatchObject({ requests: 1, accepted: 3, forwarded: { audit: 3 }, munchkin: { '111-AAA-222': { accepted: 3 } } });
  });
  it('a failed flush never throws and keeps the counts for the next one', async () => {
    const kv = createMemoryKv();
    let fail = true;
    const flaky = { ...kv, put: async (k: string, v: string, ttl: number) => (fail ? Promise.reject(new Error('down')) : kv.put(k, v, ttl)) };
    const r = createStatsRecorder(async () => flaky, { containerId: 'c', now: () => now, flushIntervalMs: 0 });
    r.record({ stream: 'lead-activity', at: now, status: 200, outcome: 'accepted', events: 500, munchkinIds: {} });
    await expect(r.flush()).resolves.toBeUndefined();
    fail = false;
    await r.maybeFlush();
    expect(JSON.parse((await kv.get('stats-2026030212-c')) as string).streams['lead-activity'].accepted).toBe(500);
  });
  it('counts recorded inside the interval are written when it ends, with no further request', async () => {
    jest.useFakeTimers();
    try {
      const kv = createMemoryKv();
      let t = now;
      const r = createStatsRecorder(async () => kv, { containerId: 'f', now: () => t, flushIntervalMs: 10_000 });
      r.record({ stream: 'notification', at: t, status: 200, outcome: 'accepted', events: 1, munchkinIds: {} });
      await r.maybeFlush();
      t += 2_000;
      r.record({ stream: 'notification', at: t, status: 200, outcome: 'accepted', events: 4, munchkinIds: {} });
      await r.maybeFlush();
      expect(JSON.parse((await kv.get('stats-2026030212-f')) as string).streams.notification.accepted).toBe(1);
      t += 8_000;
      await jest.advanceTimersByTimeAsync(8_000);
      expect(JSON.parse((await kv.get('stats-2026030212-f')) as string).streams.notification.accepted).toBe(5);
    } finally {
      jest.useRealTimers();
    }
  });
  it('counts recorded while a flush is writing are written by a flush that follows it', async () => {
    const kv = createMemoryKv();
    let release: () => void = () => undefined;
    let held = true;
    const slow = { ...kv, put: async (k: string, v: string, ttl: number) => (held ? new Promise<void>((r) => (release = () => r(void kv.put(k, v, ttl)))) : kv.put(k, v, ttl)) };
    const r = createStatsRecorder(async () => slow, { containerId: 'e', now: () => now, flushIntervalMs: 0, flushTimeoutMs: 10_000 });
    r.record({ stream: 'notification', at: now, status: 200, outcome: 'accepted', events: 1, munchkinIds: {} });
    const first = r.flush();
    await new Promise((res) => setImmediate(res));
    // the last request of a busy minute, counted while the first write is on its way
    r.record({ stream: 'notification', at: now, status: 200, outcome: 'accepted', events: 2, munchkinIds: {} });
    const second = r.maybeFlush();
    held = false;
    release();
    await Promise.all([first, second]);
    expect(JSON.parse((await kv.get('stats-2026030212-e')) as string).streams.notification.accepted).toBe(3);
  });
  it('maybeFlush writes only once the interval has passed', async () => {
    const kv = createMemoryKv();
    let t = now;
    const r = createStatsRecorder(async () => kv, { containerId: 'd', now: () => t, flushIntervalMs: 10_000 });
    r.record({ stream: 'notification', at: t, status: 200, outcome: 'accepted', events: 1, munchkinIds: {} });
    await r.maybeFlush();
    r.record({ stream: 'notification', at: t, status: 200, outcome: 'accepted', events: 1, munchkinIds: {} });
    await r.maybeFlush();
    expect(JSON.parse((await kv.get('stats-2026030212-d')) as string).streams.notification.accepted).toBe(1);
    t += 10_000;
    await r.maybeFlush();
    expect(JSON.parse((await kv.get('stats-2026030212-d')) as string).streams.notification.accepted).toBe(2);
  });
});

const hourRecord = (hour: string, stream: 'user-audit' | 'notification', o: { requests: number; failed: number; slot?: string; lastEventAt?: string }): StatsHour => ({
  hour,
  container: 'x',
  streams: {
    [stream]: {
      requests: o.requests, failedRequests: o.failed, accepted: (o.requests - o.failed) * 2, rejected: o.failed ? { '401 signature_invalid': o.failed } : {}, forwarded: {}, duplicates: 0, parked: 0, quarantined: 0, unrouted: 0,
      lastEventAt: o.lastEventAt, munchkin: { '111-AAA-222': { accepted: 1, lastEventAt: o.lastEventAt } }, slots: { [o.slot ?? '5']: { requests: o.requests, failed: o.failed } },
    },
  },
});

describe('status report warnings', () => {
  it('ok when recent and healthy', () => {
    const r = buildStatusReport({ stats: [hourRecord('2026030212', 'user-audit', { requests: 20, failed: 0, lastEventAt: '2026-03-02T12:25:00.000Z' })], parkedBacklog: 0, now });
    expect(r.overall).toBe('ok');
    expect(r.streams['user-audit']).toMatchObject({ accepted: 40, munchkin: { '111-AAA-222': { accepted: 1 } } });
  });
  it('a stream whose last event is old', () => {
    const r = buildStatusReport({ stats: [hourRecord('2026030208', 'notification', { requests: 5, failed: 0, slot: '0', lastEventAt: '2026-03-02T08:00:00.000Z' })], now });
    expect(r.warnings).toEqual([expect.objectContaining({ code: 'stream_stale', message: expect.stringMatching(/notification: no event accepted for 270 minutes/) })]);
  });
  it('≥ 80 % failures with ≥ 10 requests: the registration is at risk (critical)', () => {
    const r = buildStatusReport({ stats: [hourRecord('2026030212', 'user-audit', { requests: 20, failed: 17, lastEventAt: '2026-03-02T12:25:00.000Z' })], now });
    expect(r.overall).toBe('critical');
    expect(r.warnings.map((w) => w.code)).toContain('registration_at_risk');
  });
  it('a rising failure rate', () => {
    const r = buildStatusReport({
      stats: [hourRecord('2026030209', 'user-audit', { requests: 100, failed: 5, slot: '0' }), hourRecord('2026030212', 'user-audit', { requests: 10, failed: 4, lastEventAt: '2026-03-02T12:25:00.000Z' })],
      now,
    });
    expect(r.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['failure_rate_rising']));
  });
  it('a parking backlog, critical when growing', () => {
    expect(buildStatusReport({ stats: [], parkedBacklog: 3, now }).warnings).toEqual([expect.objectContaining({ level: 'warning', code: 'parked_backlog' })]);
    expect(buildStatusReport({ stats: [], parkedBacklog: 5, parkedNewestAt: new Date(now - 2 * 60_000).toISOString(), now }).warnings).toEqual([expect.objectContaining({ level: 'critical', code: 'parked_backlog', message: expect.stringMatching(/growing \(a record was parked 2 min ago\)/) })]);
    expect(buildStatusReport({ stats: [], parkedBacklog: 5, parkedNewestAt: new Date(now - HOUR).toISOString(), now }).warnings).toEqual([expect.objectContaining({ level: 'warning', code: 'parked_backlog' })]);
  });
  it('the backlog’s severity is a function of the store: whoever reads it first (status, the console), all say the same', async () => {
    const kv = createMemoryKv();
    const stores = {
      kv,
      dedupe: openDedupeStore(kv, { ttlSeconds: 60 }),
      parking: openRecordStore<ParkedPayload>(kv, { prefix: PARKING_RECORDS, ttlSeconds: 168 * 3600 }),
      deadLetter: openRecordStore<DeadLetterPayload>(kv, { prefix: DEAD_LETTER_RECORDS, ttlSeconds: 168 * 3600 }),
      stale: openRecordStore<ParkedPayload>(kv, { prefix: STALE_RECORDS, ttlSeconds: 168 * 3600 }),
    };
    const park = async (n: number, at: number): Promise<void> => {
      for (let i = 0; i < n; i++) await stores.parking.add({ route: 'audit', stream: 'user-audit', reason: 'HTTP 503', attempts: 2, storedAt: new Date(at).toISOString(), payload: { action: 'ops/audit', deliveryId: `d${i}`, events: [] } });
    };
    const severity = async (): Promise<string | undefined> => (await statusReport(stores, {}, Date.now())).warnings.find((w) => w.code === 'parked_backlog')?.level;
    await park(5, Date.now() - HOUR);
    expect(await severity()).toBe('warning');
    // 3 more, parked an hour ago too: a poll in between must not make the next reader see "growing"
    await park(3, Date.now() - HOUR);
    const [first, second, third] = [await severity(), await severity(), await severity()];
    expect([first, second, third]).toEqual(['warning', 'warning', 'warning']);
    await park(1, Date.now() - 60_000);
    expect([await severity(), await severity()]).toEqual(['critical', 'critical']);
  });
  it('registrations Adobe stopped delivering to', () => {
    const r = buildStatusReport({ stats: [], now, registrations: [{ id: 'a', enabled: false }, { id: 'b', enabled: true, webhookStatus: 'hook_unreachable' }, { id: 'c', enabled: true, webhookStatus: 'verified' }] });
    expect(r.warnings.map((w) => w.code)).toEqual(['registration_disabled', 'webhook_unreachable']);
    expect(r.warnings[0].message).toMatch(/Adobe has stopped delivering/);
  });
});

describe("Marketo's pause after failed pushes", () => {
  const h = new RelayHarness();
  const rng = seeded(9);
  // each push a second after the one before: which came last must not depend on the machine's speed
  let t = now;
  beforeAll(() => h.start());
  afterAll(() => h.stop());
  beforeEach(() => {
    h.reset();
    setRelayOverrides({ invoker: h.invoker, kv: h.kv, now: () => t });
  });
  const push = (body: string, token = PUSH_TOKEN) => ((t += 1000), h.call(leadActivity, { headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body }));
  const codes = async () => ((await h.call(status, { method: 'GET' })).body.warnings as { code: string; message: string }[]);

  it('is critical while the last push failed and none succeeded after it, and clears with the next good one', async () => {
    expect((await push(JSON.stringify(legacyPush(rng, 2)))).statusCode).toBe(200);
    expect((await codes()).map((w) => w.code)).not.toContain('marketo_push_failing');
    expect((await push('{"activities": 7}')).statusCode).toBe(400);
    const failing = (await codes()).find((w) => w.code === 'marketo_push_failing');
    expect(failing?.message).toMatch(/^lead-activity: Marketo's last push failed \(400 activities_missing, .*3 times, 3 minutes apart, then pauses the stream/);
    expect((await h.call(status, { method: 'GET' })).body.overall).toBe('critical');
    expect((await push(JSON.stringify(legacyPush(rng, 1)))).statusCode).toBe(200);
    expect((await codes()).map((w) => w.code)).not.toContain('marketo_push_failing');
  });
  it('is not raised by a refused token (anyone can send one) or by a failed I/O Events delivery', async () => {
    expect((await push(JSON.stringify(legacyPush(rng, 1)), 'not-the-token')).statusCode).toBe(401);
    const io = h.signed([ioActivityEvent(rng, legacyActivity(rng), { clientId: 'someone-else' })]);
    expect((await h.call(leadActivity, io)).statusCode).toBe(403);
    expect((await codes()).map((w) => w.code)).not.toContain('marketo_push_failing');
  });
});

describe('status action', () => {
  const h = new RelayHarness();
  let fake: FakeIoManagement;
  const SECRET = 'adobe-client-secret-value-123456';
  let ims: ReturnType<typeof routeImsTo>;
  // what include-ims-credentials hands the action (aio-lib-runtime: scopes JSON-parsed from IMS_OAUTH_S2S_SCOPES)
  const credential = (o: Record<string, unknown> = {}) => ({ __ims_oauth_s2s: { client_id: 'client-1', client_secret: SECRET, org_id: 'ORG@AdobeOrg', scopes: ['adobeio_api', 'openid'], ...o }, __ims_env: 'prod' });
  const adobe = (o: Record<string, unknown> = {}) => ({
    ...credential(o), ADOBE_CONSUMER_ORG_ID: '111', ADOBE_PROJECT_ID: '222', ADOBE_WORKSPACE_ID: '333',
    ADOBE_REGISTRATION_IDS: 'reg-ok,reg-disabled,reg-missing', ADOBE_EVENTS_API_URL: fake.url,
  });
  beforeAll(async () => {
    await h.start();
    fake = await startFakeIoManagement({ clientId: 'client-1', clientSecret: SECRET, orgId: 'ORG@AdobeOrg' });
    ims = routeImsTo(fake.url);
    fake.registrations.set('reg-ok', { id: 'reg-ok', name: 'User Audit', enabled: true, webhook_status: 'verified', delivery_type: 'webhook_batch' });
    fake.registrations.set('reg-disabled', { id: 'reg-disabled', name: 'Notifications', enabled: false, webhook_status: 'hook_unreachable' });
  });
  afterAll(async () => {
    ims.restore();
    await h.stop();
    await fake.close();
  });

  it('reports what the receivers counted, per stream and munchkinId', async () => {
    const rng = seeded(5);
    await h.call(userAudit, h.signed([auditEvent(rng, { clientId: CLIENT_ID, munchkinId: '111-AAA-222' }), auditEvent(rng, { clientId: CLIENT_ID, munchkinId: '333-BBB-444' })]));
    await h.call(userAudit, h.signed([auditEvent(rng, { clientId: 'intruder' })]));
    const res = await h.call(status, { method: 'GET' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({
      streams: { 'user-audit': { accepted: 2, rejected: { '403 recipient_mismatch': 1 }, forwarded: { 'user-audit': 2 }, munchkin: { '111-AAA-222': { accepted: 1 }, '333-BBB-444': { accepted: 1 } }, lastError: { code: 'recipient_mismatch' } } },
      parkedBacklog: 0,
      registrations: { note: expect.stringMatching(/ADOBE_REGISTRATION_IDS/) },
    });
  });
  it('reads the registrations through aio-lib-events and says when Adobe stopped delivering', async () => {
    const first = await h.call(status, { method: 'GET' }, adobe());
    await h.call(status, { method: 'GET' }, adobe());
    expect(fake.tokenRequests).toBe(1);
    expect(ims.hosts).toEqual(['https://ims-na1.adobelogin.com']);
    expect(first.body.registrations).toEqual([
      { id: 'reg-ok', name: 'User Audit', enabled: true, webhookStatus: 'verified', deliveryType: 'webhook_batch' },
      { id: 'reg-disabled', name: 'Notifications', enabled: false, webhookStatus: 'hook_unreachable' },
      expect.objectContaining({ id: 'reg-missing', error: expect.any(String) }),
    ]);
    expect(first.body.overall).toBe('critical');
    expect(JSON.stringify(first.body.warnings)).toMatch(/Adobe has stopped delivering/);
  });
  it('a wrong client secret is reported, not thrown', async () => {
    const res = await h.call(status, { method: 'GET' }, adobe({ client_id: 'client-2', client_secret: 'wrong-secret-0000000000' }));
    expect(res.statusCode).toBe(200);
    expect(res.body.registrations).toEqual(expect.arrayContaining([expect.objectContaining({ error: expect.stringMatching(/IMS token request failed: .*invalid client credentials/) })]));
  });
  it('the stage IMS for a stage workspace, and scopes given as a plain string', async () => {
    const res = await h.call(status, { method: 'GET' }, { ...adobe({ scopes: 'adobeio_api, openid', client_secret: `${SECRET}-stage` }), __ims_env: 'stage' });
    expect(ims.hosts.at(-1)).toBe('https://ims-na1-stg1.adobelogin.com');
    expect(res.body.registrations).toEqual(expect.arrayContaining([expect.objectContaining({ error: expect.stringMatching(/invalid client credentials/) })]));
  });
  it('without the annotation\'s credential, registration health is not checked (and says what to set)', async () => {
    const { __ims_oauth_s2s: _dropped, ...rest } = adobe();
    void _dropped;
    const res = await h.call(status, { method: 'GET' }, rest);
    expect(res.body.registrations).toEqual({ note: expect.stringMatching(/include-ims-credentials/) });
  });
  it('never logs the client secret or the token', () => {
    const text = h.logs.text();
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(FAKE_TOKEN);
  });
  it('counts forged munchkinIds (Object members, control characters) under one "invalid" bucket, never printing them', async () => {
    const rng = seeded(11);
    h.reset();
    const ids = ['__proto__', 'constructor', 'toString', 'x\noverall: ok', '\u001b[2J\u2028evil'];
    await h.call(userAudit, h.signed([...ids, '111-aaa-222'].map((munchkinId) => auditEvent(rng, { clientId: CLIENT_ID, munchkinId }))));
    await h.call(userAudit, h.signed([auditEvent(rng, { clientId: CLIENT_ID, munchkinId: '__proto__' })]));
    const json = await h.call(status, { method: 'GET' });
    const munchkin = (json.body.streams as Record<string, { munchkin: Record<string, { accepted: number }> }>)['user-audit'].munchkin;
    expect(munchkin).toEqual({ invalid: expect.objectContaining({ accepted: 6 }), '111-AAA-222': expect.objectContaining({ accepted: 1 }) });
    expect(({} as Record<string, unknown>).accepted).toBeUndefined(); // nothing leaked into Object.prototype
    const text = String((await h.call(status, { method: 'GET', query: 'format=text' })).body.text);
    const lines = text.split('\n');
    expect(lines.filter((l) => l.startsWith('overall:'))).toHaveLength(1);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(text).toMatch(/^ {2}invalid +accepted 6 /m);
    expect(text).not.toContain('evil');
  });
  it('unauthenticated junk is counted apart and cannot raise the failed-deliveries warning', async () => {
    h.reset();
    const rng = seeded(12);
    for (let i = 0; i < 3; i++) await h.call(userAudit, h.signed([auditEvent(rng, { clientId: CLIENT_ID })]));
    for (let i = 0; i < 40; i++) await h.call(userAudit, { headers: { 'content-type': 'application/json' }, body: '[{"event":{}}]' });
    const res = await h.call(status, { method: 'GET' });
    const audit = (res.body.streams as Record<string, Record<string, unknown>>)['user-audit'];
    expect(audit).toMatchObject({ requests: 3, failedRequests: 0, unauthenticated: 40, failureRateLastHour: 0, rejected: { '401 signature_missing': 40 } });
    const codes = (res.body.warnings as { code: string }[]).map((w) => w.code);
    expect(codes).not.toContain('registration_at_risk');
    expect(codes).not.toContain('failure_rate_high');
    expect(codes).toContain('unauthenticated_requests');
  });
  it('text format and method check', async () => {
    const text = await h.call(status, { method: 'GET', query: 'format=text' });
    expect(String(text.body.text)).toMatch(/^overall: /);
    expect((await h.call(status, { method: 'POST', body: '{}' })).statusCode).toBe(405);
  });
});
