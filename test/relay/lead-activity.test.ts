import { main as leadActivity } from '../../actions/lead-activity/index';
import { ioActivityEvent, legacyActivity, legacyPush } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { startTestIdp, type TestIdp } from '../../dev/traffic/idp';
import { CLIENT_ID, PUSH_TOKEN, RelayHarness } from '../support/relay-harness';

const h = new RelayHarness();
const rng = seeded(7);
let idp: TestIdp;
beforeAll(async () => {
  idp = await startTestIdp();
  await h.start({ LEAD_ACTIVITY_OAUTH_JWKS_URL: idp.jwksUrl, LEAD_ACTIVITY_OAUTH_ISSUER: idp.issuer, LEAD_ACTIVITY_OAUTH_AUDIENCE: 'marketo-stream-relay' });
});
afterAll(async () => {
  await h.stop();
  await idp.close();
});
beforeEach(() => h.reset());

const pushReq = (body: unknown, authorization = `Bearer ${PUSH_TOKEN}`, query = '') => ({
  headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
  body: JSON.stringify(body),
  query,
});

describe('legacy push', () => {
  it('accepts a 500-activity batch (~0.5 MB) and forwards every activity', async () => {
    const batch = legacyPush(rng, 500, { munchkinId: '111-AAA-222' });
    const body = JSON.stringify(batch);
    expect(body.length).toBeGreaterThan(300_000);
    const res = await h.call(leadActivity, pushReq(batch));
    expect(res).toMatchObject({ statusCode: 200, body: { status: 'accepted', accepted: 500, quarantined: 0, messageId: batch.messageId } });
    const forwarded = h.invoker.accepted.flatMap((i) => i.events);
    expect(forwarded.map((e) => e.id).sort()).toEqual((batch.activities as { marketoGUID: string }[]).map((a) => a.marketoGUID).sort());
    expect(forwarded[0]).toMatchObject({ stream: 'lead-activity', transport: 'legacy-push', munchkinId: '111-AAA-222', leadId: expect.any(String) });
  });
  it('splits invocations so none exceeds the 1 MB parameter limit', async () => {
    const batch = legacyPush(rng, 400);
    for (const a of batch.activities as Record<string, unknown>[]) a.attributes = [{ name: 'Form Fields', dataType: 'text', value: 'x'.repeat(2000) }];
    const res = await h.call(leadActivity, pushReq(batch));
    expect(res.statusCode).toBe(200);
    expect(h.invoker.accepted.length).toBeGreaterThan(1);
    for (const i of h.invoker.accepted) expect(i.bytes).toBeLessThanOrEqual(1_000_000);
    expect(h.forwardedIds()).toHaveLength(400);
  });
  it('quarantines broken activities and accepts the rest; an unreadable activityDate is kept, not quarantined', async () => {
    const batch = legacyPush(rng, 10);
    const acts = batch.activities as Record<string, unknown>[];
    delete acts[1].marketoGUID;
    delete acts[1].activityLogItemId;
    acts[4].activityTypeId = 'form fill';
    acts[7].activityDate = 'last tuesday';
    (batch.activities as unknown[]).push('not an object');
    const res = await h.call(leadActivity, pushReq(batch));
    expect(res).toMatchObject({ statusCode: 200, body: { accepted: 8, quarantined: 3 } });
    const dead: string[] = [];
    for await (const k of h.kv.keys('dlq-')) dead.push(JSON.parse((await h.kv.get(k)) as string).reason);
    expect(dead.sort()).toEqual([expect.stringMatching(/marketoGUID/), expect.stringMatching(/not a JSON object/), expect.stringMatching(/activityTypeId/)]);
    expect(h.forwardedIds()).toHaveLength(8);
    const undated = h.invoker.accepted.flatMap((i) => i.events).find((e) => e.id === acts[7].marketoGUID);
    expect(undated).toMatchObject({ timeSource: 'received', timeText: 'last tuesday', data: { activityDate: 'last tuesday' } });
  });
  it.each([
    ['Bearer', `Bearer ${PUSH_TOKEN}`, ''],
    ['Token', `Token ${PUSH_TOKEN}`, ''],
    ['bare', PUSH_TOKEN, ''],
    ['access_token query', '', `access_token=${PUSH_TOKEN}`],
    ['token query', '', `token=${PUSH_TOKEN}`],
  ])('accepts the static token as %s', async (_n, auth, query) => {
    expect((await h.call(leadActivity, pushReq(legacyPush(rng, 3), auth, query))).statusCode).toBe(200);
  });
  it('accepts either of two rotated tokens', async () => {
    const inputs = { LEAD_ACTIVITY_TOKENS: 'old-token-aaaaaaaaaaaa,new-token-bbbbbbbbbbbb' };
    expect((await h.call(leadActivity, pushReq(legacyPush(rng, 2), 'Bearer old-token-aaaaaaaaaaaa'), inputs)).statusCode).toBe(200);
    expect((await h.call(leadActivity, pushReq(legacyPush(rng, 2), 'Bearer new-token-bbbbbbbbbbbb'), inputs)).statusCode).toBe(200);
  });
  it('401 with WWW-Authenticate for wrong, empty and missing tokens; nothing forwarded', async () => {
    for (const auth of ['Bearer wrong-token', 'Bearer ', '']) {
      const res = await h.call(leadActivity, pushReq(legacyPush(rng, 2), auth));
      expect(res.statusCode).toBe(401);
      expect(res.headers['WWW-Authenticate']).toMatch(/^Bearer/);
    }
    expect(h.invoker.invocations).toHaveLength(0);
  });
  it('accepts an OAuth2 JWT from the IdP', async () => {
    expect((await h.call(leadActivity, pushReq(legacyPush(rng, 5), `Bearer ${await idp.mint()}`))).statusCode).toBe(200);
  });
  it('503 when the IdP is unreachable', async () => {
    idp.down = true;
    try {
      const fresh = { LEAD_ACTIVITY_OAUTH_TIMEOUT_MS: '500' }; // a new verifier: nothing cached
      const res = await h.call(leadActivity, pushReq(legacyPush(rng, 5), `Bearer ${await idp.mint()}`), fresh);
      expect(res.statusCode).toBe(503);
    } finally {
      idp.down = false;
    }
  });
  it('400 for a body that is not JSON or has no activities array', async () => {
    expect((await h.call(leadActivity, { headers: { authorization: `Bearer ${PUSH_TOKEN}` }, body: 'activities=1' })).statusCode).toBe(400);
    expect((await h.call(leadActivity, pushReq({ munchkinId: 'x' }))).body).toMatchObject({ error: 'activities_missing' });
  });
  it('a Marketo retry of the same batch forwards nothing twice', async () => {
    const batch = legacyPush(rng, 50);
    await h.call(leadActivity, pushReq(batch));
    const again = await h.call(leadActivity, pushReq(batch));
    expect(again.body).toMatchObject({ accepted: 50, duplicates: 50 });
    expect(h.forwardedIds()).toHaveLength(50);
  });
  it('503 (Marketo retries) when hand-off and parking both fail', async () => {
    h.invoker.fault = () => '500';
    const kv = h.kv;
    h.reset({ kv: { ...kv, put: () => Promise.reject(new Error('state down')) } as typeof kv });
    h.invoker.fault = () => '500';
    const res = await h.call(leadActivity, pushReq(legacyPush(rng, 5)));
    expect(res.statusCode).toBe(503);
  });
  it('parks when the downstream fails and answers 200', async () => {
    h.invoker.fault = () => '429';
    const res = await h.call(leadActivity, pushReq(legacyPush(rng, 5)));
    expect(res).toMatchObject({ statusCode: 200, body: { parked: 5 } });
  });
  it('never logs the token', async () => {
    await h.call(leadActivity, pushReq(legacyPush(rng, 2), `Bearer ${PUSH_TOKEN}`));
    await h.call(leadActivity, pushReq(legacyPush(rng, 2), '', `access_token=${PUSH_TOKEN}`));
    await h.call(leadActivity, pushReq(legacyPush(rng, 2), 'Bearer wrong-token-value'));
    const jwt = await idp.mint();
    await h.call(leadActivity, pushReq(legacyPush(rng, 2), `Bearer ${jwt}`));
    const text = h.logs.text();
    expect(text).not.toContain(PUSH_TOKEN);
    expect(text).not.toContain('wrong-token-value');
    expect(text).not.toContain(jwt.split('.')[2]);
  });
});

describe('I/O Events form', () => {
  it('runs the I/O checks and produces the same envelopes as the push', async () => {
    const activity = legacyActivity(rng);
    const push = { sourceApplication: 'Marketo', munchkinId: '111-AAA-222', messageId: '1', messageCreatedDate: '2026-03-02T10:15:00Z', activities: [activity] };
    await h.call(leadActivity, pushReq(push));
    const io = [ioActivityEvent(rng, activity, { clientId: CLIENT_ID, munchkinId: '111-AAA-222' })];
    const res = await h.call(leadActivity, h.signed(io));
    expect(res).toMatchObject({ statusCode: 200, body: { accepted: 1, duplicates: 1 } });
    expect(h.forwardedIds()).toEqual([activity.marketoGUID]);
  });
  it('legacy and I/O envelopes have the same routing fields; each keeps its own payload as sent', async () => {
    const activity = legacyActivity(rng);
    const sent = structuredClone(activity);
    await h.call(leadActivity, pushReq({ munchkinId: '333-BBB-444', activities: [activity] }));
    const { data: legacyData, ...legacy } = h.invoker.accepted[0].events[0];
    h.reset();
    const element = ioActivityEvent(rng, activity, { clientId: CLIENT_ID, munchkinId: '333-BBB-444' });
    await h.call(leadActivity, h.signed([element]));
    const { data: ioData, eventid, cloudEventId, cloudEventTime, ...io } = h.invoker.accepted[0].events[0];
    expect({ ...io, transport: 'x', receivedAt: 'x' }).toEqual({ ...legacy, transport: 'x', receivedAt: 'x' });
    expect(io.transport).toBe('io-events');
    expect(legacyData).toEqual(sent);
    expect(ioData).toEqual(element.data);
    expect({ eventid, cloudEventId, cloudEventTime }).toEqual({ eventid: element.eventid, cloudEventId: element.id, cloudEventTime: element.time });
  });
  it('answers the challenge and rejects a bad signature', async () => {
    expect((await h.call(leadActivity, { method: 'GET', query: 'challenge=xyz' })).body).toEqual({ challenge: 'xyz' });
    const d = h.signed([ioActivityEvent(rng, legacyActivity(rng), { clientId: CLIENT_ID })]);
    expect((await h.call(leadActivity, { headers: d.headers, body: d.body.replace('"1.0"', '"1.1"') })).statusCode).toBe(401);
  });
  it('checks the recipient of every event', async () => {
    const batch = [ioActivityEvent(rng, legacyActivity(rng), { clientId: CLIENT_ID }), ioActivityEvent(rng, legacyActivity(rng), { clientId: 'other' })];
    expect((await h.call(leadActivity, h.signed(batch))).statusCode).toBe(403);
  });
});

describe('no authentication configured', () => {
  it('every push gets 401 auth_not_configured', async () => {
    const res = await h.call(leadActivity, pushReq(legacyPush(rng, 1)), { LEAD_ACTIVITY_TOKENS: '', LEAD_ACTIVITY_OAUTH_JWKS_URL: '', LEAD_ACTIVITY_OAUTH_ISSUER: '' });
    expect(res).toMatchObject({ statusCode: 401, body: { error: 'auth_not_configured' } });
    expect(h.logs.text()).toMatch(/push authentication is not configured/);
  });
});
