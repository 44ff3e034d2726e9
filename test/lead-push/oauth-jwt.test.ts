import { createHmac } from 'node:crypto';
import { generateKeyPair, type CryptoKey } from 'jose';
import { createJwtVerifier } from '../../src/lead-push/oauth-jwt';
import { badJwtCases, deadUrl, nowSeconds, startTestIdp, type TestIdp } from '../../dev/traffic/idp';

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** Moves Date.now (what jose's JWKS cooldown reads) forward; token times stay real. */
function advanceClock(ms: number): () => void {
  const real = Date.now.bind(Date);
  const spy = jest.spyOn(Date, 'now').mockImplementation(() => real() + ms);
  return () => spy.mockRestore();
}

describe('createJwtVerifier against a local JWKS', () => {
  let idp: TestIdp;
  let foreignKey: CryptoKey;
  beforeAll(async () => {
    idp = await startTestIdp();
    foreignKey = (await generateKeyPair('RS256')).privateKey;
  });
  beforeEach(() => {
    idp.jwksHits = 0;
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => idp.close());
  const verifier = (o: { issuer?: string; audience?: string; clockSkewSeconds?: number; timeoutMs?: number } = {}) =>
    createJwtVerifier({
      jwksUrl: idp.jwksUrl,
      issuer: 'issuer' in o ? o.issuer : idp.issuer,
      audience: 'audience' in o ? o.audience : idp.audience,
      clockSkewSeconds: o.clockSkewSeconds ?? 5,
      timeoutMs: o.timeoutMs ?? 2000,
    });

  it('keeps the key set across containers in the shared store: a second container verifies without fetching', async () => {
    const store = new Map<string, string>();
    const shared = { get: async (k: string) => store.get(k), put: async (k: string, v: string) => void store.set(k, v) };
    const make = () => createJwtVerifier({ jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: idp.audience, clockSkewSeconds: 5, timeoutMs: 2000, shared });
    const token = await idp.mint({}, { exp: nowSeconds() + 300 });
    expect(await make()(token)).toMatchObject({ ok: true });
    expect(idp.jwksHits).toBe(1);
    expect(store.size).toBe(1);
    expect(JSON.parse([...store.values()][0])).toMatchObject({ jwks: { keys: [expect.objectContaining({ kty: 'RSA' })] }, uat: expect.any(Number) });
    expect(await make()(token)).toMatchObject({ ok: true });
    expect(idp.jwksHits).toBe(1);
    // a garbled shared copy is ignored: the IdP is asked
    store.set([...store.keys()][0], '{"jwks":');
    expect(await make()(token)).toMatchObject({ ok: true });
    expect(idp.jwksHits).toBe(2);
  });
  it('accepts a valid token and reports its subject, client id and expiry', async () => {
    const exp = nowSeconds() + 300;
    expect(await verifier()(await idp.mint({}, { exp }))).toEqual({ ok: true, subject: 'marketo', clientId: 'marketo-client', expiresAt: exp });
  });

  it('caches the key set: two checks, one JWKS fetch', async () => {
    const verify = verifier();
    expect(await verify(await idp.mint())).toMatchObject({ ok: true });
    expect(await verify(await idp.mint({ sub: 'other' }))).toMatchObject({ ok: true, subject: 'other' });
    expect(idp.jwksHits).toBe(1);
  });

  it.each(badJwtCases())('refuses a token that is %s', async (_name, claims, times, code) => {
    expect(await verifier()(await idp.mint(claims, times))).toEqual({ ok: false, reason: 'invalid', code, message: expect.any(String) });
  });

  it('tolerates exp and nbf within the clock skew', async () => {
    const verify = verifier({ clockSkewSeconds: 60 });
    expect(await verify(await idp.mint({}, { exp: nowSeconds() - 20 }))).toMatchObject({ ok: true });
    expect(await verify(await idp.mint({}, { nbf: nowSeconds() + 20 }))).toMatchObject({ ok: true });
  });

  it('without a configured audience, any aud (or none) is accepted', async () => {
    const verify = verifier({ audience: undefined });
    expect(await verify(await idp.mint({ aud: 'anything-at-all' }))).toMatchObject({ ok: true });
    expect(await verify(await idp.mint({ aud: undefined }))).toMatchObject({ ok: true });
  });

  it('with a configured audience, a token without aud is refused', async () => {
    expect(await verifier()(await idp.mint({ aud: undefined }))).toMatchObject({ ok: false, reason: 'invalid', code: 'audience_mismatch' });
  });

  it('an unknown kid refetches the key set: a rotated key is accepted', async () => {
    const verify = verifier();
    expect(await verify(await idp.mint())).toMatchObject({ ok: true });
    const kid = await idp.rotate();
    const restore = advanceClock(60_000); // past the refetch cooldown, well within the cache age
    expect(await verify(await idp.mint({}, { kid }))).toMatchObject({ ok: true });
    restore();
    expect(idp.jwksHits).toBe(2);
  });

  it('a kid still unknown after the refetch is invalid, not unavailable', async () => {
    const verify = verifier();
    expect(await verify(await idp.mint())).toMatchObject({ ok: true });
    const forged = await idp.mint({}, { kid: 'never-published', foreignKey });
    const restore = advanceClock(60_000);
    expect(await verify(forged)).toMatchObject({ ok: false, reason: 'invalid' });
    restore();
    expect(idp.jwksHits).toBe(2);
  });

  it('refuses a token signed by a foreign key under a published kid', async () => {
    const forged = await idp.mint({}, { kid: 'k1', foreignKey });
    expect(await verifier()(forged)).toMatchObject({ ok: false, reason: 'invalid', code: 'signature_invalid' });
  });

  it('refuses a token whose payload was altered after signing', async () => {
    const [h, , s] = (await idp.mint()).split('.');
    const tampered = `${h}.${b64url({ iss: idp.issuer, aud: idp.audience, sub: 'admin', exp: nowSeconds() + 300 })}.${s}`;
    expect(await verifier()(tampered)).toMatchObject({ ok: false, reason: 'invalid', code: 'signature_invalid' });
  });

  it('refuses alg: none', async () => {
    const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ iss: idp.issuer, aud: idp.audience, sub: 'marketo', exp: nowSeconds() + 300 })}.`;
    expect(await verifier()(none)).toMatchObject({ ok: false, reason: 'invalid', code: 'alg_not_allowed' });
  });

  it('refuses HS256 signed with the public key PEM as the secret', async () => {
    const header = b64url({ alg: 'HS256', typ: 'JWT', kid: 'k1' });
    const payload = b64url({ iss: idp.issuer, aud: idp.audience, sub: 'marketo', exp: nowSeconds() + 300 });
    const sig = createHmac('sha256', await idp.publicKeyPem('k1')).update(`${header}.${payload}`).digest('base64url');
    expect(await verifier()(`${header}.${payload}.${sig}`)).toMatchObject({ ok: false, reason: 'invalid', code: 'alg_not_allowed' });
  });

  it('honours an explicit algorithms list: an RS256 token is refused when only ES256 is allowed', async () => {
    const esOnly = createJwtVerifier({ jwksUrl: idp.jwksUrl, issuer: idp.issuer, clockSkewSeconds: 5, timeoutMs: 2000, algorithms: ['ES256'] });
    expect(await esOnly(await idp.mint())).toMatchObject({ ok: false, reason: 'invalid', code: 'alg_not_allowed' });
    expect(idp.jwksHits).toBe(0);
  });

  it.each([['abc.def.ghi'], ['not-a-jwt'], ['a.b.c.d.e']])('refuses the malformed token %s', async (token) => {
    expect(await verifier()(token)).toMatchObject({ ok: false, reason: 'invalid', code: 'token_malformed' });
  });
});

describe('createJwtVerifier when the key set cannot be had', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await startTestIdp();
  });
  beforeEach(() => {
    idp.jwksHits = 0;
    idp.jwksMode = 'ok';
  });
  afterAll(() => idp.close());
  const verifier = (jwksUrl = idp.jwksUrl, timeoutMs = 2000) => createJwtVerifier({ jwksUrl, issuer: idp.issuer, clockSkewSeconds: 5, timeoutMs });
  const unavailable = { ok: false, reason: 'unavailable', code: 'idp_unavailable', message: expect.any(String) };

  it('server down (connection refused) → unavailable', async () => {
    expect(await verifier(await deadUrl('/jwks'))(await idp.mint())).toEqual(unavailable);
  });

  it.each([['error-500'], ['not-json'], ['not-a-jwks']] as const)('JWKS answer %s → unavailable', async (mode) => {
    idp.jwksMode = mode;
    expect(await verifier()(await idp.mint())).toEqual(unavailable);
    expect(idp.jwksHits).toBe(1);
  });

  it('JWKS that never answers → unavailable after the timeout', async () => {
    idp.jwksMode = 'hang';
    expect(await verifier(idp.jwksUrl, 200)(await idp.mint())).toEqual(unavailable);
  });

  it('recovers once the IdP is back (a failure is not cached)', async () => {
    const verify = verifier();
    idp.jwksMode = 'error-500';
    expect(await verify(await idp.mint())).toMatchObject({ ok: false, reason: 'unavailable' });
    idp.jwksMode = 'ok';
    expect(await verify(await idp.mint())).toMatchObject({ ok: true });
  });
});
