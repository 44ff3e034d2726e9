/** Values converted by data type, the envelope completed, data untouched; route patterns on attributes. */
import { catalogFromRest } from '../../src/catalog/catalog';
import { convertValue, enrichActivity } from '../../src/catalog/enrich';
import { jsonBytesBound } from '../../src/delivery/param-size';
import { parseRoutes, routeEnvelopes } from '../../src/delivery/routes';
import { normalizeActivity } from '../../src/envelope/activity';
import type { Envelope } from '../../src/envelope/envelope';

describe('convertValue', () => {
  it.each([
    ['integer', '42', 42],
    ['integer', ' -7 ', -7],
    ['integer', 12, 12],
    ['integer', '12.5', '12.5'],
    ['integer', '99999999999999999', '99999999999999999'],
    ['float', '19.99', 19.99],
    ['float', '1e3', 1000],
    ['float', 'n/a', 'n/a'],
    ['currency', '5', 5],
    ['boolean', 'true', true],
    ['boolean', 'FALSE', false],
    ['boolean', 1, true],
    ['boolean', '0', false],
    ['boolean', 'yes', 'yes'],
    ['datetime', '2026-03-02T10:14:58Z', '2026-03-02T10:14:58.000Z'],
    ['datetime', '2026-03-02 10:14:58', '2026-03-02T10:14:58.000Z'],
    ['datetime', '2021-05-27T10:22:37.489-5:00', '2021-05-27T15:22:37.489Z'],
    ['datetime', 'tomorrow', 'tomorrow'],
    ['string', 17, '17'],
    ['text', 'long', 'long'],
    ['email', true, 'true'],
    ['object', 310, 310],
    ['date', '2026-03-02', '2026-03-02'],
    [undefined, { a: 1 }, { a: 1 }],
  ])('%s %j → %j', (type, value, expected) => {
    expect(convertValue(type, value)).toEqual(expected);
  });
  it('datetime without an offset is read in the configured zone', () => {
    expect(convertValue('datetime', '2026-07-01 10:00:00', 'America/Chicago')).toBe('2026-07-01T15:00:00.000Z');
  });
});

const catalog = catalogFromRest(
  '111-AAA-222',
  [
    { id: 2, name: 'Fill Out Form', primaryAttribute: { name: 'Webform ID', dataType: 'integer' }, attributes: [{ name: 'Webpage ID', dataType: 'integer' }, { name: 'Client IP Address', dataType: 'string' }] },
    { id: 100002, name: 'Purchased Product', primaryAttribute: { name: 'Product', dataType: 'string' }, attributes: [{ name: 'Quantity', dataType: 'integer' }, { name: '__proto__', dataType: 'boolean' }] },
    { id: 'x', name: 'no id' },
    { id: 5 },
  ],
  Date.parse('2026-12-04T00:00:00Z'),
);

const envelope = (activity: Record<string, unknown>): Envelope => {
  const n = normalizeActivity(activity, { transport: 'legacy-push', receivedAt: '2026-12-04T00:00:00.000Z', munchkinId: '111-AAA-222' });
  if (!n.ok) throw new Error(n.reason);
  return n.envelope;
};

describe('catalog', () => {
  it('keeps entries with an integer id and a name; its version is a digest of the types', () => {
    expect(Object.keys(catalog.types)).toEqual(['2', '100002']);
    expect(catalog.version).toMatch(/^[A-Za-z0-9_-]{12}$/);
    const again = catalogFromRest('111-AAA-222', [{ id: 100002, name: 'Purchased Product' }], 0);
    expect(again.version).not.toBe(catalog.version);
  });
  it('names a custom type, keys and types its attributes, names the primary attribute; data stays as sent', () => {
    const activity = { marketoGUID: 'g1', activityTypeId: 100002, activityDate: '2026-12-04T00:00:00Z', primaryAttributeValueId: 9, primaryAttributeValue: 'X200 Scanner', attributes: [{ name: 'Quantity', value: '3' }, { name: '__proto__', value: 'true' }, { name: 'Unknown', value: '5' }, 'junk', { value: 'nameless' }] };
    const sent = structuredClone(activity);
    const e = envelope(activity);
    enrichActivity(e, catalog.types['100002']);
    expect(e.activityType).toBe('Purchased Product');
    expect(Object.entries(e.attributes ?? {})).toEqual([
      ['Quantity', 3],
      ['__proto__', true],
      ['Unknown', '5'],
      ['Product', 'X200 Scanner'],
    ]);
    expect(Object.keys(e.attributes ?? {})).toEqual(['Quantity', '__proto__', 'Unknown', 'Product']);
    expect(e.primaryAttribute).toBe('Product');
    expect(e.data).toEqual(sent);
    expect(JSON.parse(JSON.stringify(e)).attributes).toEqual({ Quantity: 3, ['__proto__']: true, Unknown: '5', Product: 'X200 Scanner' });
  });
  it('a standard type keeps the name it came with; an integer primary attribute takes the value id', () => {
    const e = envelope({ marketoGUID: 'g2', activityTypeId: 2, activityType: 'Fill out form', primaryAttributeValueId: 77, primaryAttributeValue: 'Webinar Signup', attributes: [{ name: 'Webpage ID', dataType: 'object', value: 310 }] });
    enrichActivity(e, catalog.types['2']);
    expect(e.activityType).toBe('Fill out form');
    expect(e.attributes).toEqual({ 'Webpage ID': 310, 'Webform ID': 77 });
  });
});

describe('routes on attributes', () => {
  const table = (() => {
    const r = parseRoutes({ routes: [{ name: 'x', match: { 'attributes.product': 'X*', activityTypeId: 100002 }, action: 'a/x' }, { name: 'many', match: { 'attributes.Quantity': [3, '1*'] }, action: 'a/m' }] });
    if (!r.ok) throw new Error(r.errors.join());
    return r.value;
  })();
  const raw = { marketoGUID: 'g', activityTypeId: 100002, activityDate: '2026-12-04T00:00:00Z', primaryAttributeValue: 'X200', attributes: [{ name: 'Product', value: 'X200' }, { name: 'Quantity', value: '3' }] };
  it('match the catalog’s converted values, names case-insensitively', () => {
    const e = envelope(structuredClone(raw));
    enrichActivity(e, catalog.types['100002']);
    const routed = routeEnvelopes(table, [e]);
    expect([...routed.byRoute.keys()]).toEqual(['x', 'many']);
  });
  it('without the catalog, match the values as sent in the list', () => {
    const routed = routeEnvelopes(table, [envelope(structuredClone(raw))]);
    expect([...routed.byRoute.keys()]).toEqual(['x', 'many']);
  });
  it('an attribute that is absent matches nothing', () => {
    const routed = routeEnvelopes(table, [envelope({ ...raw, attributes: [] })]);
    expect(routed.unrouted).toHaveLength(1);
  });
  it('attributes. alone is refused, with the allowed fields named', () => {
    const r = parseRoutes({ routes: [{ name: 'x', match: { 'attributes.': 'X' }, action: 'a/x' }] });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors[0]).toContain('attributes.<attribute name>');
  });
});

describe('the attributes’ bytes, counted as they are built', () => {
  it('bound JSON.stringify(attributes), whatever the names and values', () => {
    const e = envelope({ marketoGUID: 'g3', activityTypeId: 100002, primaryAttributeValue: 'é"\\\u0001\ud800', attributes: [{ name: 'Quantity', value: '7' }, { name: 'Quantity', value: 'x'.repeat(100) }, { name: 'naïve "q"', value: { nested: [1, 2] } }, { name: '__proto__', value: '1' }] });
    enrichActivity(e, catalog.types['100002']);
    expect(jsonBytesBound(e.attributes)).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(e.attributes)));
  });
});
