/**
 * No client keeps a state that one transient failure poisons for good (issue
 * 24 item 2): a redis-server killed and restarted while the relay lives, an
 * aio-lib-state init that failed or hung once, a store that could not be
 * opened once, a key host, Marketo's Identity endpoint or IMS that failed once
 * — the next request after the service is back is served.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as userAudit } from '../../actions/user-audit/index';
import { auditEvent } from '../../dev/traffic/events';
import { startMarketoRestStandIn } from '../../dev/traffic/marketo-rest';
import { seeded } from '../../dev/traffic/rng';
import { generateSigningKey } from '../../dev/traffic/signing';
import type { TextAnswer } from '../../src/http/get-text';
import { getText } from '../../src/http/get-text';
import { imsAccessToken, imsCredential } from '../../src/ims/credential';
import { createKeyProvider } from '../../src/io-events/public-keys';
import { storeBudget } from '../../src/marketo-rest/budget';
import { marketoRestClient } from '../../src/marketo-rest/client';
import { setRelayOverrides } from '../../src/relay/context';
import { createMemoryKv } from '../../src/stores/memory-kv';
import type { KeyValueStore } from '../../src/stores/kv';
import { createRedisKv } from '../../src/stores/redis-kv';
import { openRecordStore } from '../../src/stores/records';
import { openKeyValueStore } from '../../src/stores/select';
import { createStateKv, type StateClient } from '../../src/stores/state-kv';
import { FakeStateService, fakeStateClient } from '../support/fake-state';
import { FAKE_TOKEN, routeImsTo, startFakeIoManagement } from '../support/fake-io-management';
import { hasRedisServer, startRedis, type RedisServer } from '../support/redis-server';
import { CLIENT_ID, RelayHarness, type Answer } from '../support/relay-harness';

const rng = seeded(24);
const redisIt = hasRedisServer() ? it : it.skip;

/**
 * Fresh deliveries until one is answered 200, at most `bound` of them one `pauseMs` apart: the test's
 * own retries, as a sender's would be (never a timing assertion: a slow machine only takes more rounds).
 */
async function untilAccepted(h: RelayHarness, bound: number, pauseMs: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < bound; i++) {
    const res = await h.call(userAudit, h.signed([auditEvent(rng, { clientId: CLIENT_ID })]));
    answers.push(res);
    if (res.statusCode === 200) break;
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  return answers;
}

/** A real redis-server and a store on it, both closed after `f`. */
async function onRedis(f: (redis: RedisServer, kv: KeyValueStore) => Promise<void>): Promise<void> {
  const redis = await startRedis();
  const kv = createRedisKv(redis.url, { timeoutMs: 1000 });
  try {
    await f(redis, kv);
  } finally {
    await kv.close?.();
    await redis.stop();
  }
}

describe('Redis killed and restarted on the same port while the relay lives (real redis-server)', () => {
  redisIt('the store: a command fails while Redis is down, the first one after it is back succeeds', () =>
    onRedis(async (redis, kv) => {
      await kv.put('before', '1', 60);
      await redis.kill();
      await expect(kv.get('before')).rejects.toThrow();
      await redis.restart();
      // a restart without persistence: the key is gone, the connection is new
      expect(await kv.putIfAbsent('after', '1', 60)).toBe(true);
      expect(await kv.get('after')).toBe('1');
    }),
  20_000);

  redisIt('the store: a kill while idle (no command in between) is noticed, and the first command after the restart succeeds', () =>
    onRedis(async (redis, kv) => {
      await kv.put('before', '1', 60);
      await redis.kill();
      await redis.restart();
      expect(await kv.get('before')).toBeUndefined();
      expect(await kv.putIfAbsent('after', '1', 60)).toBe(true);
    }),
  20_000);

  redisIt('the parking store: a record parked after a restart that lost the data (no persistence) is still found by a scan', () =>
    onRedis(async (redis, kv) => {
      const parking = openRecordStore<{ n: number }>(kv, { prefix: 'park', ttlSeconds: 3600 });
      await parking.add({ attempts: 1, reason: 'before', payload: { n: 1 } });
      await redis.kill();
      await redis.restart();
      await parking.add({ attempts: 1, reason: 'after', payload: { n: 2 } });
      const found: string[] = [];
      for await (const rec of parking.scan()) found.push(rec.reason);
      expect(found).toEqual(['after']);
    }),
  20_000);

  redisIt('the relay (STATE_STORE=redis, REDIS_URL): 200, then 503 dedupe_unavailable while Redis is down, then 200 again within 2 s of its return', async () => {
    const redis = await startRedis();
    const h = await new RelayHarness().start({ STATE_STORE: 'redis', REDIS_URL: redis.url });
    // the real invoker boundary faked, the store the configuration names (not an override)
    setRelayOverrides({ invoker: h.invoker });
    try {
      expect((await h.call(userAudit, h.signed([auditEvent(rng, { clientId: CLIENT_ID })]))).statusCode).toBe(200);
      await redis.kill();
      const down = await h.call(userAudit, h.signed([auditEvent(rng, { clientId: CLIENT_ID })]));
      expect(down).toMatchObject({ statusCode: 503, body: { error: 'dedupe_unavailable' } });
      const forwarded = h.invoker.invocations.length;
      await redis.restart();
      // Redis accepts connections again: the first request is served; the test allows 2 s of its own retries
      const answers = await untilAccepted(h, 20, 100);
      expect({ last: answers.at(-1)?.statusCode, before: answers.slice(0, -1).map((a) => a.body.error) }).toEqual({ last: 200, before: answers.slice(0, -1).map(() => 'dedupe_unavailable') });
      expect(h.invoker.invocations.length).toBeGreaterThan(forwarded);
    } finally {
      await openKeyValueStore({ store: 'redis', redisUrl: redis.url, localDir: '', inRuntime: false }).close?.();
      await h.stop();
      await redis.stop();
    }
  }, 30_000);
});

describe('aio-lib-state: an init that failed or hung once is not kept', () => {
  const service = new FakeStateService();
  it('the first init rejects: that call fails, the next one inits again and succeeds', async () => {
    let inits = 0;
    const kv = createStateKv(async (): Promise<StateClient> => (++inits === 1 ? Promise.reject(new Error('EMFILE')) : fakeStateClient(service)), { timeoutMs: 500 });
    await expect(kv.put('k', 'v', 60)).rejects.toMatchObject({ name: 'StateStoreError' });
    await kv.put('k', 'v', 60);
    expect({ value: await kv.get('k'), inits }).toEqual({ value: 'v', inits: 2 });
  });
  it('the first init never settles: that call times out, the next one inits again and succeeds', async () => {
    let inits = 0;
    const kv = createStateKv(() => (++inits === 1 ? new Promise<StateClient>(() => undefined) : Promise.resolve(fakeStateClient(service))), { timeoutMs: 200 });
    await expect(kv.get('k')).rejects.toMatchObject({ name: 'StateStoreError' });
    expect({ value: await kv.get('k'), inits }).toEqual({ value: 'v', inits: 2 });
  });
  it('a client that initialised is kept: a failing call does not init again', async () => {
    let inits = 0;
    const kv = createStateKv(async () => (inits++, fakeStateClient(service)), { timeoutMs: 500 });
    await kv.get('k');
    service.down = true;
    await expect(kv.get('k')).rejects.toMatchObject({ name: 'StateStoreError' });
    service.down = false;
    expect({ value: await kv.get('k'), inits }).toEqual({ value: 'v', inits: 1 });
  });
});

describe('the stores, opened lazily by the first request that needs them: a failed open is not kept', () => {
  it('the data dir cannot be created (a file is in the way): 503 dedupe_unavailable; once it can, the next request is 200', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'msr-reopen-'));
    const dataDir = join(dir, 'data');
    writeFileSync(dataDir, 'not a directory');
    const h = await new RelayHarness().start({ STATE_STORE: 'file', LOCAL_DATA_DIR: dataDir });
    setRelayOverrides({ invoker: h.invoker });
    try {
      const first = await h.call(userAudit, h.signed([auditEvent(rng, { clientId: CLIENT_ID })]));
      expect(first).toMatchObject({ statusCode: 503, body: { error: 'dedupe_unavailable' } });
      rmSync(dataDir);
      const second = await h.call(userAudit, h.signed([auditEvent(rng, { clientId: CLIENT_ID })]));
      expect(second.statusCode).toBe(200);
      expect(h.invoker.invocations.length).toBeGreaterThan(0);
    } finally {
      await h.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the signing-key cache: a key host that is busy once is asked again', () => {
  const key = generateSigningKey();
  it.each([429, 408])('HTTP %i is "unavailable" (503, retried) and not remembered as a missing key: the next lookup fetches it', async (status) => {
    const answers: TextAnswer[] = [{ status, text: 'busy' }, { status: 200, text: key.publicKeyPem }];
    const get = async (): Promise<TextAnswer> => answers.shift() as TextAnswer;
    const p = createKeyProvider({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000, ttlSeconds: 3600, get });
    expect(await p.lookup(key.path)).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(await p.lookup(key.path)).toMatchObject({ ok: true });
  });
  it('a 404 is still remembered (a forged key path costs the host one fetch)', async () => {
    let fetches = 0;
    const get = async (): Promise<TextAnswer> => (fetches++, { status: 404, text: 'no such key' });
    const p = createKeyProvider({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000, ttlSeconds: 3600, get });
    expect(await p.lookup(key.path)).toMatchObject({ ok: false, reason: 'missing' });
    expect(await p.lookup(key.path)).toMatchObject({ ok: false, reason: 'missing' });
    expect(fetches).toBe(1);
  });
});

describe("Marketo REST: a failed token request is not kept", () => {
  it('the Identity endpoint down once: that call is "unreachable", the next one gets a token and the catalog', async () => {
    const M = '111-AAA-333';
    const rest = await startMarketoRestStandIn([{ munchkinId: M }]);
    try {
      const env = rest.envFor(M);
      const instance = { munchkinId: M, restEndpoint: env.MARKETO_REST_ENDPOINT, identityEndpoint: env.MARKETO_IDENTITY_ENDPOINT, clientId: env.MARKETO_CLIENT_ID, clientSecret: env.MARKETO_CLIENT_SECRET };
      const kv = createMemoryKv();
      const c = marketoRestClient(instance, { get: getText, now: Date.now, timeoutMs: 2000, budget: storeBudget(kv, M, { dailyCalls: 200, now: Date.now }) });
      rest.fail(M, 'down');
      await expect(c.activityTypes()).rejects.toMatchObject({ code: 'unreachable' });
      expect((await c.activityTypes()).length).toBeGreaterThan(0);
    } finally {
      await rest.close();
    }
  });
});

describe('IMS: a token request that failed once is not kept', () => {
  it('IMS does not answer once: that call fails, the next one gets the token', async () => {
    const fake = await startFakeIoManagement({ clientId: 'client-24', clientSecret: 'secret-24', orgId: 'ORG24@AdobeOrg' });
    const hanging = http.createServer(() => undefined);
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    const c = imsCredential({ __ims_oauth_s2s: { client_id: 'client-24', client_secret: 'secret-24', org_id: 'ORG24@AdobeOrg', scopes: ['adobeio_api'] } })!;
    let route = routeImsTo(`http://127.0.0.1:${(hanging.address() as AddressInfo).port}`);
    try {
      await expect(imsAccessToken(c, 200)).rejects.toThrow('IMS did not answer within 200 ms');
      route.restore();
      route = routeImsTo(fake.url);
      expect(await imsAccessToken(c)).toBe(FAKE_TOKEN);
    } finally {
      route.restore();
      await fake.close();
      hanging.closeAllConnections();
      await new Promise<void>((r) => hanging.close(() => r()));
    }
  });
});
