import { createKeyProvider, isAllowedKeyPath } from '../../src/io-events/public-keys';
import { verifyDigitalSignatures } from '../../src/io-events/signature';
import { adobeDeliveryHeaders, generateSigningKey, signBody, startKeyServer, type KeyServer, type SigningKey } from '../../dev/traffic/signing';

let keys: [SigningKey, SigningKey];
let server: KeyServer;
const body = Buffer.from('[{"eventid":"e1","recipientclientid":"c"}]');

beforeAll(async () => {
  keys = [generateSigningKey(), generateSigningKey()];
  server = await startKeyServer(keys);
});
afterAll(() => server.close());
afterEach(() => server.setDown(false));

const provider = (o: { now?: () => number; baseUrl?: string } = {}) =>
  createKeyProvider({ baseUrl: o.baseUrl ?? server.baseUrl, timeoutMs: 1000, ttlSeconds: 3600, now: o.now });

describe('verifyDigitalSignatures', () => {
  it('accepts a delivery whose two signatures verify', async () => {
    expect(await verifyDigitalSignatures(body, adobeDeliveryHeaders(body, keys), provider())).toBeUndefined();
  });
  it('accepts when only signature 1 verifies', async () => {
    const h = { ...adobeDeliveryHeaders(body, keys), 'x-adobe-digital-signature-2': signBody('other', keys[1]) };
    expect(await verifyDigitalSignatures(body, h, provider())).toBeUndefined();
  });
  it('accepts when only signature 2 verifies', async () => {
    const h = { ...adobeDeliveryHeaders(body, keys), 'x-adobe-digital-signature-1': signBody('other', keys[0]) };
    expect(await verifyDigitalSignatures(body, h, provider())).toBeUndefined();
  });
  it('rejects when both signatures are invalid (401)', async () => {
    const h = adobeDeliveryHeaders('another body', keys);
    expect(await verifyDigitalSignatures(body, h, provider())).toMatchObject({ status: 401, code: 'signature_invalid' });
  });
  it('rejects a tampered body', async () => {
    const h = adobeDeliveryHeaders(body, keys);
    const tampered = Buffer.from(body.toString().replace('"c"', '"d"'));
    expect(await verifyDigitalSignatures(tampered, h, provider())).toMatchObject({ status: 401, code: 'signature_invalid' });
  });
  it('rejects signatures swapped between key paths', async () => {
    const h = adobeDeliveryHeaders(body, keys);
    const swapped = { ...h, 'x-adobe-public-key1-path': h['x-adobe-public-key2-path'], 'x-adobe-public-key2-path': h['x-adobe-public-key1-path'] };
    expect(await verifyDigitalSignatures(body, swapped, provider())).toMatchObject({ status: 401, code: 'signature_invalid' });
  });
  it('rejects missing signature headers', async () => {
    expect(await verifyDigitalSignatures(body, { 'content-type': 'application/json' }, provider())).toMatchObject({ status: 401, code: 'signature_missing' });
  });
  it('ignores the legacy HMAC header: it is neither sufficient nor required', async () => {
    expect(await verifyDigitalSignatures(body, { 'x-adobe-signature': 'abc=' }, provider())).toMatchObject({ status: 401, code: 'signature_missing' });
    const h = { ...adobeDeliveryHeaders(body, keys), 'x-adobe-signature': 'garbage' };
    expect(await verifyDigitalSignatures(body, h, provider())).toBeUndefined();
  });
  it.each([
    '/prod/keys/../keys/pub-key-x.pem',
    '//evil.example/prod/keys/pub-key-x.pem',
    'https://evil.example/prod/keys/pub-key-x.pem',
    '/prod/keys/pub-key-x.pem@evil.example',
    '/prod/keys/%2e%2e/pub-key-x.pem',
    '/stage/keys/pub-key-x.pem',
    '/prod/keys/pub-key-x.pem?x=1',
  ])('never fetches a disallowed key path: %s', async (path) => {
    const before = [...server.hits.values()].reduce((a, b) => a + b, 0);
    const h = { ...adobeDeliveryHeaders(body, keys), 'x-adobe-public-key1-path': path, 'x-adobe-public-key2-path': path };
    expect(isAllowedKeyPath(path)).toBe(false);
    expect(await verifyDigitalSignatures(body, h, provider())).toMatchObject({ status: 401, code: 'key_path_invalid' });
    expect([...server.hits.values()].reduce((a, b) => a + b, 0)).toBe(before);
  });
  it('an unknown key (404 from the key host) is 401, not 503', async () => {
    const h = { ...adobeDeliveryHeaders(body, keys), 'x-adobe-public-key1-path': '/prod/keys/pub-key-unknown.pem', 'x-adobe-public-key2-path': '/prod/keys/pub-key-unknown2.pem' };
    expect(await verifyDigitalSignatures(body, h, provider())).toMatchObject({ status: 401 });
  });
  it('key host down and no cached key: 503 with Retry-After', async () => {
    server.setDown(true);
    const out = await verifyDigitalSignatures(body, adobeDeliveryHeaders(body, keys), provider());
    expect(out).toMatchObject({ kind: 'retryLater', status: 503, code: 'public_key_unavailable' });
  });
  it('one key unavailable and the other signature bad: 503 (the unavailable slot may verify on a retry), not a final 401', async () => {
    const p = createKeyProvider({
      baseUrl: server.baseUrl,
      timeoutMs: 1000,
      ttlSeconds: 60,
      get: async (url) => (url.endsWith(keys[0].path) ? { status: 503, text: '' } : { status: 200, text: keys[1].publicKeyPem }),
    });
    const h = { ...adobeDeliveryHeaders(body, keys), 'x-adobe-digital-signature-2': signBody(Buffer.from('other'), keys[1]) };
    expect(await verifyDigitalSignatures(body, h, p)).toMatchObject({ kind: 'retryLater', status: 503, code: 'public_key_unavailable' });
  });
  it('a redirect from the key host is not followed (503)', async () => {
    const p = createKeyProvider({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 1000, ttlSeconds: 60, get: async () => ({ status: 302, text: '' }) });
    expect(await verifyDigitalSignatures(body, adobeDeliveryHeaders(body, keys), p)).toMatchObject({ status: 503 });
  });
  it('a key host that never answers times out (503)', async () => {
    const net = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const silent = net.createServer((sock) => void sockets.push(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as { port: number }).port;
      const p = createKeyProvider({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 200, ttlSeconds: 60 });
      expect(await verifyDigitalSignatures(body, adobeDeliveryHeaders(body, keys), p)).toMatchObject({ status: 503 });
    } finally {
      for (const sock of sockets) sock.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
  it('key host unreachable (connection refused): 503', async () => {
    const out = await verifyDigitalSignatures(body, adobeDeliveryHeaders(body, keys), provider({ baseUrl: 'http://127.0.0.1:9' }));
    expect(out).toMatchObject({ status: 503 });
  });
  it('key host down with a cached key: still verifies, without refetching', async () => {
    const p = provider();
    expect(await verifyDigitalSignatures(body, adobeDeliveryHeaders(body, keys), p)).toBeUndefined();
    server.setDown(true);
    const hits = server.hits.get(keys[0].path);
    expect(await verifyDigitalSignatures(body, adobeDeliveryHeaders(body, keys), p)).toBeUndefined();
    expect(server.hits.get(keys[0].path)).toBe(hits);
  });
  it('keeps using an expired cached key while the host is down, refetches once it is back', async () => {
    let now = 1_000_000;
    const p = provider({ now: () => now });
    expect(await verifyDigitalSignatures(body, adobeDeliveryHeaders(body, keys), p)).toBeUndefined();
    now += 3601 * 1000;
    server.setDown(true);
    expect(await verifyDigitalSignatures(body, adobeDeliveryHeaders(body, keys), p)).toBeUndefined();
    server.setDown(false);
    const hits = server.hits.get(keys[0].path) ?? 0;
    expect(await verifyDigitalSignatures(body, adobeDeliveryHeaders(body, keys), p)).toBeUndefined();
    expect(server.hits.get(keys[0].path)).toBe(hits + 1);
  });
  it('fetches each key once for concurrent deliveries', async () => {
    const fresh: [SigningKey, SigningKey] = [generateSigningKey(), generateSigningKey()];
    const s2 = await startKeyServer(fresh);
    try {
      const p2 = createKeyProvider({ baseUrl: s2.baseUrl, timeoutMs: 1000, ttlSeconds: 60 });
      await Promise.all(Array.from({ length: 10 }, () => verifyDigitalSignatures(body, adobeDeliveryHeaders(body, fresh), p2)));
      expect(s2.hits.get(fresh[0].path)).toBe(1);
    } finally {
      await s2.close();
    }
  });
  it('uses a shared cross-container cache before the key host', async () => {
    const store = new Map<string, string>();
    const shared = { get: async (k: string) => store.get(k), put: async (k: string, v: string) => void store.set(k, v) };
    const p1 = createKeyProvider({ baseUrl: server.baseUrl, timeoutMs: 1000, ttlSeconds: 3600, shared });
    expect(await verifyDigitalSignatures(body, adobeDeliveryHeaders(body, keys), p1)).toBeUndefined();
    await new Promise((r) => setImmediate(r));
    expect(store.size).toBe(1); // slot 1 verified: slot 2's key was never needed
    server.setDown(true);
    const p2 = createKeyProvider({ baseUrl: server.baseUrl, timeoutMs: 1000, ttlSeconds: 3600, shared });
    expect(await verifyDigitalSignatures(body, adobeDeliveryHeaders(body, keys), p2)).toBeUndefined();
  });
  it('rejects a key host answer that is not an RSA public key (503, not cached)', async () => {
    const p = createKeyProvider({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 1000, ttlSeconds: 60, get: async () => ({ status: 200, text: '<html>oops</html>' }) });
    expect(await verifyDigitalSignatures(body, adobeDeliveryHeaders(body, keys), p)).toMatchObject({ status: 503 });
  });
});

describe('slot order', () => {
  it('does not fetch the second key when the first signature verifies', async () => {
    const fresh: [SigningKey, SigningKey] = [generateSigningKey(), generateSigningKey()];
    const s = await startKeyServer(fresh);
    try {
      const p = createKeyProvider({ baseUrl: s.baseUrl, timeoutMs: 1000, ttlSeconds: 60 });
      expect(await verifyDigitalSignatures(body, adobeDeliveryHeaders(body, fresh), p)).toBeUndefined();
      expect(s.hits.get(fresh[1].path)).toBeUndefined();
    } finally {
      await s.close();
    }
  });
});

describe('forged requests cannot drive the key host', () => {
  const totalHits = () => [...server.hits.values()].reduce((a, b) => a + b, 0);
  const forged = (n: number) => ({ ...adobeDeliveryHeaders(body, keys), 'x-adobe-public-key1-path': `/prod/keys/pub-key-forged${n}.pem`, 'x-adobe-public-key2-path': `/prod/keys/pub-key-forged${n}b.pem` });
  it('a key path the host does not have is asked once, then remembered for a while', async () => {
    let now = 5_000_000;
    const p = createKeyProvider({ baseUrl: server.baseUrl, timeoutMs: 1000, ttlSeconds: 3600, now: () => now, missingTtlSeconds: 60 });
    const before = totalHits();
    for (let i = 0; i < 5; i++) expect(await verifyDigitalSignatures(body, forged(1), p)).toMatchObject({ status: 401, code: 'signature_invalid' });
    expect(totalHits() - before).toBe(2);
    now += 61_000;
    await verifyDigitalSignatures(body, forged(1), p);
    expect(totalHits() - before).toBe(4);
  });
  it('fresh key paths cost at most the per-minute budget of fetches; beyond it 503 (retried), and a cached key still verifies', async () => {
    let now = 9_000_000;
    const p = createKeyProvider({ baseUrl: server.baseUrl, timeoutMs: 1000, ttlSeconds: 3600, now: () => now, maxFetchesPerMinute: 10 });
    expect(await verifyDigitalSignatures(body, adobeDeliveryHeaders(body, keys), p)).toBeUndefined(); // 1 fetch: key 1 cached
    const before = totalHits();
    const answers = [];
    for (let i = 0; i < 100; i++) answers.push(await verifyDigitalSignatures(body, forged(100 + i), p));
    expect(totalHits() - before).toBe(9);
    expect(answers.at(-1)).toMatchObject({ status: 503, code: 'public_key_unavailable' });
    for (const a of answers.slice(0, 4)) expect(a).toMatchObject({ status: 401 });
    // Adobe's own delivery, signed with the cached key, is unaffected by the flood
    expect(await verifyDigitalSignatures(body, adobeDeliveryHeaders(body, keys), p)).toBeUndefined();
    // the budget refills with time
    now += 60_000;
    expect(await verifyDigitalSignatures(body, forged(999), p)).toMatchObject({ status: 401 });
  });
});
