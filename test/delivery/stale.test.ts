/**
 * Issue 24 item 4: staleness is judged on when I/O Events delivered an event (its
 * CloudEvent `time`), never on a business date inside `data`; a stale event is a
 * dead letter of its route that an operator replays on purpose (the replay action
 * with includeStale, the console after confirming); status warns while any exists,
 * with when the oldest expires, and none expires less than two days after it was stored.
 */
import { main as consoleAction } from '../../actions/console/index';
import { main as leadActivity } from '../../actions/lead-activity/index';
import { main as replay } from '../../actions/replay/index';
import { main as status } from '../../actions/status/index';
import { main as userAudit } from '../../actions/user-audit/index';
import { auditEvent, ioActivityEvent, legacyActivity, legacyPush } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { STALE_MIN_RETENTION_HOURS, staleRetentionHours } from '../../src/delivery/stale';
import { STALE_RECORDS } from '../../src/stores/key-families';
import { createMemoryKv } from '../../src/stores/memory-kv';
import { openRecordStore } from '../../src/stores/records';
import { callConsole, CONSOLE_IMS_INPUTS, CONSOLE_ORG, CONSOLE_USER_TOKEN, deployedParams, type ConsoleAnswer } from '../support/deployed';
import { CLIENT_ID, PUSH_TOKEN, RelayHarness } from '../support/relay-harness';

type Json = Record<string, unknown>;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const h = new RelayHarness();
const rng = seeded(2424);

/** the console and status as deployed (raw web actions: test/support/deployed.ts) */
const consoleCall = (req: { method?: string; query?: string; body?: Json }): Promise<ConsoleAnswer> =>
  callConsole(consoleAction, { ...req, body: req.body ? JSON.stringify(req.body) : undefined }, h.inputs);

async function statusReport(): Promise<{ overall: string; stale: unknown; warnings: { level: string; code: string; message: string }[] }> {
  const built = deployedParams('status', { method: 'GET', headers: { authorization: `Bearer ${CONSOLE_USER_TOKEN}`, 'x-gw-ims-org-id': CONSOLE_ORG }, query: '', body: Buffer.alloc(0) }, { ...h.inputs, ...CONSOLE_IMS_INPUTS });
  if (!built.ok) throw new Error(built.error);
  const res = (await status(built.params)) as { statusCode: number; body: string | Json };
  return (typeof res.body === 'string' ? JSON.parse(res.body) : res.body) as Awaited<ReturnType<typeof statusReport>>;
}

/** an audit event whose CloudEvent time (when I/O Events delivered it) is `at` */
const auditDeliveredAt = (at: number): Json => auditEvent(rng, { clientId: CLIENT_ID, version: 'V2', time: new Date(at) });

beforeAll(() => h.start({ AUDIT_TARGET_ACTION: 'ops/audit', LEAD_ACTIVITY_TARGET_ACTION: 'ops/leads' }));
afterAll(() => h.stop());
beforeEach(() => h.reset());

describe('which clock decides staleness', () => {
  it('an I/O Lead Activity delivered now for an activity dated 8 days ago is forwarded, not set aside', async () => {
    const event = ioActivityEvent(rng, legacyActivity(rng, { time: new Date(Date.now() - 8 * DAY) }), { clientId: CLIENT_ID });
    event.time = new Date().toISOString(); // delivered now
    const res = await h.call(leadActivity, h.signed(event, { deliveryId: 'late-activity' }));
    expect(res).toMatchObject({ statusCode: 200, body: { accepted: 1 } });
    expect(res.body.stale).toBeUndefined();
    expect(h.forwardedIds()).toEqual([(event as { id: string }).id]);
  });
  it('an I/O Lead Activity whose CloudEvent time is 8 days old is stale, whatever its activityDate says', async () => {
    const event = ioActivityEvent(rng, legacyActivity(rng, { time: new Date() }), { clientId: CLIENT_ID });
    event.time = new Date(Date.now() - 8 * DAY).toISOString();
    const res = await h.call(leadActivity, h.signed(event));
    expect(res).toMatchObject({ statusCode: 200, body: { accepted: 0, stale: 1, quarantined: 1 } });
    expect(h.invoker.invocations).toHaveLength(0);
  });
  it('a legacy Marketo push is never stale, however old its activities', async () => {
    const push = legacyPush(rng, 2, { time: new Date(Date.now() - 30 * DAY) });
    const res = await h.call(leadActivity, { headers: { authorization: `Bearer ${PUSH_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(push) });
    expect(res).toMatchObject({ statusCode: 200, body: { accepted: 2 } });
    expect(res.body.stale).toBeUndefined();
    expect(h.forwardedIds()).toHaveLength(2);
  });
});

describe('a stale event is a dead letter replayed on purpose', () => {
  it('is kept with its route and target action; the dead-letter replay leaves it unless includeStale is sent', async () => {
    const old = auditDeliveredAt(Date.now() - 8 * DAY);
    expect(await h.call(userAudit, h.signed(old, { deliveryId: 'stale-kept' }))).toMatchObject({ statusCode: 200, body: { stale: 1 } });
    const listed = (await replay({ ...h.inputs, deadLetters: 'list', includeStale: true })) as unknown as { report: { stale: { records: Json[] } } };
    expect(listed.report.stale.records).toEqual([expect.objectContaining({ route: 'user-audit', target: 'ops/audit', stream: 'user-audit', ids: [old.eventid], replayable: true, reason: expect.stringMatching(/^stale: delivered at /) })]);
    // an ordinary dead-letter replay says they wait, and hands nothing off
    const plain = (await replay({ ...h.inputs, deadLetters: 'replay' })) as { report: Json };
    expect(plain.report).toMatchObject({ records: 0, staleWaiting: 1 });
    expect(h.invoker.invocations).toHaveLength(0);
    // asked for by name: handed off once, and gone
    const asked = (await replay({ ...h.inputs, deadLetters: 'replay', includeStale: true })) as unknown as { report: { stale: Json } };
    expect(asked.report.stale).toMatchObject({ records: 1, replayed: 1, removed: 1 });
    expect(h.forwardedIds('user-audit')).toEqual([old.eventid]);
    expect(h.invoker.accepted[0].action).toBe('ops/audit');
    expect(await replay({ ...h.inputs, parked: 'replay', includeStale: true })).toMatchObject({ error: { code: 'include_stale_invalid' } });
  });
  it('counts toward MAX_EVENTS_PER_DELIVERY like every event of the delivery', async () => {
    const batch = Array.from({ length: 6 }, () => auditDeliveredAt(Date.now() - 8 * DAY));
    expect(await h.call(userAudit, h.signed(batch), { MAX_EVENTS_PER_DELIVERY: '5' })).toMatchObject({ statusCode: 413 });
  });
  it('the console lists them with their expiry, refuses a replay without the confirmation, and replays with it', async () => {
    const old = auditDeliveredAt(Date.now() - 8 * DAY);
    await h.call(userAudit, h.signed(old));
    const page = await consoleCall({ query: 'op=records&kind=stale' });
    const records = page.body.records as { id: string; target: string; expiresAt: string; storedAt: string }[];
    expect(records).toHaveLength(1);
    expect(records[0].target).toBe('ops/audit');
    expect(Date.parse(records[0].expiresAt) - Date.parse(records[0].storedAt)).toBe(staleRetentionHours(168) * HOUR);
    expect(await consoleCall({ method: 'POST', body: { op: 'replay', kind: 'stale', ids: [records[0].id] } })).toMatchObject({ statusCode: 400, body: { error: 'stale_confirmation_required' } });
    expect(h.invoker.invocations).toHaveLength(0);
    const res = await consoleCall({ method: 'POST', body: { op: 'replay', kind: 'stale', ids: [records[0].id], includeStale: true } });
    expect(res).toMatchObject({ statusCode: 200, body: { report: { records: 1, replayed: 1 } } });
    expect(h.forwardedIds()).toEqual([old.eventid]);
  });
});

describe('what status and the console say', () => {
  it('give the same severity for the same parked records, whoever asked before', async () => {
    const park = async (n: number): Promise<void> => {
      h.invoker.fault = () => '503';
      for (let i = 0; i < n; i++) await h.call(userAudit, h.signed(auditDeliveredAt(Date.now())));
      h.invoker.fault = () => 'ok';
    };
    const backlog = (warnings: { code: string; level: string }[]): string | undefined => warnings.find((w) => w.code === 'parked_backlog')?.level;
    await park(5);
    await statusReport();
    await park(3);
    const seenByConsole = backlog(((await consoleCall({ query: 'op=overview' })).body.report as { warnings: { code: string; level: string }[] }).warnings);
    const seenByStatus = backlog((await statusReport()).warnings);
    expect(seenByConsole).toBe(seenByStatus);
    expect(seenByStatus).toBe('critical'); // records were parked minutes ago: the backlog is growing
  });
});

describe('warned about, and kept long enough to be seen', () => {
  it('status warns while any stale dead letter exists, saying when the oldest expires; the warning goes with them', async () => {
    expect((await statusReport()).warnings.map((w) => w.code)).not.toContain('stale_dead_letters');
    await h.call(userAudit, h.signed([auditDeliveredAt(Date.now() - 9 * DAY), auditDeliveredAt(Date.now() - 8 * DAY)]));
    const r = await statusReport();
    expect(r.stale).toMatchObject({ count: 1, oldestExpiresAt: expect.any(String) });
    const w = r.warnings.find((x) => x.code === 'stale_dead_letters');
    expect(w).toMatchObject({ level: 'warning', message: expect.stringMatching(/^1 stale dead letter\(s\).*the oldest expires in (6 d 23 h|7 d 0 h) \(/) });
    await replay({ ...h.inputs, deadLetters: 'discard', includeStale: true });
    expect((await statusReport()).warnings.map((x) => x.code)).not.toContain('stale_dead_letters');
  });
  it('is kept at least two days, a day more than the warning, even when PARKING_TTL_HOURS is 1', () => {
    expect(staleRetentionHours(1)).toBe(STALE_MIN_RETENTION_HOURS);
    expect(STALE_MIN_RETENTION_HOURS).toBeGreaterThanOrEqual(48);
    expect(staleRetentionHours(168)).toBe(168);
  });
  it('a record expires its retention after it was stored, however often a replay attempt rewrites it', async () => {
    let t = Date.parse('2026-03-02T12:00:00Z');
    const kv = createMemoryKv(() => t);
    const store = openRecordStore<{ events: string[] }>(kv, { prefix: STALE_RECORDS, ttlSeconds: 48 * 3600, now: () => t });
    const rec = await store.add({ reason: 'stale: x', attempts: 0, payload: { events: ['a'] } });
    expect(store.expiresAt(rec)).toBe('2026-03-04T12:00:00.000Z');
    t += 47 * HOUR;
    await store.update({ ...rec, attempts: 1, reason: 'HTTP 503' });
    t += 2 * HOUR;
    // what status announced holds: it is gone at storedAt + 48 h, not 48 h after the last attempt
    expect(await store.get(rec.id)).toBeUndefined();
    const census = await store.census();
    expect(census.count).toBe(0);
  });
});
