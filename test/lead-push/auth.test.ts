import { createHmac } from 'node:crypto';
import { authenticatePush, describePushAuth, pushAuthWarning, type PushAuth } from '../../src/lead-push/authenticate';
import { createIntrospector } from '../../src/lead-push/introspection';
import { createJwtVerifier } from '../../src/lead-push/oauth-jwt';
import { extractPushToken, matchesStaticToken } from '../../src/lead-push/static-token';
import { badJwtCases, startTestIdp, type TestIdp } from '../../dev/traffic/idp';

const q = (s = '') => new URLSearchParams(s);
const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('static tokens', () => {
  it.each([
    [{ authorization: 'Bearer abc' }, '', 'bearer'],
    [{ authorization: 'bearer abc' }, '', 'bearer'],
    [{ authorization: 'Token abc' }, '', 'token'],
    [{ authorization: 'abc' }, '', 'bare'],
    [{ authorization: '  Bearer abc  ' }, '', 'bearer'],
    [{}, 'access_token=abc', 'query'],
    [{}, 'token=abc', 'query'],
  ])('finds the token in %p %s', (headers, query, place) => {
    expect(extractPushToken(headers as Record<string, string>, q(query))).toEqual({ token: 'abc', place });
  });
  it.each([{ authorization: '' }, { authorization: 'Bearer' }, { authorization: 'Bearer a b' }, { authorization: 'Basic' }])('finds nothing in %p', (headers) => {
    expect(extractPushToken(headers, q())).toBeUndefined();
  });
  it('matches any of several tokens (rotation) and nothing else', () => {
    expect(matchesStaticToken('old', ['old', 'new'])).toBe(true);
    expect(matchesStaticToken('new', ['old', 'new'])).toBe(true);
    for (const t of ['OLD', 'old ', ' old', 'ol', 'oldx', '']) expect(matchesStaticToken(t, ['old', 'new'])).toBe(false);
  });
});

describe('authenticatePush', () => {
  let idp: TestIdp;
  let auth: PushAuth;
  beforeAll(async () => {
    idp = await startTestIdp();
    auth = {
      tokens: ['tok-1', 'tok-2'],
      jwt: createJwtVerifier({ jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: 'marketo-stream-relay', clockSkewSeconds: 5, timeoutMs: 1000, cooldownMs: 0 }),
      introspect: createIntrospector({ url: idp.introspectionUrl, clientId: 'relay', clientSecret: 'relay-secret', timeoutMs: 1000 }),
    };
  });
  afterAll(() => idp.close());
  afterEach(() => (idp.down = false));
  const push = (authorization?: string, query = '') => authenticatePush({ headers: authorization === undefined ? {} : { authorization }, query: q(query) }, auth);

  it('accepts each static token, in each place', async () => {
    for (const [h, query] of [['Bearer tok-1', ''], ['Token tok-2', ''], ['tok-1', ''], [undefined, 'access_token=tok-2'], [undefined, 'token=tok-1']] as const) {
      expect(await push(h, query)).toMatchObject({ ok: true, value: { method: 'static-token' } });
    }
  });
  it('401 with WWW-Authenticate for a missing, empty or wrong token', async () => {
    for (const h of [undefined, '', 'Bearer nope', 'Bearer TOK-1', 'Bearer tok-1x']) {
      const r = await push(h);
      expect(r).toMatchObject({ ok: false, outcome: { status: 401, headers: { 'WWW-Authenticate': expect.stringContaining('Bearer') } } });
    }
  });
  it('accepts a valid JWT from the IdP', async () => {
    expect(await push(`Bearer ${await idp.mint()}`)).toMatchObject({ ok: true, value: { method: 'jwt', subject: 'marketo' } });
  });
  it.each(badJwtCases())('rejects a JWT that is %s', async (_name, claims, times, code) => {
    const token = await idp.mint(claims, times);
    expect(await push(`Bearer ${token}`)).toMatchObject({ ok: false, outcome: { status: 401, code } });
  });
  it('refetches the JWKS for an unknown kid (key rotation)', async () => {
    await push(`Bearer ${await idp.mint()}`);
    const kid = await idp.rotate();
    const before = idp.jwksHits;
    expect(await push(`Bearer ${await idp.mint({}, { kid })}`)).toMatchObject({ ok: true });
    expect(idp.jwksHits).toBe(before + 1);
  });
  it('does not refetch for unknown kids more often than the cooldown (forged kids cannot hammer the IdP)', async () => {
    const guarded = createJwtVerifier({ jwksUrl: idp.jwksUrl, issuer: idp.issuer, clockSkewSeconds: 5, timeoutMs: 1000, cooldownMs: 60_000 });
    await guarded(await idp.mint());
    const before = idp.jwksHits;
    const forged = await idp.mint({}, { kid: 'k1' });
    const withUnknownKid = forged.replace(/^[^.]+/, Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'forged' })).toString('base64url'));
    for (let i = 0; i < 5; i++) expect(await guarded(withUnknownKid)).toMatchObject({ ok: false, reason: 'invalid' });
    expect(idp.jwksHits).toBe(before);
  });
  it('rejects alg: none', async () => {
    const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ iss: idp.issuer, aud: 'marketo-stream-relay', exp: Math.floor(Date.now() / 1000) + 300 })}.`;
    expect(await push(`Bearer ${none}`)).toMatchObject({ ok: false, outcome: { status: 401 } });
  });
  it('rejects HS256 signed with the public key bytes', async () => {
    const header = b64url({ alg: 'HS256', typ: 'JWT', kid: 'k1' });
    const payload = b64url({ iss: idp.issuer, aud: 'marketo-stream-relay', sub: 'marketo', exp: Math.floor(Date.now() / 1000) + 300 });
    const sig = createHmac('sha256', await idp.publicKeyPem()).update(`${header}.${payload}`).digest('base64url');
    expect(await push(`Bearer ${header}.${payload}.${sig}`)).toMatchObject({ ok: false, outcome: { status: 401, code: 'alg_not_allowed' } });
  });
  it('503, never 401 or 200, when the JWKS cannot be fetched', async () => {
    const fresh = createJwtVerifier({ jwksUrl: idp.jwksUrl, issuer: idp.issuer, clockSkewSeconds: 5, timeoutMs: 500 });
    idp.down = true;
    const r = await authenticatePush({ headers: { authorization: `Bearer ${await idp.mint()}` }, query: q() }, { tokens: [], jwt: fresh });
    expect(r).toMatchObject({ ok: false, outcome: { kind: 'retryLater', status: 503, code: 'idp_unavailable' } });
  });
  it('introspection: active token accepted and cached, inactive refused', async () => {
    idp.opaque.set('opaque-good', { active: true, sub: 'marketo', exp: Math.floor(Date.now() / 1000) + 300 });
    const before = idp.introspectionHits;
    expect(await push('Bearer opaque-good')).toMatchObject({ ok: true, value: { method: 'introspection' } });
    expect(await push('Bearer opaque-good')).toMatchObject({ ok: true });
    expect(idp.introspectionHits).toBe(before + 1);
    expect(await push('Bearer opaque-unknown')).toMatchObject({ ok: false, outcome: { status: 401, code: 'token_inactive' } });
  });
  it('introspection: server down → 503', async () => {
    idp.down = true;
    expect(await push('Bearer opaque-other')).toMatchObject({ ok: false, outcome: { status: 503 } });
  });
  it('introspection answers are cached no longer than the token lives', async () => {
    let now = Date.now();
    const introspect = createIntrospector({ url: idp.introspectionUrl, clientId: 'relay', clientSecret: 'relay-secret', timeoutMs: 1000, now: () => now });
    idp.opaque.set('short-lived', { active: true, exp: Math.floor(now / 1000) + 10 });
    expect(await introspect('short-lived')).toMatchObject({ ok: true });
    now += 11_000;
    const hits = idp.introspectionHits;
    expect(await introspect('short-lived')).toMatchObject({ ok: false, code: 'token_expired' });
    expect(idp.introspectionHits).toBe(hits + 1);
  });
  it('with nothing configured: 401 auth_not_configured and a startup warning', async () => {
    const none: PushAuth = { tokens: [] };
    expect(describePushAuth(none)).toEqual([]);
    expect(pushAuthWarning(none)).toMatch(/LEAD_ACTIVITY_TOKENS/);
    expect(await authenticatePush({ headers: { authorization: 'Bearer x' }, query: q() }, none)).toMatchObject({ ok: false, outcome: { status: 401, code: 'auth_not_configured' } });
  });
});
