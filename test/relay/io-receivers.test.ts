import { main as userAudit } from '../../actions/user-audit/index';
import { main as notification } from '../../actions/notification/index';
import { main as leadActivity } from '../../actions/lead-activity/index';
import { auditEvent, notificationEvent } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { signBody } from '../../dev/traffic/signing';
import { setRelayOverrides } from '../../src/relay/context';
import { silentLog } from '../../src/log';
import { createMemoryKv } from '../../src/stores/memory-kv';
import { flakyKv } from '../support/flaky-kv';
import { CLIENT_ID, RelayHarness } from '../support/relay-harness';

const h = new RelayHarness();
const rng = seeded(42);
beforeAll(() => h.start());
afterAll(() => h.stop());
beforeEach(() => h.reset());

const audit = (o: { version?: 'V1' | 'V2'; clientId?: string } = {}) => auditEvent(rng, { clientId: o.clientId ?? CLIENT_ID, version: o.version });

describe.each([
  ['user-audit', userAudit],
  ['notification', notification],
] as const)('%s action', (name, main) => {
  it('answers the challenge as JSON, with nosniff', async () => {
    const res = await h.call(main, { method: 'GET', query: 'challenge=abc123' });
    expect(res).toMatchObject({ statusCode: 200, body: { challenge: 'abc123' } });
    expect(res.headers['X-Content-Type-Options']).toBe('nosniff');
  });
  it('answers the challenge as text when asked', async () => {
    const res = await h.call(main, { method: 'GET', query: 'challenge=abc123', headers: { accept: 'text/plain' } });
    expect(res).toMatchObject({ statusCode: 200, body: { text: 'abc123' } });
  });
  it('rejects a challenge that is not a short token', async () => {
    expect((await h.call(main, { method: 'GET', query: 'challenge=%3Cscript%3E' })).statusCode).toBe(400);
  });
  it('accepts a signed single event and forwards it non-blocking', async () => {
    const event = name === 'user-audit' ? audit() : notificationEvent(rng, { clientId: CLIENT_ID });
    const res = await h.call(main, h.signed(event));
    expect(res).toMatchObject({ statusCode: 200, body: { status: 'accepted', accepted: 1 } });
    expect(h.invoker.accepted).toHaveLength(1);
    expect(h.invoker.accepted[0].action).toBe('marketo-stream-relay/log-events');
    expect(h.forwardedIds()).toEqual([event.eventid]);
  });
  it('accepts a signed batch of 20 with application/cloudevents+json; charset=UTF-8', async () => {
    const batch = Array.from({ length: 20 }, (_, i) => (name === 'user-audit' ? audit({ version: i % 2 ? 'V1' : 'V2' }) : notificationEvent(rng, { clientId: CLIENT_ID })));
    const res = await h.call(main, h.signed(batch, { contentType: 'application/cloudevents+json; charset=UTF-8' }));
    expect(res).toMatchObject({ statusCode: 200, body: { accepted: 20 } });
    expect(h.forwardedIds()).toHaveLength(20);
  });
  it('rejects a wrong recipient in one element of a batch (403) and forwards nothing', async () => {
    const batch = [audit(), audit(), audit({ clientId: 'someone-else' })];
    const res = await h.call(main, h.signed(batch));
    expect(res).toMatchObject({ statusCode: 403, body: { error: 'recipient_mismatch' } });
    expect(h.invoker.invocations).toHaveLength(0);
  });
  it('accepts the documented single-event shape with recipientclientid inside `event`, next to `body`', async () => {
    const { recipientclientid, recipient_client_id: _, ...rest } = audit({ version: 'V2' });
    const event: Record<string, unknown> = { ...rest, event: { ...(rest.event as object), recipientclientid } };
    const res = await h.call(main, h.signed(event));
    expect(res).toMatchObject({ statusCode: 200, body: { accepted: 1 } });
    expect(h.forwardedIds()).toEqual([event.eventid]);
  });
  it('refuses (403 recipient_missing) an event naming no recipient, unless EVENTS_REQUIRE_RECIPIENT=false', async () => {
    const { recipientclientid: _a, recipient_client_id: _b, ...anonymous } = audit({ version: 'V2' });
    const refused = await h.call(main, h.signed(anonymous));
    expect(refused).toMatchObject({ statusCode: 403, body: { error: 'recipient_missing' } });
    expect(h.invoker.invocations).toHaveLength(0);
    const optedIn = await h.call(main, h.signed(anonymous), { EVENTS_REQUIRE_RECIPIENT: 'false' });
    expect(optedIn).toMatchObject({ statusCode: 200, body: { accepted: 1 } });
    const wrong = await h.call(main, h.signed([anonymous, audit({ clientId: 'someone-else' })]), { EVENTS_REQUIRE_RECIPIENT: 'false' });
    expect(wrong).toMatchObject({ statusCode: 403, body: { error: 'recipient_mismatch' } });
  });
  it('rejects a tampered body (401) and forwards nothing', async () => {
    const d = h.signed([audit()]);
    const res = await h.call(main, { headers: d.headers, body: d.body.replace(CLIENT_ID, `${CLIENT_ID} `) });
    expect(res).toMatchObject({ statusCode: 401, body: { error: 'signature_invalid' } });
    expect(h.invoker.invocations).toHaveLength(0);
  });
  it('rejects an unsigned POST (401)', async () => {
    expect((await h.call(main, { body: JSON.stringify([audit()]) })).statusCode).toBe(401);
  });
  it('rejects a signed body that is not JSON (400)', async () => {
    const res = await h.call(main, h.signed('{"eventid": '));
    expect(res).toMatchObject({ statusCode: 400, body: { error: 'body_not_json' } });
  });
  it('rejects a body over 1 MB (413)', async () => {
    const big = JSON.stringify([{ ...audit(), pad: 'x'.repeat(1024 * 1024) }]);
    expect((await h.call(main, h.signed(big))).statusCode).toBe(413);
  });
  it('rejects other methods (405) and content types (415)', async () => {
    expect((await h.call(main, { method: 'PUT', body: '{}' })).statusCode).toBe(405);
    const d = h.signed([audit()], { contentType: 'text/plain' });
    expect((await h.call(main, d)).statusCode).toBe(415);
  });
  it('accepts a body Runtime passed as a plain string (local tools, text path)', async () => {
    const d = h.signed([audit()]);
    const params = { ...h.params(d), __ow_body: d.body };
    const res = (await main(params)) as { statusCode: number };
    expect(res.statusCode).toBe(200);
  });
  it('answers an async validation request with 200 and logs the URL', async () => {
    const url = 'https://csm.adobe.io/csm/registrations/validate?id=abc&challenge=def';
    const res = await h.call(main, { body: JSON.stringify({ validationUrl: url }) });
    expect(res).toMatchObject({ statusCode: 200, body: { validation: 'logged' } });
    expect(h.logs.text()).toContain(url);
  });
  it('answers a signed async validation request with 200: its signatures decide nothing, no recipient is asked', async () => {
    const url = 'https://csm.adobe.io/csm/registrations/validate?id=signed&challenge=def';
    const signed = h.signed({ validationUrl: url });
    expect(await h.call(main, signed)).toMatchObject({ statusCode: 200, body: { validation: 'logged', signatureHeaders: true } });
    const badlySigned = { headers: { ...signed.headers, 'x-adobe-digital-signature-1': signed.headers['x-adobe-digital-signature-2'] }, body: signed.body.replace('signed', 'forged') };
    expect(await h.call(main, badlySigned)).toMatchObject({ statusCode: 200, body: { validation: 'logged' } });
    h.keyServer.setDown(true);
    try {
      expect(await h.call(main, h.signed({ validationUrl: url }), { EVENTS_KEY_FETCH_TIMEOUT_MS: '1000' })).toMatchObject({ statusCode: 200 });
    } finally {
      h.keyServer.setDown(false);
    }
    expect(h.invoker.invocations).toHaveLength(0);
  });
  it('an event carrying a validationUrl field is still an event (signed, recipient-checked)', async () => {
    const { recipientclientid: _a, recipient_client_id: _b, ...anonymous } = audit({ version: 'V2' });
    const url = 'https://csm.adobe.io/csm/registrations/validate?id=abc&challenge=def';
    expect((await h.call(main, { body: JSON.stringify({ ...anonymous, validationUrl: url }) })).statusCode).toBe(401);
    expect(await h.call(main, h.signed({ ...anonymous, validationUrl: url }))).toMatchObject({ statusCode: 403, body: { error: 'recipient_missing' } });
  });
  it('refuses a non-Adobe validation URL (400)', async () => {
    const res = await h.call(main, { body: JSON.stringify({ validationUrl: 'http://127.0.0.1:1/steal' }) });
    expect(res).toMatchObject({ statusCode: 400, body: { error: 'validation_url_invalid' } });
  });
  it('503 + Retry-After when the key host is down and no key is cached', async () => {
    h.keyServer.setDown(true);
    try {
      const res = await h.call(main, h.signed([audit()]), { EVENTS_KEY_FETCH_TIMEOUT_MS: '1000' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['Retry-After']).toMatch(/^[1-9]\d*$/);
      expect(h.invoker.invocations).toHaveLength(0);
    } finally {
      h.keyServer.setDown(false);
    }
  });
  it('a redelivery (same event id, new delivery id, retry count) is not forwarded twice', async () => {
    const batch = [audit(), audit()];
    const first = await h.call(main, h.signed(batch));
    const again = await h.call(main, h.signed(batch, { retryCount: 1 }));
    expect(first.body).toMatchObject({ accepted: 2 });
    expect(again.body).toMatchObject({ accepted: 2, duplicates: 2 });
    expect(h.forwardedIds()).toHaveLength(2);
  });
});

describe('lead-activity action, I/O Events form', () => {
  it('answers a signed async validation request with 200 (not as a push, no recipient asked)', async () => {
    const url = 'https://csm.adobe.io/csm/registrations/validate?id=lads&challenge=def';
    expect(await h.call(leadActivity, h.signed({ validationUrl: url }))).toMatchObject({ statusCode: 200, body: { validation: 'logged' } });
    expect(await h.call(leadActivity, { body: JSON.stringify({ validationUrl: url }) })).toMatchObject({ statusCode: 200, body: { validation: 'logged' } });
  });
});

describe('freshness: signed events older than idempotency remembers', () => {
  const DAY = 86_400_000;
  const auditAt = (at: number) => auditEvent(rng, { clientId: CLIENT_ID, version: 'V2', time: new Date(at) });
  it('an event older than DEDUPE_TTL_HOURS (less the margin) is quarantined as stale, answered 200, never forwarded', async () => {
    const old = auditAt(Date.now() - 8 * DAY);
    const fresh = auditAt(Date.now() - 6 * DAY);
    const res = await h.call(userAudit, h.signed([old, fresh], { deliveryId: 'stale-1' }));
    expect(res).toMatchObject({ statusCode: 200, body: { accepted: 1, quarantined: 1, stale: 1 } });
    expect(h.forwardedIds()).toEqual([fresh.eventid]);
    const line = JSON.parse(h.logs.lines.find((l) => l.includes('stale-1') && l.includes('delivery accepted')) as string);
    expect(line).toMatchObject({ stale: 1, quarantined: 1 });
  });
  it('a replayed capture whose idempotency record has expired is not forwarded again', async () => {
    const ttlHours = 24;
    const captured = h.signed(auditAt(Date.now() - 25 * 3_600_000));
    // its hand-off a day ago is forgotten (fresh store); the same signed bytes arrive again
    const res = await h.call(userAudit, captured, { DEDUPE_TTL_HOURS: String(ttlHours) });
    expect(res).toMatchObject({ statusCode: 200, body: { stale: 1 } });
    expect(h.invoker.invocations).toHaveLength(0);
    // inside the TTL less the margin (a tenth of it, at most an hour: here 23 h) it is forwarded
    const res2 = await h.call(userAudit, h.signed(auditAt(Date.now() - 22 * 3_600_000)), { DEDUPE_TTL_HOURS: String(ttlHours) });
    expect(res2).toMatchObject({ statusCode: 200, body: { accepted: 1 } });
    expect(h.forwardedIds()).toHaveLength(1);
  });
  it('a time that does not parse never makes an event stale', async () => {
    const e = auditAt(Date.now());
    ((e.event as { body: Record<string, unknown> }).body).time = 'the other day';
    const res = await h.call(userAudit, h.signed(e));
    expect(res).toMatchObject({ statusCode: 200, body: { accepted: 1 } });
    expect(h.forwardedIds()).toEqual([e.eventid]);
  });
});

describe('Runtime-action registration mode', () => {
  it('accepts the event passed as params behind Adobe validator, checking the recipient', async () => {
    const event = audit();
    const res = (await userAudit({ ...h.inputs, ...event, __adobe_headers: { 'x-adobe-event-id': 'x', 'x-adobe-delivery-id': 'd1' } })) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(200);
    expect(h.forwardedIds()).toEqual([event.eventid]);
  });
  it('refuses another recipient', async () => {
    const res = (await userAudit({ ...h.inputs, ...audit({ clientId: 'nope' }), __adobe_headers: {} })) as { statusCode: number };
    expect(res.statusCode).toBe(403);
  });
  const registered = (event: Record<string, unknown>, inputs: Record<string, string> = {}) =>
    userAudit({ ...h.inputs, ...inputs, ...event, __adobe_headers: { 'x-adobe-delivery-id': 'reg-1' } }) as Promise<{ statusCode?: number; body?: string; error?: { statusCode: number; body: string } }>;
  const errorCode = (res: { error?: { body: string } }) => (res.error ? (JSON.parse(res.error.body) as { error: string }).error : undefined);
  it('finds the recipient inside `event` there too', async () => {
    const { recipientclientid, recipient_client_id: _, ...rest } = audit({ version: 'V2' });
    const res = await registered({ ...rest, event: { ...(rest.event as object), recipientclientid } });
    expect(res.statusCode).toBe(200);
  });
  it('fails the activation (config_invalid) when the configuration is invalid, so Adobe retries once it is fixed', async () => {
    const res = await registered(audit(), { FORWARD_TIMEOUT_MS: 'soon' });
    expect(res.error?.statusCode).toBe(500);
    expect(errorCode(res)).toBe('config_invalid');
    expect(h.invoker.invocations).toHaveLength(0);
  });
  it('fails the activation when EVENTS_CLIENT_ID is missing', async () => {
    const res = await registered(audit(), { EVENTS_CLIENT_ID: '' });
    expect(errorCode(res)).toBe('config_invalid');
  });
  it('fails the activation on an unexpected exception (here: the logger throws), while a web request gets a plain 503', async () => {
    const throwingLog = { ...silentLog(), info: () => { throw new Error('log sink broke'); } };
    setRelayOverrides({ invoker: h.invoker, kv: h.kv, log: throwingLog });
    const res = await registered(audit());
    expect(res.error?.statusCode).toBe(503);
    expect(errorCode(res)).toBe('internal_error');
    const web = await h.call(userAudit, h.signed(audit()));
    expect(web.statusCode).toBe(503);
  });
  it('fails the activation when every store operation fails: the claim cannot be written, so nothing is forwarded', async () => {
    const kv = flakyKv(createMemoryKv());
    kv.failAll(true);
    h.reset({ kv });
    const res = await registered(audit());
    expect(res.error?.statusCode).toBe(503);
    expect(errorCode(res)).toBe('dedupe_unavailable');
    expect(h.invoker.invocations).toHaveLength(0);
  });
  it('fails the activation when the forward fails and parking fails too', async () => {
    const kv = flakyKv(createMemoryKv());
    h.reset({ kv });
    h.invoker.fault = () => { kv.failAll(true); return '500'; };
    const res = await registered(audit());
    expect(res.error?.statusCode).toBe(503);
    expect(errorCode(res)).toBe('handoff_failed');
  });
  it('fails the activation when the dead-letter store is down for an unusable activity', async () => {
    const kv = flakyKv(createMemoryKv());
    kv.failAll(true);
    h.reset({ kv });
    const unusable = { specversion: '1.0', type: 'com.adobe.platform.marketo.activity.standard.openemail', source: 'urn:mlm', id: 'x', data: {}, recipientclientid: CLIENT_ID };
    const res = await registered(unusable);
    expect(res.error?.statusCode).toBe(503);
    expect(errorCode(res)).toBe('dead_letter_unavailable');
  });
  it('a refusal no retry can fix (403) is not an activation failure', async () => {
    const res = await registered(audit({ clientId: 'nope' }));
    expect(res.error).toBeUndefined();
    expect(res.statusCode).toBe(403);
  });
  it('fails the activation when the hand-off and parking fail, so Adobe retries', async () => {
    h.invoker.fault = () => '500';
    h.reset({ kv: { ...h.kv, kind: 'memory', atomicClaims: true, put: async () => Promise.reject(new Error('down')) } as never });
    h.invoker.fault = () => '500';
    const res = (await userAudit({ ...h.inputs, ...audit(), __adobe_headers: {} })) as { error?: { statusCode: number } };
    expect(res.error?.statusCode).toBe(503);
  });
});

describe('configuration', () => {
  it('answers 500 config_invalid for every request and logs why once', async () => {
    const before = h.logs.lines.filter((l) => l.includes('configuration invalid')).length;
    for (let i = 0; i < 3; i++) {
      const res = await h.call(userAudit, { method: 'GET', query: 'challenge=a' }, { FORWARD_CONCURRENCY: 'lots' });
      expect(res).toMatchObject({ statusCode: 500, body: { error: 'config_invalid' } });
    }
    const logged = h.logs.lines.filter((l) => l.includes('configuration invalid'));
    expect(logged.length - before).toBe(1);
    expect(logged[logged.length - 1]).toContain('FORWARD_CONCURRENCY');
  });
  it('an invalid ROUTES is config_invalid naming the route and field', async () => {
    const routes = JSON.stringify({ routes: [{ name: 'sec', match: { color: 'red' }, action: 'a/b' }] });
    const res = await h.call(userAudit, h.signed([audit()]), { ROUTES: routes });
    expect(res.statusCode).toBe(500);
    expect(h.logs.text()).toMatch(/route 0 \(\\?"sec\\?"\): match.color/);
  });
});

describe('logs', () => {
  it('one line per request with delivery id and event ids; never a signature', async () => {
    const batch = [audit(), audit()];
    const d = h.signed(batch, { deliveryId: 'delivery-xyz' });
    await h.call(userAudit, d);
    const line = h.logs.lines.find((l) => l.includes('delivery-xyz'));
    expect(line).toBeDefined();
    const parsed = JSON.parse(line as string);
    expect(parsed).toMatchObject({ msg: 'delivery accepted', stream: 'user-audit', deliveryId: 'delivery-xyz', events: 2, eventIds: batch.map((b) => b.eventid) });
    const text = h.logs.text();
    expect(text).not.toContain(d.headers['x-adobe-digital-signature-1']);
    expect(text).not.toContain(signBody(d.body, h.keys[1]).slice(0, 40));
  });
});

describe('delivery headers on every request line', () => {
  const lineOf = (id: string) => JSON.parse(h.logs.lines.find((l) => l.includes(id) && /"msg":"(delivery|unexpected)/.test(l)) as string) as Record<string, unknown>;
  const withHeaders = (d: { headers: Record<string, string>; body: string }, id: string) => ({
    ...d,
    headers: { ...d.headers, 'x-request-id': `req-${id}`, 'x-adobe-delivery-id': id },
  });
  it('accepted: event code, provider, request id, delivery id and retry count', async () => {
    await h.call(userAudit, withHeaders(h.signed(audit(), { eventCode: 'com.adobe.platform.marketo.audit.user.email', retryCount: 2 }), 'hdr-accepted'));
    expect(lineOf('hdr-accepted')).toMatchObject({
      msg: 'delivery accepted',
      eventCode: 'com.adobe.platform.marketo.audit.user.email',
      provider: 'marketo',
      requestId: 'req-hdr-accepted',
      deliveryId: 'hdr-accepted',
      retryCount: 2,
    });
  });
  it('rejected before any event was read (401): the same fields, retry count 0 when absent', async () => {
    const d = withHeaders(h.signed([audit()], { eventCode: 'com.adobe.platform.marketo.audit.user.form' }), 'hdr-rejected');
    await h.call(userAudit, { headers: d.headers, body: d.body.replace(CLIENT_ID, 'tampered') });
    expect(lineOf('hdr-rejected')).toMatchObject({ msg: 'delivery rejected', reason: 'signature_invalid', eventCode: 'com.adobe.platform.marketo.audit.user.form', provider: 'marketo', requestId: 'req-hdr-rejected', deliveryId: 'hdr-rejected', retryCount: 0 });
  });
  it('a config_invalid request writes its own line with the headers', async () => {
    await h.call(userAudit, withHeaders(h.signed(audit()), 'hdr-config'), { FORWARD_RETRY_DELAY_MS: 'never' });
    expect(lineOf('hdr-config')).toMatchObject({ msg: 'delivery rejected', reason: 'config_invalid', requestId: 'req-hdr-config', provider: 'marketo' });
  });
  it('registration mode: from __adobe_headers, whatever their case', async () => {
    await userAudit({ ...h.inputs, ...audit(), __adobe_headers: { 'X-Adobe-Event-Code': 'com.adobe.platform.marketo.audit.user.email', 'x-adobe-provider': 'marketo', 'X-Request-Id': 'req-reg', 'x-adobe-delivery-id': 'hdr-reg', 'x-adobe-retry-count': '3' } });
    expect(lineOf('hdr-reg')).toMatchObject({ eventCode: 'com.adobe.platform.marketo.audit.user.email', provider: 'marketo', requestId: 'req-reg', deliveryId: 'hdr-reg', retryCount: 3 });
  });
  it('values are sanitized and truncated: no control characters, at most 128 characters', async () => {
    const d = h.signed(audit());
    const headers = { ...d.headers, 'x-adobe-delivery-id': 'hdr-sanitized', 'x-request-id': `evil\n{"msg":"forged"}\u0007${'x'.repeat(300)}`, 'x-adobe-retry-count': 'lots' };
    await h.call(userAudit, { headers, body: d.body });
    const line = lineOf('hdr-sanitized');
    expect(line.requestId).toBe(`evil?{"msg":"forged"}?${'x'.repeat(128 - 22)}…`);
    expect(line).toMatchObject({ retryCount: 0, retryCountHeader: 'lots' });
  });
});

describe('rejection logs', () => {
  it('name the delivery from its headers, without the signature', async () => {
    const d = h.signed([audit({ clientId: 'intruder' })], { deliveryId: 'delivery-rejected-1', eventId: 'event-9' });
    await h.call(userAudit, d);
    const line = JSON.parse(h.logs.lines.find((l) => l.includes('delivery-rejected-1')) as string);
    expect(line).toMatchObject({ msg: 'delivery rejected', reason: 'recipient_mismatch', deliveryId: 'delivery-rejected-1', eventId: 'event-9' });
    expect(JSON.stringify(line)).not.toContain(d.headers['x-adobe-digital-signature-1'].slice(0, 24));
  });
});
