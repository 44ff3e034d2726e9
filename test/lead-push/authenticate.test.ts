import { createHmac } from 'node:crypto';
import { parseConfig } from '../../src/config';
import { pushAuthFor } from '../../src/lead-push/auth-config';
import { authenticatePush, describePushAuth, pushAuthWarning, type PushAuth } from '../../src/lead-push/authenticate';
import { createIntrospector } from '../../src/lead-push/introspection';
import { createJwtVerifier } from '../../src/lead-push/oauth-jwt';
import { createLog } from '../../src/log';
import { captureLogs } from '../support/logs';
import { badJwtCases, deadUrl, nowSeconds, startTestIdp, type TestIdp } from '../../dev/traffic/idp';

const TOKENS = ['static-tok-current-4b1d9e', 'static-tok-next-77a0c3'];
const CLIENT_SECRET = 'relay-introspection-secret-0c9f';
const CHALLENGE = 'Bearer realm="marketo-stream-relay"';
const INVALID_CHALLENGE = `${CHALLENGE}, error="invalid_token"`;
const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

type Req = { headers: Record<string, string>; query: URLSearchParams };
const req = (authorization?: string, query = ''): Req => ({ headers: authorization === undefined ? {} : { authorization }, query: new URLSearchParams(query) });

let idp: TestIdp;
let staticOnly: PushAuth;
let jwtOnly: PushAuth;
let introspectOnly: PushAuth;
let jwksDown: PushAuth;

beforeAll(async () => {
  idp = await startTestIdp({ clientId: 'relay', clientSecret: CLIENT_SECRET });
  const jwt = createJwtVerifier({ jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: idp.audience, clockSkewSeconds: 5, timeoutMs: 2000 });
  const introspect = createIntrospector({ url: idp.introspectionUrl, clientId: 'relay', clientSecret: CLIENT_SECRET, timeoutMs: 2000 });
  staticOnly = { tokens: TOKENS };
  jwtOnly = { tokens: [], jwt };
  introspectOnly = { tokens: [], introspect };
  jwksDown = { tokens: [], jwt: createJwtVerifier({ jwksUrl: await deadUrl('/jwks'), issuer: idp.issuer, clockSkewSeconds: 5, timeoutMs: 2000 }) };
  idp.opaque.set('opaque-active-81f2', { active: true, sub: 'marketo-opaque', exp: nowSeconds() + 300 });
});
afterAll(() => idp.close());
beforeEach(() => {
  idp.introspectionMode = 'ok';
  idp.introspections.length = 0;
  idp.jwksHits = 0;
});

/** Every configured method at once, built from configuration the way the action does. */
function fullAuth(log = createLog('test', 'off')): PushAuth {
  const parsed = parseConfig({
    LEAD_ACTIVITY_TOKENS: TOKENS.join(','),
    LEAD_ACTIVITY_OAUTH_JWKS_URL: idp.jwksUrl,
    LEAD_ACTIVITY_OAUTH_ISSUER: idp.issuer,
    LEAD_ACTIVITY_OAUTH_AUDIENCE: idp.audience,
    LEAD_ACTIVITY_OAUTH_INTROSPECTION_URL: idp.introspectionUrl,
    LEAD_ACTIVITY_OAUTH_CLIENT_ID: 'relay',
    LEAD_ACTIVITY_OAUTH_CLIENT_SECRET: CLIENT_SECRET,
    LEAD_ACTIVITY_OAUTH_CLOCK_SKEW_SECONDS: '5',
    LEAD_ACTIVITY_OAUTH_TIMEOUT_MS: '2000',
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return pushAuthFor(parsed.config, log);
}

describe('static tokens', () => {
  it.each([
    ['Authorization: Bearer', req(`Bearer ${TOKENS[0]}`), 'bearer'],
    ['Authorization: Token', req(`Token ${TOKENS[0]}`), 'token'],
    ['bare Authorization', req(TOKENS[0]), 'bare'],
    ['?access_token=', req(undefined, `access_token=${TOKENS[0]}`), 'query'],
    ['?token=', req(undefined, `token=${TOKENS[0]}`), 'query'],
  ])('accepted in %s', async (_name, r, place) => {
    expect(await authenticatePush(r, staticOnly)).toEqual({ ok: true, value: { method: 'static-token', place } });
  });

  it('both rotation tokens are accepted', async () => {
    for (const t of TOKENS) expect(await authenticatePush(req(`Bearer ${t}`), staticOnly)).toMatchObject({ ok: true, value: { method: 'static-token' } });
  });

  it.each([[undefined], [''], ['   '], ['Bearer'], [`Bearer ${TOKENS[0]} ${TOKENS[1]}`]])('no usable credential (%p) → 401 token_missing, no error code', async (h) => {
    expect(await authenticatePush(req(h), staticOnly)).toEqual({
      ok: false,
      outcome: { kind: 'rejected', status: 401, code: 'token_missing', message: expect.any(String), headers: { 'WWW-Authenticate': CHALLENGE } },
    });
  });

  it.each([['wrong', 'static-tok-wrong-000000'], ['upper-cased', TOKENS[0].toUpperCase()], ['extended', `${TOKENS[0]}x`]])(
    'a %s token → 401 token_invalid with error="invalid_token"',
    async (_name, t) => {
      expect(await authenticatePush(req(`Bearer ${t}`), staticOnly)).toEqual({
        ok: false,
        outcome: { kind: 'rejected', status: 401, code: 'token_invalid', message: expect.any(String), headers: { 'WWW-Authenticate': INVALID_CHALLENGE } },
      });
    },
  );

  it('a query token with a trailing space is refused', async () => {
    expect(await authenticatePush(req(undefined, `token=${TOKENS[0]}%20`), staticOnly)).toMatchObject({ ok: false, outcome: { status: 401, code: 'token_invalid' } });
  });
});

describe('OAuth2 tokens', () => {
  it('a valid JWT → jwt, with its subject', async () => {
    expect(await authenticatePush(req(`Bearer ${await idp.mint()}`), fullAuth())).toEqual({ ok: true, value: { method: 'jwt', place: 'bearer', subject: 'marketo' } });
  });

  it.each(badJwtCases())('a JWT %s → 401 with its code; introspection is not asked', async (_name, claims, times, code) => {
    const r = await authenticatePush(req(`Bearer ${await idp.mint(claims, times)}`), fullAuth());
    expect(r).toEqual({ ok: false, outcome: { kind: 'rejected', status: 401, code, message: expect.any(String), headers: { 'WWW-Authenticate': INVALID_CHALLENGE } } });
    expect(idp.introspectionHits).toBe(0);
  });

  it('alg: none → 401', async () => {
    const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ iss: idp.issuer, aud: idp.audience, exp: nowSeconds() + 300 })}.`;
    expect(await authenticatePush(req(`Bearer ${none}`), fullAuth())).toMatchObject({ ok: false, outcome: { status: 401, code: 'alg_not_allowed' } });
  });

  it('HS256 signed with the public key → 401', async () => {
    const signed = `${b64url({ alg: 'HS256', kid: 'k1' })}.${b64url({ iss: idp.issuer, aud: idp.audience, exp: nowSeconds() + 300 })}`;
    const sig = createHmac('sha256', await idp.publicKeyPem('k1')).update(signed).digest('base64url');
    expect(await authenticatePush(req(`Bearer ${signed}.${sig}`), fullAuth())).toMatchObject({ ok: false, outcome: { status: 401, code: 'alg_not_allowed' } });
  });

  it('JWKS server down → 503 idp_unavailable with Retry-After 30, never 401', async () => {
    expect(await authenticatePush(req(`Bearer ${await idp.mint()}`), jwksDown)).toEqual({
      ok: false,
      outcome: { kind: 'retryLater', status: 503, code: 'idp_unavailable', message: expect.any(String), retryAfterSeconds: 30 },
    });
  });

  it('an opaque token goes to introspection, not to the JWKS', async () => {
    expect(await authenticatePush(req('Bearer opaque-active-81f2'), fullAuth())).toEqual({ ok: true, value: { method: 'introspection', place: 'bearer', subject: 'marketo-opaque' } });
    expect(idp.jwksHits).toBe(0);
  });

  it('a JWT-shaped token goes to introspection when only introspection is configured', async () => {
    const jwt = await idp.mint();
    idp.opaque.set(jwt, { active: true, sub: 'introspected-jwt' });
    expect(await authenticatePush(req(`Bearer ${jwt}`), introspectOnly)).toMatchObject({ ok: true, value: { method: 'introspection', subject: 'introspected-jwt' } });
  });

  it('an opaque token with only JWT checking configured → 401 token_invalid, IdP not asked', async () => {
    expect(await authenticatePush(req('Bearer opaque-active-81f2'), jwtOnly)).toMatchObject({ ok: false, outcome: { status: 401, code: 'token_invalid' } });
    expect(idp.jwksHits).toBe(0);
  });

  it('inactive opaque token → 401 token_inactive', async () => {
    expect(await authenticatePush(req('Bearer opaque-revoked-33aa'), fullAuth())).toEqual({
      ok: false,
      outcome: { kind: 'rejected', status: 401, code: 'token_inactive', message: expect.any(String), headers: { 'WWW-Authenticate': INVALID_CHALLENGE } },
    });
  });

  it.each([['error-500'], ['hang']] as const)('introspection endpoint %s → 503', async (mode) => {
    idp.introspectionMode = mode;
    const introspect = createIntrospector({ url: idp.introspectionUrl, clientId: 'relay', clientSecret: CLIENT_SECRET, timeoutMs: 200 });
    expect(await authenticatePush(req('Bearer opaque-active-81f2'), { tokens: [], introspect })).toMatchObject({ ok: false, outcome: { kind: 'retryLater', status: 503, code: 'idp_unavailable' } });
  });

  it('a static token still wins when OAuth is configured too (no IdP call)', async () => {
    expect(await authenticatePush(req(`Bearer ${TOKENS[1]}`), fullAuth())).toMatchObject({ ok: true, value: { method: 'static-token' } });
    expect(idp.jwksHits + idp.introspectionHits).toBe(0);
  });
});

describe('configuration', () => {
  it('describePushAuth names the methods', () => {
    expect(describePushAuth(fullAuth())).toEqual(['static-token(2)', 'jwt', 'introspection']);
    expect(describePushAuth(staticOnly)).toEqual(['static-token(2)']);
    expect(describePushAuth(jwtOnly)).toEqual(['jwt']);
    expect(describePushAuth({ tokens: [] })).toEqual([]);
  });

  it('pushAuthWarning: only when nothing is configured, naming the settings', () => {
    expect(pushAuthWarning(staticOnly)).toBeUndefined();
    expect(pushAuthWarning(introspectOnly)).toBeUndefined();
    const w = pushAuthWarning({ tokens: [] });
    for (const name of ['LEAD_ACTIVITY_TOKENS', 'LEAD_ACTIVITY_OAUTH_JWKS_URL', 'LEAD_ACTIVITY_OAUTH_INTROSPECTION_URL']) expect(w).toContain(name);
  });

  it('nothing configured → 401 auth_not_configured pointing at the settings', async () => {
    const r = await authenticatePush(req('Bearer anything'), { tokens: [] });
    expect(r).toMatchObject({ ok: false, outcome: { kind: 'rejected', status: 401, code: 'auth_not_configured', headers: { 'WWW-Authenticate': expect.stringMatching(/^Bearer realm="marketo-stream-relay"/) } } });
    expect(!r.ok && r.outcome.kind === 'rejected' && r.outcome.message).toMatch(/LEAD_ACTIVITY_TOKENS.*LEAD_ACTIVITY_OAUTH_/);
  });
});

describe('secrets never leave', () => {
  it('no token or client secret appears in any log line or any outcome', async () => {
    const capture = captureLogs();
    const outcomes: unknown[] = [];
    const secrets = [...TOKENS, CLIENT_SECRET, 'opaque-active-81f2', 'opaque-revoked-33aa', 'static-tok-wrong-000000'];
    try {
      const full = fullAuth(createLog('auth-test', 'off'));
      const jwts = [await idp.mint(), await idp.mint({}, { exp: nowSeconds() - 120 }), await idp.mint({ iss: 'https://evil.example/' })];
      secrets.push(...jwts, ...jwts.map((t) => t.split('.')[2]));
      const requests = [
        ...TOKENS.flatMap((t) => [req(`Bearer ${t}`), req(`Token ${t}`), req(t), req(undefined, `access_token=${t}`), req(undefined, `token=${t}`)]),
        ...['static-tok-wrong-000000', 'opaque-active-81f2', 'opaque-revoked-33aa', ...jwts].map((t) => req(`Bearer ${t}`)),
        req(),
      ];
      for (const auth of [full, staticOnly, jwtOnly, introspectOnly, jwksDown, { tokens: [] }]) {
        for (const r of requests) outcomes.push(await authenticatePush(r, auth));
      }
      idp.introspectionMode = 'error-500';
      outcomes.push(await authenticatePush(req('Bearer opaque-unseen-4c4c'), introspectOnly));
    } finally {
      capture.stop();
    }
    expect(capture.lines.length).toBeGreaterThan(0); // the startup line of pushAuthFor at least
    const logged = capture.text();
    const answered = JSON.stringify(outcomes);
    for (const s of secrets) {
      expect(logged).not.toContain(s);
      expect(answered).not.toContain(s);
    }
    expect(answered).toContain('static-token'); // the outcomes were really collected
  });
});
