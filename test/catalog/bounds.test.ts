/**
 * The activity catalog never makes an event unforwardable (issue 24, item 7): a
 * broken REST answer's absurd strings are refused when the catalog is read, and an
 * activity whose enrichment would not fit one invocation is forwarded as
 * normalized, the delivery's log line saying `unenriched`. The real lead-activity
 * action, the Marketo REST stand-in on loopback, the store in memory, the invoker
 * faked at the openwhisk boundary.
 */
import { main as leadActivity } from '../../actions/lead-activity/index';
import { legacyActivity, legacyPush } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { SIMULATED_CATALOG } from '../../dev/traffic/marketo-rest';
import type { Envelope } from '../../src/envelope/envelope';
import { CATALOG_BOUNDS, catalogFromRest, catalogKey, readCatalog } from '../../src/catalog/catalog';
import { resetCatalogs } from '../../src/relay/catalog';
import { setRelayOverrides } from '../../src/relay/context';
import { createMemoryKv } from '../../src/stores/memory-kv';
import { withMarketoStandIn } from '../support/marketo-stand-in';
import { PUSH_TOKEN, RelayHarness } from '../support/relay-harness';

const M = '111-AAA-222';
const h = new RelayHarness();
const rng = seeded(724);
const stand = withMarketoStandIn(h, [M], { LOG_LEVEL: 'info' });
const now = Date.parse('2026-12-04T12:00:00Z');
beforeEach(() => {
  h.reset({ kv: createMemoryKv(() => now) });
  resetCatalogs();
  setRelayOverrides({ invoker: h.invoker, kv: h.kv, now: () => now });
  stand.rest.instance(M).types = SIMULATED_CATALOG;
});

const push = (activities: Record<string, unknown>[]) => ({
  headers: { 'content-type': 'application/json', authorization: `Bearer ${PUSH_TOKEN}` },
  body: JSON.stringify({ ...legacyPush(rng, 0, { munchkinId: M, time: new Date(now) }), activities }),
});
const activity = (typeId: number) => legacyActivity(rng, { typeId, time: new Date(now - 1000) });
const forwarded = (): Envelope[] => h.invoker.accepted.flatMap((i) => i.events);
const lines = () => h.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
const deliveryLine = () => lines().filter((l) => l.msg === 'delivery accepted').pop();
/** an activity of `typeId` whose one attribute value is `bytes` long */
const large = (typeId: number, attribute: string, bytes: number) => ({ ...activity(typeId), attributes: [{ name: attribute, value: 'v'.repeat(bytes) }] });

test('a 600 KB type name from a broken REST answer is refused when read: a 450 KB activity of that type is forwarded, not quarantined', async () => {
  stand.rest.instance(M).types = [...SIMULATED_CATALOG, { id: 100005, name: 'N'.repeat(600_000), primaryAttribute: { name: 'Ref', dataType: 'string' }, attributes: [{ name: 'Note', dataType: 'string' }] }];
  const res = await h.call(leadActivity, push([large(100005, 'Note', 450_000), activity(100001)]), stand.rest.envFor(M));
  expect(res).toMatchObject({ statusCode: 200, body: { accepted: 2, quarantined: 0 } });
  const [big, booth] = forwarded();
  expect(big.activityTypeId).toBe(100005);
  // named as the push named it, as without the catalog
  expect(big.activityType).toBe('Custom 100005');
  expect(booth.activityType).toBe('Attended Booth');
  // one log line says what was refused and why, without the string itself
  const refused = lines().find((l) => l.msg === 'activity catalog entries refused');
  expect(refused).toMatchObject({ munchkinId: M, types: 1 });
  expect(h.logs.text()).not.toContain('N'.repeat(300));
  // the stored catalog holds only bounded strings
  expect((await h.kv.get(catalogKey(M)))!.length).toBeLessThan(50_000);
});

test('an activity whose enrichment would not fit one invocation is forwarded unenriched, and the log line says so', async () => {
  // 600 KB fits one invocation as sent; keyed again under `attributes` it would not
  const a = large(100001, 'Product', 600_000);
  const res = await h.call(leadActivity, push([a, activity(100001)]), stand.rest.envFor(M));
  expect(res).toMatchObject({ statusCode: 200, body: { accepted: 2, quarantined: 0 } });
  const [big, small] = forwarded();
  expect(big).not.toHaveProperty('attributes');
  expect(big).not.toHaveProperty('primaryAttribute');
  expect(big.activityType).toBeUndefined();
  expect(big.data).toEqual(a);
  // the other activity of the push keeps its enrichment
  expect(small).toMatchObject({ activityType: 'Attended Booth', primaryAttribute: 'Booth ID' });
  expect(deliveryLine()).toMatchObject({ catalog: expect.stringMatching(/^[A-Za-z0-9_-]{12}$/), unenriched: 1, forwarded: { 'lead-activity': 2 } });
});

describe('catalog strings are bounded when read', () => {
  const long = 'x'.repeat(CATALOG_BOUNDS.name + 1);
  const broken = [
    { id: 1, name: 'Visit Webpage', primaryAttribute: { name: long, dataType: 'integer' }, attributes: [{ name: 'Client IP Address', dataType: 'string' }, { name: long, dataType: 'string' }, { name: 'Odd', dataType: 'd'.repeat(CATALOG_BOUNDS.dataType + 1) }] },
    { id: 2, name: long, attributes: [] },
    { id: 3, name: 'Many', attributes: Array.from({ length: CATALOG_BOUNDS.attributes + 5 }, (_, i) => ({ name: `a${i}`, dataType: 'string' })) },
  ];

  it('from REST: a type with an absurd name is left out, an absurd attribute dropped, an absurd data type read as unknown', () => {
    const c = catalogFromRest(M, broken, now);
    expect(Object.keys(c.types)).toEqual(['1', '3']);
    expect(c.types['1']).toEqual({ name: 'Visit Webpage', attributes: [{ name: 'Client IP Address', dataType: 'string' }, { name: 'Odd', dataType: 'unknown' }] });
    expect(c.types['3'].attributes).toHaveLength(CATALOG_BOUNDS.attributes);
    expect(c.refused).toEqual({ types: 1, attributes: 7 });
  });

  it('from the store: a catalog written before the bounds is read with them', async () => {
    const kv = createMemoryKv(() => now);
    await kv.put(catalogKey(M), JSON.stringify({ munchkinId: M, version: 'v1', fetchedAt: new Date(now).toISOString(), types: Object.fromEntries(broken.map(({ id, ...t }) => [String(id), t])) }), 3600);
    const c = await readCatalog(kv, M);
    expect(Object.keys(c!.types)).toEqual(['1', '3']);
    expect(JSON.stringify(c).length).toBeLessThan(20_000);
  });
});
