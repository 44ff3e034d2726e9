/**
 * Hostile munchkinIds (issue 24, item 6): a munchkinId is sender data, forwarded as
 * sent, but only one of Marketo's shape (`XXX-XXX-XXX`, src/envelope/munchkin.ts)
 * names an instance in the counters, the status and console answers and the catalog.
 * Through the real receivers, status and console actions; the store in memory, the
 * invoker faked at the openwhisk boundary, Marketo REST as the local stand-in.
 */
import { main as consoleAction } from '../../actions/console/index';
import { main as leadActivity } from '../../actions/lead-activity/index';
import { main as status } from '../../actions/status/index';
import { main as userAudit } from '../../actions/user-audit/index';
import { auditEvent, legacyActivity, legacyPush } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { resetCatalogs } from '../../src/relay/catalog';
import { STATS_PREFIX } from '../../src/status/stats';
import { CONSOLE_IMS_INPUTS, CONSOLE_ORG, CONSOLE_USER_TOKEN, deployedParams } from '../support/deployed';
import { withMarketoStandIn } from '../support/marketo-stand-in';
import { CLIENT_ID, PUSH_TOKEN, RelayHarness } from '../support/relay-harness';

const h = new RelayHarness();
const rng = seeded(24);
const M = '111-AAA-222';
// starts like a valid id, so a check that reads a prefix only would take it for one
const HUGE = `${M}${'x'.repeat(600_000 - M.length)}`;
const KB = 1024;
const stand = withMarketoStandIn(h, [M]);
beforeEach(() => {
  h.reset();
  resetCatalogs();
});

type Json = Record<string, unknown>;
type Streams = Record<string, { munchkin: Record<string, { accepted: number }>; instances: { total: number; rest: { instances: number; accepted: number } } }>;

const push = (body: Json) => ({ headers: { 'content-type': 'application/json', authorization: `Bearer ${PUSH_TOKEN}` }, body: JSON.stringify(body) });

async function statusAnswer(query = ''): Promise<{ bytes: number; body: Json }> {
  const res = (await status(h.params({ method: 'GET', query }))) as { statusCode: number; body: string };
  expect(res.statusCode).toBe(200);
  return { bytes: Buffer.byteLength(res.body), body: JSON.parse(res.body) as Json };
}

async function overview(query = ''): Promise<{ bytes: number; body: Json }> {
  const built = deployedParams('console', { method: 'GET', headers: { authorization: `Bearer ${CONSOLE_USER_TOKEN}`, 'x-gw-ims-org-id': CONSOLE_ORG }, query: `op=overview${query ? `&${query}` : ''}`, body: Buffer.alloc(0) }, { ...CONSOLE_IMS_INPUTS, ...h.inputs });
  if (!built.ok) throw new Error(built.error);
  const res = (await consoleAction(built.params)) as { statusCode: number; body: string };
  expect(res.statusCode).toBe(200);
  return { bytes: Buffer.byteLength(res.body), body: JSON.parse(res.body) as Json };
}

async function storeKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const k of h.kv.keys('')) keys.push(k);
  return keys;
}

async function statsRecordBytes(): Promise<number[]> {
  const sizes: number[] = [];
  for (const k of await storeKeys()) if (k.startsWith(STATS_PREFIX)) sizes.push(Buffer.byteLength((await h.kv.get(k)) ?? ''));
  return sizes;
}

test('a 600,000-character munchkinId is forwarded as sent, counted under one "invalid" bucket, and never a key', async () => {
  const creds = stand.rest.envFor(M);
  for (let i = 0; i < 2; i++) {
    const res = await h.call(leadActivity, push(legacyPush(rng, 3, { munchkinId: HUGE })), creds);
    expect(res).toMatchObject({ statusCode: 200, body: { accepted: 3 } });
  }
  const signed = await h.call(userAudit, h.signed([auditEvent(rng, { clientId: CLIENT_ID, munchkinId: HUGE.slice(0, 300_000) }), auditEvent(rng, { clientId: CLIENT_ID, munchkinId: M })]));
  expect(signed.statusCode).toBe(200);
  // never lost: every event is handed off with its munchkinId exactly as sent
  const forwarded = h.invoker.accepted.flatMap((i) => i.events);
  expect(forwarded).toHaveLength(8);
  expect(forwarded.filter((e) => e.munchkinId === HUGE)).toHaveLength(6);
  expect(forwarded.filter((e) => e.munchkinId === HUGE.slice(0, 300_000))).toHaveLength(1);
  // the catalog asked Marketo for nothing on its behalf, and no store key or value carries it
  expect(stand.rest.calls.byMunchkin[M]?.types ?? 0).toBe(0);
  const keys = await storeKeys();
  expect(keys.filter((k) => k.includes('xxxxxxxxxx'))).toEqual([]);
  expect(Math.max(...(await statsRecordBytes()))).toBeLessThan(16 * KB);

  const { bytes, body } = await statusAnswer();
  const streams = body.streams as Streams;
  expect(streams['lead-activity'].munchkin).toEqual({ invalid: expect.objectContaining({ accepted: 6 }) });
  expect(streams['user-audit'].munchkin).toEqual({ invalid: expect.objectContaining({ accepted: 1 }), [M]: expect.objectContaining({ accepted: 1 }) });
  expect(bytes).toBeLessThan(16 * KB);
  const text = (await status(h.params({ method: 'GET', query: 'format=text' }))) as { body: string };
  expect(Buffer.byteLength(text.body)).toBeLessThan(16 * KB);
  const console = await overview();
  expect(console.bytes).toBeLessThan(64 * KB);
  expect(Object.keys((console.body.series as Streams)['lead-activity'].munchkin)).toEqual(['invalid']);
});

test('10,000 distinct valid munchkinIds through one container: the stats record, status and console stay small', async () => {
  const ids = Array.from({ length: 10_000 }, (_, i) => `${String(i % 1000).padStart(3, '0')}-${String.fromCharCode(65 + Math.floor(i / 1000))}AA-${String(i % 997).padStart(3, '0')}`);
  expect(new Set(ids).size).toBe(10_000);
  const time = new Date();
  // a push without a batch munchkinId: each activity names its own instance
  for (let p = 0; p < 4; p++) {
    const activities = ids.slice(p * 2500, (p + 1) * 2500).map((munchkinId) => {
      const { marketoGUID, leadId, activityDate, activityTypeId } = legacyActivity(rng, { time, typeId: 1 });
      return { marketoGUID, leadId, activityDate, activityTypeId, munchkinId };
    });
    const res = await h.call(leadActivity, push({ sourceApplication: 'Marketo', messageId: String(p), activities }));
    expect(res).toMatchObject({ statusCode: 200, body: { accepted: 2500 } });
  }
  expect(Math.max(...(await statsRecordBytes()))).toBeLessThan(64 * KB);
  const s = await statusAnswer('instanceLimit=100');
  expect(s.bytes).toBeLessThan(256 * KB);
  const lead = (s.body.streams as Streams)['lead-activity'];
  // every event is counted: the instances listed plus the rest
  expect(Object.values(lead.munchkin).reduce((n, m) => n + m.accepted, 0) + lead.instances.rest.accepted).toBe(10_000);
  const c = await overview('instanceLimit=100');
  expect(c.bytes).toBeLessThan(256 * KB);
});

test('a push whose long munchkinId would be copied into 5,000 envelopes is kept whole as one dead letter, not multiplied', async () => {
  // 200,000 characters × 5,000 activities: 1 GB of invocation params from a body under 1 MB
  const id = `${M}${'y'.repeat(200_000 - M.length)}`;
  const activities = Array.from({ length: 5000 }, (_, i) => ({ id: i, marketoGUID: String(i), leadId: 1, activityDate: '2026-12-01T00:00:00Z', activityTypeId: 1 }));
  const res = await h.call(leadActivity, push({ sourceApplication: 'Marketo', munchkinId: id, messageId: 'amplified', activities }));
  expect(res).toMatchObject({ statusCode: 200, body: { accepted: 0, quarantined: 1 } });
  expect(h.invoker.invocations).toHaveLength(0);
  // kept where an operator finds it: the whole push, its activities and its munchkinId as sent
  const letters: string[] = [];
  for await (const k of h.kv.keys('dlq')) letters.push(k);
  const records = letters.filter((k) => /^dlq-\d/.test(k));
  expect(records).toHaveLength(1);
  const kept = await h.kv.get(records[0]);
  expect(kept).toContain('munchkin_amplified');
  expect(kept).toContain('"messageId":"amplified"');
  // the same id on a few activities is still forwarded as sent
  const few = await h.call(leadActivity, push({ sourceApplication: 'Marketo', munchkinId: id, messageId: 'few', activities: activities.slice(0, 3) }));
  expect(few).toMatchObject({ statusCode: 200, body: { accepted: 3 } });
  expect(h.invoker.accepted.flatMap((i) => i.events).map((e) => e.munchkinId)).toEqual([id, id, id]);
});
