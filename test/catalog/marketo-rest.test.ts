/**
 * The Marketo REST client and its shared budget against the local stand-in
 * (dev/traffic/marketo-rest.ts): real HTTP on loopback, real store code (memory).
 */
import type { MarketoInstance } from '../../src/config';
import { getText } from '../../src/http/get-text';
import { CALLS_PER_WINDOW, marketoDay, nextMarketoDay, storeBudget, USAGE_PREFIX } from '../../src/marketo-rest/budget';
import { MarketoRestError, marketoRestClient } from '../../src/marketo-rest/client';
import { createMemoryKv } from '../../src/stores/memory-kv';
import { SIMULATED_CATALOG, startMarketoRestStandIn, type MarketoRestStandIn } from '../../dev/traffic/marketo-rest';

const M = '111-AAA-222';
let rest: MarketoRestStandIn;
let instance: MarketoInstance;
beforeAll(async () => {
  rest = await startMarketoRestStandIn([{ munchkinId: M }]);
  const env = rest.envFor(M);
  instance = { munchkinId: M, restEndpoint: env.MARKETO_REST_ENDPOINT, identityEndpoint: env.MARKETO_IDENTITY_ENDPOINT, clientId: env.MARKETO_CLIENT_ID, clientSecret: env.MARKETO_CLIENT_SECRET };
});
afterAll(() => rest.close());

function client(o: { now?: () => number; dailyCalls?: number; inst?: MarketoInstance } = {}) {
  const kv = createMemoryKv(o.now);
  const now = o.now ?? Date.now;
  const c = marketoRestClient(o.inst ?? instance, { get: getText, now, timeoutMs: 2000, budget: storeBudget(kv, M, { dailyCalls: o.dailyCalls ?? 200, now }) });
  return { kv, c };
}

const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: MarketoRestError) => e.code);
const calls = () => ({ ...rest.calls.byMunchkin[M] });

test('a token from the Identity endpoint, then the catalog with it in the Authorization header; the token is reused', async () => {
  const before = calls();
  const { c } = client();
  expect(await c.activityTypes()).toEqual(JSON.parse(JSON.stringify(SIMULATED_CATALOG)));
  await c.activityTypes();
  const after = calls();
  expect({ identity: after.identity - (before.identity ?? 0), types: after.types - (before.types ?? 0) }).toEqual({ identity: 1, types: 2 });
  const typesCalls = rest.requests.filter((r) => r.url.includes('types.json')).slice(-2);
  for (const r of typesCalls) {
    expect(r.authorization).toMatch(/^Bearer .+:ab$/);
    // the token travels in the header only, and the secret only to the Identity endpoint
    expect(r.url).toBe(`/${M}/rest/v1/activities/types.json`);
  }
  expect(rest.requests.find((r) => r.url.includes('/identity/'))?.url).toMatch(/^\/111-AAA-222\/identity\/oauth\/token\?grant_type=client_credentials&client_id=/);
});

test('601 (token invalid) renews the token once and retries; a second 601 is an error', async () => {
  const { c } = client();
  await c.activityTypes();
  rest.revokeTokens();
  const before = calls();
  expect((await c.activityTypes()).length).toBe(SIMULATED_CATALOG.length);
  expect(calls().identity - before.identity).toBe(1);
  rest.fail(M, '601', 2);
  expect(await codeOf(c.activityTypes())).toBe('auth_failed');
});

test('602 (token expired) renews it too', async () => {
  const { c } = client();
  rest.fail(M, '602');
  expect((await c.activityTypes()).length).toBe(SIMULATED_CATALOG.length);
});

test('606 (rate limit): an error, and no call to that instance for the rest of the 20-second window, from any container', async () => {
  let now = Date.parse('2026-12-04T10:00:01Z');
  const { c, kv } = client({ now: () => now });
  rest.fail(M, '606');
  expect(await codeOf(c.activityTypes())).toBe('rate_limited');
  const before = calls();
  // another container, same store
  const other = marketoRestClient(instance, { get: getText, now: () => now, timeoutMs: 2000, budget: storeBudget(kv, M, { dailyCalls: 200, now: () => now }) });
  expect(await codeOf(other.activityTypes())).toBe('rate_limited');
  expect(calls()).toEqual(before);
  now += 20_001;
  expect((await c.activityTypes()).length).toBe(SIMULATED_CATALOG.length);
});

test('607 (daily quota): no call until the quota resets at midnight CST; the usage says so', async () => {
  let now = Date.parse('2026-12-04T10:00:00Z');
  const { c, kv } = client({ now: () => now });
  rest.fail(M, '607');
  expect(await codeOf(c.activityTypes())).toBe('quota_reached');
  const before = calls();
  now = Date.parse('2026-12-05T05:59:00Z'); // 23:59 CST
  expect(await codeOf(c.activityTypes())).toBe('quota_reached');
  expect(calls()).toEqual(before);
  now = Date.parse('2026-12-05T06:00:01Z');
  expect((await c.activityTypes()).length).toBe(SIMULATED_CATALOG.length);
  const usage = JSON.parse((await kv.get(`${USAGE_PREFIX}${M}-20261204`)) as string);
  expect(usage).toMatchObject({ munchkinId: M, day: '20261204', quotaReached: 1, refused: 1, lastError: { code: '607' } });
});

test('the Marketo day starts at midnight CST (06:00 UTC)', () => {
  expect(marketoDay(Date.parse('2026-12-04T05:59:59Z'))).toBe('20261203');
  expect(marketoDay(Date.parse('2026-12-04T06:00:00Z'))).toBe('20261204');
  expect(new Date(nextMarketoDay(Date.parse('2026-12-04T10:00:00Z'))).toISOString()).toBe('2026-12-05T06:00:00.000Z');
});

test('the catalog keeps inside its own bounds: calls per 20 s, calls per day', async () => {
  let now = Date.parse('2026-12-04T12:00:00Z');
  const { c } = client({ now: () => now, dailyCalls: 15 });
  const before = calls();
  const codes: string[] = [];
  // the first answer costs two calls (token + types), then one each
  for (let i = 0; i < CALLS_PER_WINDOW + 2; i++) codes.push(await codeOf(c.activityTypes()));
  expect(codes.filter((x) => x === 'resolved')).toHaveLength(CALLS_PER_WINDOW - 1);
  expect(codes.slice(-3)).toEqual(['rate_budget', 'rate_budget', 'rate_budget']);
  now += 20_000;
  for (let i = 0; i < 10; i++) codes.push(await codeOf(c.activityTypes()));
  expect(codes.slice(-5)).toEqual(['daily_budget', 'daily_budget', 'daily_budget', 'daily_budget', 'daily_budget']);
  const made = calls();
  expect(made.identity + made.types - before.identity - before.types).toBe(15);
});

test('wrong client credentials: auth_failed, and the secret is in no message', async () => {
  const { c } = client({ inst: { ...instance, clientSecret: 'wrong-secret-value' } });
  const err = (await c.activityTypes().catch((e: unknown) => e)) as MarketoRestError;
  expect(err.code).toBe('auth_failed');
  expect(err.message).not.toContain('wrong-secret-value');
});

test('REST unreachable: unreachable, within the bound', async () => {
  const { c } = client({ inst: { ...instance, restEndpoint: 'http://127.0.0.1:1/rest', identityEndpoint: 'http://127.0.0.1:1/identity' } });
  expect(await codeOf(c.activityTypes())).toBe('unreachable');
  rest.fail(M, 'http500');
  expect(await codeOf(client().c.activityTypes())).toBe('unreachable');
});
