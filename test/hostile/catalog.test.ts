/**
 * Hostile activity catalogs (issue 24, item 7): whatever a broken Marketo REST answer
 * holds — names of any length, hundreds of attributes, data types that are not strings
 * — and however large the activities, the catalog changes what a push's activities say,
 * never whether they are forwarded. Generated: the same push through the real
 * lead-activity action with the catalog (the Marketo REST stand-in serving the broken
 * answer) and without it must forward the same events and quarantine the same number.
 */
import fc from 'fast-check';
import { main as leadActivity } from '../../actions/lead-activity/index';
import { legacyActivity, legacyPush } from '../../dev/traffic/events';
import { SIMULATED_CATALOG } from '../../dev/traffic/marketo-rest';
import { seeded } from '../../dev/traffic/rng';
import { resetCatalogs } from '../../src/relay/catalog';
import { withMarketoStandIn } from '../support/marketo-stand-in';
import { PUSH_TOKEN, RelayHarness } from '../support/relay-harness';

const M = '111-AAA-222';
const BROKEN_TYPE = 100005;
const h = new RelayHarness();
const rng = seeded(7);
const stand = withMarketoStandIn(h, [M]);

const length = fc.constantFrom(0, 1, 40, 256, 5_000, 600_000);
const str = (n: number, c = 'n') => c.repeat(n);
const dataType = fc.oneof(fc.constantFrom('integer', 'string', 'datetime', 'boolean', 'float'), length.map((n) => str(n, 'd')), fc.constantFrom(null, 7, {}, []));
const attribute = fc.record({ name: length.map((n) => str(n, 'a')), dataType });
const brokenType = fc.record({
  name: length.map((n) => str(n)),
  primaryAttribute: fc.oneof(attribute, fc.constantFrom(null, 'Ref', 3)),
  attributes: fc.oneof(fc.array(attribute, { maxLength: 4 }), fc.constant(Array.from({ length: 600 }, (_, i) => ({ name: `a${i}`, dataType: 'string' }))), fc.constantFrom(null, 'x')),
});
/** the activities of one push: type, and the bytes of one attribute value (the body stays under 1 MB) */
const activities = fc.array(fc.record({ typeId: fc.constantFrom(BROKEN_TYPE, 100001), bytes: fc.constantFrom(0, 1_000, 300_000, 600_000) }), { minLength: 1, maxLength: 3 }).filter((as) => as.reduce((n, a) => n + a.bytes, 0) <= 900_000);

async function pushWith(inputs: Record<string, unknown>, body: string): Promise<{ status: number; forwarded: string[]; quarantined: unknown }> {
  h.reset();
  resetCatalogs();
  const res = await h.call(leadActivity, { headers: { 'content-type': 'application/json', authorization: `Bearer ${PUSH_TOKEN}` }, body }, inputs);
  return { status: res.statusCode, forwarded: h.forwardedIds().sort(), quarantined: res.body.quarantined };
}

test('a broken catalog answer never changes which activities are forwarded', async () => {
  await fc.assert(
    fc.asyncProperty(brokenType, activities, async (type, list) => {
      stand.rest.instance(M).types = [...SIMULATED_CATALOG, { id: BROKEN_TYPE, ...type }];
      const acts = list.map(({ typeId, bytes }) => {
        const a = legacyActivity(rng, { typeId, time: new Date() });
        return { ...a, attributes: [...(a.attributes as unknown[]), { name: 'a1', value: str(bytes, 'v') }] };
      });
      const body = JSON.stringify({ ...legacyPush(rng, 0, { munchkinId: M }), activities: acts });
      const without = await pushWith({}, body);
      const withCatalog = await pushWith(stand.rest.envFor(M), body);
      expect(without.status).toBe(200);
      expect(withCatalog).toEqual(without);
    }),
    { numRuns: 30, seed: 24 },
  );
  stand.rest.instance(M).types = SIMULATED_CATALOG;
});
