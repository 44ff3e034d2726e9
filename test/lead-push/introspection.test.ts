import { createIntrospector } from '../../src/lead-push/introspection';
import { deadUrl, startTestIdp, type TestIdp } from '../../dev/traffic/idp';

const CLIENT_ID = 'relay-client';
const CLIENT_SECRET = 'relay-client-secret-5d1e';
const T0 = 1_900_000_000_000; // injected clock, ms

describe('createIntrospector (RFC 7662) against a local endpoint', () => {
  let idp: TestIdp;
  let now: number;
  beforeAll(async () => {
    idp = await startTestIdp({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  });
  beforeEach(() => {
    idp.introspectionMode = 'ok';
    idp.opaque.clear();
    idp.introspections.length = 0;
    now = T0;
  });
  afterAll(() => idp.close());
  const introspector = (o: { url?: string; timeoutMs?: number; maxCacheEntries?: number; clockSkewSeconds?: number } = {}) =>
    createIntrospector({ url: o.url ?? idp.introspectionUrl, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, timeoutMs: o.timeoutMs ?? 2000, maxCacheEntries: o.maxCacheEntries, clockSkewSeconds: o.clockSkewSeconds, now: () => now });
  const active = (extra: Record<string, unknown> = {}) => ({ active: true, sub: 'marketo', client_id: 'marketo-client', exp: T0 / 1000 + 300, ...extra });

  it('POSTs the token as a form with HTTP Basic client authentication', async () => {
    idp.opaque.set('opaque-1', active());
    await introspector()('opaque-1');
    expect(idp.introspections).toHaveLength(1);
    const [r] = idp.introspections;
    expect(r.method).toBe('POST');
    expect(r.contentType).toMatch(/^application\/x-www-form-urlencoded\b/);
    expect(Object.fromEntries(new URLSearchParams(r.body))).toEqual({ token: 'opaque-1', token_type_hint: 'access_token' });
    expect(r.authorization).toBe(`Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`);
  });

  it('active → ok with subject, client id and expiry', async () => {
    idp.opaque.set('opaque-1', active());
    expect(await introspector()('opaque-1')).toEqual({ ok: true, subject: 'marketo', clientId: 'marketo-client', expiresAt: T0 / 1000 + 300 });
  });

  it('caches a positive answer: two checks, one call', async () => {
    idp.opaque.set('opaque-1', active());
    const introspect = introspector();
    expect(await introspect('opaque-1')).toMatchObject({ ok: true });
    expect(await introspect('opaque-1')).toMatchObject({ ok: true });
    expect(idp.introspectionHits).toBe(1);
  });

  it('caches per token: another token is asked about', async () => {
    idp.opaque.set('opaque-1', active());
    idp.opaque.set('opaque-2', active({ sub: 'second' }));
    const introspect = introspector();
    await introspect('opaque-1');
    expect(await introspect('opaque-2')).toMatchObject({ ok: true, subject: 'second' });
    expect(idp.introspectionHits).toBe(2);
  });

  it('never caches beyond the token exp', async () => {
    idp.opaque.set('short-lived', active({ exp: T0 / 1000 + 10 }));
    const introspect = introspector();
    expect(await introspect('short-lived')).toMatchObject({ ok: true });
    now = T0 + 9_000;
    expect(await introspect('short-lived')).toMatchObject({ ok: true });
    expect(idp.introspectionHits).toBe(1);
    now = T0 + 11_000;
    idp.opaque.set('short-lived', { active: false });
    expect(await introspect('short-lived')).toMatchObject({ ok: false, reason: 'invalid', code: 'token_inactive' });
    expect(idp.introspectionHits).toBe(2);
  });

  it('active with an exp just behind our clock: accepted within the clock skew (not cached), expired beyond it', async () => {
    idp.opaque.set('skewed', active({ exp: T0 / 1000 - 30 }));
    const introspect = introspector({ clockSkewSeconds: 60 });
    expect(await introspect('skewed')).toMatchObject({ ok: true });
    expect(await introspect('skewed')).toMatchObject({ ok: true });
    expect(idp.introspectionHits).toBe(2);
    idp.opaque.set('old', active({ exp: T0 / 1000 - 61 }));
    expect(await introspect('old')).toMatchObject({ ok: false, reason: 'invalid', code: 'token_expired' });
    expect(await introspector()('skewed')).toMatchObject({ ok: false, code: 'token_expired' });
  });

  it('an answer without exp is cached at most 60 s', async () => {
    idp.opaque.set('no-exp', { active: true, sub: 'marketo' });
    const introspect = introspector();
    await introspect('no-exp');
    now = T0 + 59_000;
    await introspect('no-exp');
    expect(idp.introspectionHits).toBe(1);
    now = T0 + 61_000;
    expect(await introspect('no-exp')).toMatchObject({ ok: true });
    expect(idp.introspectionHits).toBe(2);
  });

  it('inactive → invalid token_inactive, remembered only for the short negative TTL', async () => {
    const introspect = introspector();
    expect(await introspect('revoked')).toEqual({ ok: false, reason: 'invalid', code: 'token_inactive', message: expect.any(String) });
    idp.opaque.set('revoked', active());
    now = T0 + 29_000;
    expect(await introspect('revoked')).toMatchObject({ ok: false, code: 'token_inactive' });
    expect(idp.introspectionHits).toBe(1);
    now = T0 + 31_000;
    expect(await introspect('revoked')).toMatchObject({ ok: true });
    expect(idp.introspectionHits).toBe(2);
  });

  it('an IdP outage is never remembered: the next check asks again', async () => {
    const introspect = introspector();
    idp.introspectionMode = 'error-500';
    expect(await introspect('t-outage')).toMatchObject({ ok: false, reason: 'unavailable' });
    idp.introspectionMode = 'ok';
    idp.opaque.set('t-outage', active());
    expect(await introspect('t-outage')).toMatchObject({ ok: true });
  });

  it('a flood of distinct forged tokens costs the IdP at most the per-minute budget; beyond it 503, a cached token still passes', async () => {
    idp.opaque.set('good', active());
    const introspect = createIntrospector({ url: idp.introspectionUrl, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, timeoutMs: 2000, maxCallsPerMinute: 20, now: () => now });
    expect(await introspect('good')).toMatchObject({ ok: true });
    const verdicts = [];
    for (let i = 0; i < 200; i++) verdicts.push(await introspect(`forged-${i}`));
    expect(idp.introspectionHits).toBe(20);
    expect(verdicts[0]).toMatchObject({ ok: false, reason: 'invalid' });
    expect(verdicts[199]).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(await introspect('good')).toMatchObject({ ok: true });
    expect(idp.introspectionHits).toBe(20);
    now += 60_000;
    expect(await introspect('forged-new')).toMatchObject({ ok: false, reason: 'invalid' });
    expect(idp.introspectionHits).toBe(21);
  });

  it('keeps at most maxCacheEntries answers, evicting the oldest', async () => {
    for (const t of ['a', 'b', 'c']) idp.opaque.set(t, active());
    const introspect = introspector({ maxCacheEntries: 2 });
    for (const t of ['a', 'b', 'c']) await introspect(t);
    expect(idp.introspectionHits).toBe(3);
    await introspect('c');
    expect(idp.introspectionHits).toBe(3);
    await introspect('a');
    expect(idp.introspectionHits).toBe(4);
  });

  describe('unavailable (the caller answers 503)', () => {
    const unavailable = { ok: false, reason: 'unavailable', code: 'idp_unavailable', message: expect.any(String) };

    it('server down', async () => {
      expect(await introspector({ url: await deadUrl('/introspect') })('opaque-1')).toEqual(unavailable);
    });

    it.each([['error-500'], ['not-json']] as const)('answer %s', async (mode) => {
      idp.introspectionMode = mode;
      expect(await introspector()('opaque-1')).toEqual(unavailable);
    });

    it('JSON that is not an introspection answer', async () => {
      idp.opaque.set('opaque-1', { sub: 'no active member' });
      expect(await introspector()('opaque-1')).toEqual(unavailable);
    });

    it('no answer within the timeout', async () => {
      idp.introspectionMode = 'hang';
      expect(await introspector({ timeoutMs: 200 })('opaque-1')).toEqual(unavailable);
    });

    it('a failure is not cached: the next check asks again', async () => {
      const introspect = introspector();
      idp.introspectionMode = 'error-500';
      await introspect('opaque-1');
      idp.introspectionMode = 'ok';
      idp.opaque.set('opaque-1', active());
      expect(await introspect('opaque-1')).toMatchObject({ ok: true });
      expect(idp.introspectionHits).toBe(2);
    });
  });
});
