/**
 * The activity catalog end to end: the real lead-activity, refresh-catalog and
 * status actions, the local Marketo REST stand-in on loopback, the store in
 * memory, the invoker faked at the openwhisk boundary.
 */
import { main as leadActivity } from '../../actions/lead-activity/index';
import { main as refreshCatalog } from '../../actions/refresh-catalog/index';
import { legacyActivity, legacyPush } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { startMarketoRestStandIn, type MarketoRestStandIn } from '../../dev/traffic/marketo-rest';
import type { Envelope } from '../../src/envelope/envelope';
import { resetCatalogs } from '../../src/relay/catalog';
import { relayContext, setRelayOverrides } from '../../src/relay/context';
import { statusReport } from '../../src/status/status';
import { createMemoryKv } from '../../src/stores/memory-kv';
import { PUSH_TOKEN, RelayHarness } from '../support/relay-harness';

const M = '111-AAA-222';
const OTHER = '333-BBB-444';
const h = new RelayHarness();
const rng = seeded(15);
let rest: MarketoRestStandIn;
let now = Date.parse('2026-12-04T12:00:00Z');

beforeAll(async () => {
  rest = await startMarketoRestStandIn([{ munchkinId: M }, { munchkinId: OTHER }]);
  await h.start();
});
afterAll(async () => {
  await h.stop();
  await rest.close();
});
beforeEach(() => {
  // the relay's clock (and the store's TTLs): activities are recent, and tests move it past the refetch interval
  now = Date.parse('2026-12-04T12:00:00Z');
  h.reset({ kv: createMemoryKv(() => now) });
  resetCatalogs();
  setRelayOverrides({ invoker: h.invoker, kv: h.kv, now: () => now });
});

const creds = () => rest.envFor(M);
const push = (activities: Record<string, unknown>[], munchkinId = M) => ({
  headers: { 'content-type': 'application/json', authorization: `Bearer ${PUSH_TOKEN}` },
  body: JSON.stringify({ ...legacyPush(rng, 0, { munchkinId, time: new Date(now) }), activities }),
});
const activity = (typeId: number) => legacyActivity(rng, { typeId, time: new Date(now - 1000) });
const forwarded = (): Envelope[] => h.invoker.accepted.flatMap((i) => i.events);
const deliveryLines = () => h.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'delivery accepted');
const typesCalls = (m = M) => rest.calls.byMunchkin[m]?.types ?? 0;

test('a custom activity is named as the instance names it, its attributes keyed and typed, data left as sent', async () => {
  const a = activity(100001);
  const sent = structuredClone(a);
  const res = await h.call(leadActivity, push([a, activity(2)]), creds());
  expect(res.statusCode).toBe(200);
  const [custom, form] = forwarded();
  expect(custom).toMatchObject({ activityTypeId: 100001, activityType: 'Attended Booth', type: 'com.adobe.platform.marketo.activity.custom' });
  const attrs = sent.attributes as { name: string; value: string }[];
  expect(custom.attributes).toEqual({
    'Visited At': new Date(`${attrs[0].value.replace(' ', 'T')}Z`).toISOString(),
    'Badge Scanned': attrs[1].value === 'true',
    Minutes: Number(attrs[2].value),
    Product: attrs[3].value,
    'Booth ID': sent.primaryAttributeValueId,
  });
  expect(custom.primaryAttribute).toBe('Booth ID');
  expect(custom.data).toEqual(sent);
  // a standard type keeps its documented name; its attributes are typed too
  expect(form).toMatchObject({ activityType: 'Fill Out Form', primaryAttribute: 'Webform ID' });
  expect(form.attributes).toMatchObject({ 'Client IP Address': expect.any(String) });
  const line = deliveryLines().pop();
  expect(line?.catalog).toMatch(/^[A-Za-z0-9_-]{12}$/);
  // never a token or a secret in a log line
  expect(h.logs.text()).not.toContain(creds().MARKETO_CLIENT_SECRET);
  expect(h.logs.text()).not.toMatch(/:ab\b/);
});

test('the catalog is fetched once and then served from the store: no REST call per delivery', async () => {
  const before = typesCalls();
  for (let i = 0; i < 5; i++) await h.call(leadActivity, push([activity(100001), activity(100002)]), creds());
  expect(typesCalls() - before).toBe(1);
  expect(forwarded().filter((e) => e.activityTypeId === 100002).every((e) => e.activityType === 'Purchased Product')).toBe(true);
  // another container (nothing held in memory) reads the store, not REST
  resetCatalogs();
  await h.call(leadActivity, push([activity(100002)]), creds());
  expect(typesCalls() - before).toBe(1);
});

test('an unknown type id is fetched for once, then not again within MARKETO_CATALOG_REFETCH_MINUTES, across containers', async () => {
  // the scheduled refresh has stored the catalog
  await refreshCatalog({ ...h.inputs, ...creds() });
  await h.call(leadActivity, push([activity(100001)]), creds());
  const before = typesCalls();
  const unknown = () => activity(100003);
  await h.call(leadActivity, push([unknown()]), creds());
  expect(typesCalls() - before).toBe(1);
  for (let i = 0; i < 5; i++) {
    now += 60_000;
    resetCatalogs(); // a fresh container each time: the store's demand key still holds them back
    await h.call(leadActivity, push([unknown()]), creds());
  }
  expect(typesCalls() - before).toBe(1);
  // the instance adds the type: after the interval the next unknown id fetches it
  rest.instance(M).types = [...rest.instance(M).types, { id: 100003, name: 'Renewed Contract', primaryAttribute: { name: 'Contract ID', dataType: 'integer' }, attributes: [] }];
  now += 10 * 60_000;
  await h.call(leadActivity, push([unknown()]), creds());
  expect(typesCalls() - before).toBe(2);
  expect(forwarded().pop()).toMatchObject({ activityTypeId: 100003, activityType: 'Renewed Contract' });
  rest.instance(M).types = rest.instance(M).types.slice(0, -1);
});

test('REST down: nothing blocks, the activities are forwarded as normalized, the log line says catalog unavailable', async () => {
  const down = { ...creds(), MARKETO_REST_ENDPOINT: 'http://127.0.0.1:1/rest', MARKETO_IDENTITY_ENDPOINT: 'http://127.0.0.1:1/identity' };
  const a = activity(100001);
  const res = await h.call(leadActivity, push([a, activity(10)]), down);
  expect(res).toMatchObject({ statusCode: 200, body: { accepted: 2 } });
  const [custom, open] = forwarded();
  expect(custom.activityType).toBeUndefined();
  expect(custom.attributes).toBeUndefined();
  expect(open.activityType).toBe('Open Email');
  expect(deliveryLines().pop()).toMatchObject({ catalog: 'unavailable', catalogError: 'unreachable' });
});

test('a 607 answer (daily quota): forwarded without the catalog, and the budget blocks the next calls until the quota resets', async () => {
  rest.fail(M, '607');
  const res = await h.call(leadActivity, push([activity(100001)]), creds());
  expect(res.statusCode).toBe(200);
  expect(deliveryLines().pop()).toMatchObject({ catalog: 'unavailable', catalogError: 'quota_reached' });
  const before = rest.calls.byMunchkin[M].identity + typesCalls();
  now += 11 * 60_000;
  await h.call(leadActivity, push([activity(100001)]), creds());
  expect(rest.calls.byMunchkin[M].identity + typesCalls()).toBe(before);
  expect(deliveryLines().pop()).toMatchObject({ catalog: 'unavailable', catalogError: 'quota_reached' });
});

test('without credentials: the built-in table, no REST call, catalog unavailable on the delivery line (not on the events)', async () => {
  const before = rest.calls.identity + rest.calls.types;
  const res = await h.call(leadActivity, push([activity(100001), activity(2)]));
  expect(res.statusCode).toBe(200);
  const [custom, form] = forwarded();
  expect(custom).not.toHaveProperty('activityType');
  expect(custom).not.toHaveProperty('attributes');
  expect(form.activityType).toBe('Fill Out Form');
  expect(rest.calls.identity + rest.calls.types).toBe(before);
  expect(deliveryLines().pop()).toMatchObject({ catalog: 'unavailable' });
  expect(JSON.stringify(forwarded())).not.toContain('unavailable');
});

test('an instance without credentials in a multi-instance app goes without; the configured one gets its catalog', async () => {
  const instances = JSON.stringify(JSON.parse(rest.instancesJson()).filter((i: { munchkinId: string }) => i.munchkinId === OTHER));
  await h.call(leadActivity, push([activity(100002)], OTHER), { MARKETO_INSTANCES: instances });
  await h.call(leadActivity, push([activity(100002)], M), { MARKETO_INSTANCES: instances });
  const [theirs, ours] = forwarded();
  expect(theirs.activityType).toBe('Purchased Product');
  expect(ours.activityType).toBeUndefined();
});

test('routes match a custom activity by its name and by attribute values', async () => {
  const routes = JSON.stringify({
    routes: [
      { name: 'shop', match: { activityType: 'Purchased Product' }, action: 'crm/purchases' },
      { name: 'scanners', match: { 'attributes.Product': 'X* Scanner', 'attributes.Gift': 'false' }, action: 'crm/scanners' },
    ],
    default: 'crm/rest',
  });
  const bought = (product: string, gift: boolean) => {
    const a = activity(100002);
    a.primaryAttributeValue = product;
    (a.attributes as { name: string; value: string }[])[3].value = String(gift);
    return a;
  };
  await h.call(leadActivity, push([bought('X200 Scanner', false), bought('Z9 Tablet', false), bought('X300 Scanner', true), activity(10)]), { ...creds(), ROUTES: routes });
  const by = (route: string) => h.invoker.accepted.filter((i) => i.route === route).flatMap((i) => i.events.map((e) => e.attributes?.Product ?? e.activityType));
  expect(by('shop')).toEqual(['X200 Scanner', 'Z9 Tablet', 'X300 Scanner']);
  expect(by('scanners')).toEqual(['X200 Scanner']);
  expect(by('default')).toEqual(['Open Email']);
});

test('refresh-catalog stores every instance’s catalog; status reports its version and the REST calls it used', async () => {
  const out = (await refreshCatalog({ ...h.inputs, LOG_LEVEL: 'off', MARKETO_INSTANCES: rest.instancesJson() })) as { ok: boolean; instances: { munchkinId: string; version: string; types: number; changed: boolean }[] };
  expect(out.ok).toBe(true);
  expect(out.instances.map((i) => [i.munchkinId, i.types, i.changed])).toEqual([
    [M, 11, true],
    [OTHER, 11, true],
  ]);
  const c = relayContext({ ...h.inputs, LOG_LEVEL: 'off' }, 'status', { invokes: false });
  if (!c.ok) throw new Error('context');
  const report = await statusReport(() => c.ctx.stores(), {}, now);
  expect(report.catalog[M]).toMatchObject({ version: out.instances[0].version, types: 11, callsToday: 2, dailyBudget: 200, day: '20261204' });
  // without credentials the action says so and succeeds
  expect(await refreshCatalog({ ...h.inputs, LOG_LEVEL: 'off' })).toMatchObject({ ok: true, instances: [], note: expect.stringContaining('built-in') });
});

test('bad catalog settings: 500 config_invalid naming the setting, never the secret', async () => {
  const res = await h.call(leadActivity, push([activity(2)]), { MARKETO_INSTANCES: '[{"munchkinId":"nope","clientSecret":"s3cr3t-value"}]' });
  expect(res).toMatchObject({ statusCode: 500, body: { error: 'config_invalid' } });
  const errors = h.logs.lines.map((l) => JSON.parse(l) as { errors?: string[] }).find((l) => l.errors)?.errors ?? [];
  expect(errors).toEqual(expect.arrayContaining(['MARKETO_INSTANCES[0]: restEndpoint is missing', 'MARKETO_INSTANCES[0]: munchkinId "NOPE" is not of the form 111-AAA-222']));
  expect(h.logs.text()).not.toContain('s3cr3t-value');
});
