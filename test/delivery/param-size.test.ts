/**
 * The invocation-size bound (src/delivery/param-size.ts) must never say "fits"
 * when the serialized events do not: checked against JSON.stringify over raw
 * bodies written the awkward ways (exponent numbers that grow when
 * re-serialized, 16+ digit integers that round up, escapes, non-ASCII,
 * whitespace), through the real parsers and normalizers of all three streams,
 * for random subsets of the events (what a route receives).
 */
import fc from 'fast-check';
import type { Envelope } from '../../src/envelope/envelope';
import { splitForParams } from '../../src/delivery/forward';
import { envelopeOverheadBound, jsonBytesBound, payloadBound, provenToFit } from '../../src/delivery/param-size';
import { parseJsonDocument } from '../../src/http/request';
import { deliveryMetaOf, eventsOfBody, normalizeElements } from '../../src/io-events/receive';
import { normalizePushBatch, parsePushBatch } from '../../src/lead-push/batch';

/** Number texts, many of which re-serialize longer than written. */
const numberText = fc.oneof(
  fc.constantFrom('1e20', '1E20', '9e+20', '1e-7', '5e300', '-1.2345678901234567e-300', '99999999999999999', '9999999999999999', '-0', '1.50', '0.0000001', '123'),
  fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 22 })).map(([m, e]) => `${m}e${e}`),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
);
const stringText = fc.oneof(
  fc.string().map((s) => JSON.stringify(s)),
  fc.constantFrom('"\\u00e9t\\u00e9"', '"caf\u00e9 \u2028 \ud83d\ude00"', '"\\ud800"', '"tab\\tquote\\"slash\\/"', '"1e5 in a string"'),
);
const ws = fc.constantFrom('', ' ', '\n  ');
const valueText: fc.Arbitrary<string> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, numberText, stringText, fc.constantFrom('true', 'null'), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }).map((xs) => `[${xs.join(',')}]`),
  object: fc.array(fc.tuple(fc.constantFrom('a', 'score', 'leadId', 'b\\u0062'), tie('value')), { maxLength: 4 }).map((kv) => `{${kv.map(([k, v]) => `"${k}":${v}`).join(',')}}`),
})).value as fc.Arbitrary<string>;

const activityText = fc.record({ guid: fc.oneof(fc.uuid().map((u) => JSON.stringify(u)), numberText), type: fc.constantFrom('1', '12', '"46"', '100001'), lead: fc.oneof(numberText, stringText), extra: valueText, w: ws }).map(
  (a) => `{${a.w}"marketoGUID":${a.guid},"activityTypeId":${a.type},"activityDate":"2026-03-02 10:20:42","leadId":${a.lead},"attributes":${a.extra}${a.w}}`,
);
const pushText = fc.tuple(fc.array(activityText, { minLength: 1, maxLength: 12 }), numberText).map(([acts, m]) => `{"munchkinId":${m},"messageId":"m-1","activities":[${acts.join(',')}]}`);

const ioText = fc
  .array(
    fc.record({ id: fc.uuid(), kind: fc.constantFrom('audit', 'notification', 'activity'), data: valueText, act: activityText }).map(({ id, kind, data, act }) =>
      kind === 'activity'
        ? `{"specversion":"1.0","type":"com.adobe.platform.marketo.activity.standard.lead.visit_webpage","source":"urn:mlm","id":"${id}","time":"2026-03-02T10:20:42Z","recipientclientid":"c","data":${act}}`
        : kind === 'audit'
          ? `{"eventid":"${id}","recipientclientid":"c","event":{"body":{"type":"com.adobe.platform.marketo.audit.user.login","source":"urn:mlm","time":"2026-03-02T10:20:42Z","data":{"munchkinId":"123-ABC-456","componentType":"User","eventAction":"Login","extra":${data}}}}}`
          : `{"eventid":"${id}","recipientclientid":"c","event":{"body":{"type":"com.adobe.platform.marketo.notification.campaign_abort","source":"urn:mlm","data":{"eventAction":${data},"subType":"abort"}}}}`,
    ),
    { minLength: 1, maxLength: 12 },
  )
  .map((events) => `[${events.join(',')}]`);

function received(raw: Buffer, kind: 'push' | 'io'): { envelopes: Envelope[]; bound: ReturnType<typeof payloadBound> } {
  const doc = parseJsonDocument(raw);
  if (!doc.ok) throw new Error('generated body did not parse');
  const bound = payloadBound({ bytes: raw.length, text: doc.value.text });
  if (kind === 'push') {
    const batch = parsePushBatch(doc.value.value);
    if (!batch.ok) throw new Error('not a batch');
    return { envelopes: normalizePushBatch(batch.value, deliveryMetaOf({}, 'lead-activity', 'legacy-push'), Date.now()).envelopes, bound };
  }
  const events = eventsOfBody(doc.value.value);
  if (!events.ok) throw new Error('not events');
  return { envelopes: normalizeElements(events.value, deliveryMetaOf({}, 'user-audit', 'io-events'), undefined, Date.now()).envelopes, bound };
}

const size = (events: unknown): number => Buffer.byteLength(JSON.stringify(events));

/** The payloads as parsed, before normalization (which completes activities in place): parsed again. */
function originalPayloads(raw: Buffer, kind: 'push' | 'io'): unknown[] {
  const body = JSON.parse(raw.toString('utf8')) as { activities: unknown[] } | Record<string, unknown>[];
  if (kind === 'push') return (body as { activities: unknown[] }).activities;
  return (body as Record<string, unknown>[]).map((e) => {
    const ev = e.event as { body?: { data?: unknown } } | undefined;
    return ev ? (ev.body?.data ?? {}) : e.data;
  });
}

describe('the invocation-size bound', () => {
  it.each([
    ['legacy push', 'push', pushText],
    ['I/O deliveries (audit, notification, activity)', 'io', ioText],
  ] as const)('never proves a fit that is not there: %s', (_, kind, bodies) => {
    fc.assert(
      fc.property(bodies, fc.array(fc.boolean(), { maxLength: 12 }), ws, (text, pick, pad) => {
        const { envelopes, bound } = received(Buffer.from(pad + text + pad), kind);
        const subset = envelopes.filter((_, i) => pick[i] ?? true);
        if (subset.length === 0) return;
        const actual = size(subset);
        // at its true size it may or may not be proven; one byte less must never be
        expect(provenToFit(subset, bound, actual - 1)).toBe(false);
      }),
      { numRuns: 400 },
    );
  });

  it.each([
    ['legacy push', 'push', pushText],
    ['I/O deliveries', 'io', ioText],
  ] as const)('each part holds on its own: Σ payloads ≤ the body bound, envelope − payload ≤ its overhead bound (%s)', (_, kind, bodies) => {
    fc.assert(
      fc.property(bodies, (text) => {
        const raw = Buffer.from(text);
        const originals = originalPayloads(raw, kind);
        const { envelopes, bound } = received(raw, kind);
        expect(envelopes).toHaveLength(originals.length);
        expect(originals.reduce((n: number, p) => n + size(p), 0)).toBeLessThanOrEqual(bound.bound());
        envelopes.forEach((e, i) => expect(size(e) - size(originals[i])).toBeLessThanOrEqual(envelopeOverheadBound(e)));
      }),
      { numRuns: 300 },
    );
  });

  it('16-digit integers that round up to one more digit are paid for', () => {
    const raw = Buffer.from(`{"activities":[{"marketoGUID":"g","activityTypeId":1,"activityDate":"2026-03-02 10:20:42","v":[${Array(200).fill('9999999999999999').join(',')}]}]}`);
    const [original] = originalPayloads(raw, 'push');
    expect(size(original)).toBeGreaterThan(raw.length); // each becomes 10000000000000000
    expect(received(raw, 'push').bound.bound()).toBeGreaterThanOrEqual(size(original));
  });

  it('exponent numbers that grow on re-serialization are paid for', () => {
    const raw = Buffer.from(`{"activities":[${Array.from({ length: 50 }, (_, i) => `{"marketoGUID":"g${i}","activityTypeId":1,"activityDate":"2026-03-02 10:20:42","v":[${Array(40).fill('1e20').join(',')}]}`).join(',')}]}`);
    const { envelopes, bound } = received(raw, 'push');
    const actual = size(envelopes);
    expect(actual).toBeGreaterThan(raw.length * 3); // each 1e20 becomes 21 characters
    expect(bound.bound()).toBeGreaterThan(actual - envelopes.reduce((n, e) => n + envelopeOverheadBound(e), 0));
    expect(provenToFit(envelopes, bound, actual - 1)).toBe(false);
  });

  it('a typical push is proven to fit without serializing, and the scan runs at most once', () => {
    const acts = Array.from({ length: 300 }, (_, i) => ({ marketoGUID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, activityTypeId: 1, activityDate: '2026-03-02 10:20:42', leadId: i, primaryAttributeValue: 'https://example.com/page' }));
    const raw = Buffer.from(JSON.stringify({ munchkinId: '123-ABC-456', activities: acts }));
    const { envelopes, bound } = received(raw, 'push');
    const scan = jest.spyOn(String.prototype, 'match');
    expect(provenToFit(envelopes, bound, 1_000_000)).toBe(true);
    expect(provenToFit(envelopes.slice(0, 10), bound, 1_000_000)).toBe(true);
    expect(scan).toHaveBeenCalledTimes(1);
    scan.mockRestore();
    expect(size(envelopes)).toBeLessThan(1_000_000);
  });

  it('a batch the strings\' lengths cannot prove is still proven by the tight bound', () => {
    const acts = Array.from({ length: 300 }, (_, i) => ({ marketoGUID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, activityTypeId: 1, activityDate: '2026-03-02 10:20:42', leadId: i }));
    const { envelopes, bound } = received(Buffer.from(JSON.stringify({ munchkinId: '123-ABC-456', activities: acts })), 'push');
    const tight = envelopes.length + 2 + envelopes.reduce((n, e) => n + envelopeOverheadBound(e), 0) + bound.bound();
    const loose = envelopes.length + 2 + envelopes.reduce((n, e) => n + envelopeOverheadBound(e, (v) => (typeof v === 'string' ? 2 + 6 * v.length : jsonBytesBound(v))), 0) + bound.bound();
    expect(loose).toBeGreaterThan(tight);
    expect(provenToFit(envelopes, bound, tight)).toBe(true);
    expect(provenToFit(envelopes, bound, tight - 1)).toBe(false);
    expect(size(envelopes)).toBeLessThanOrEqual(tight);
  });

  it('no scan when even the body length could not fit', () => {
    const { envelopes, bound } = received(Buffer.from(JSON.stringify({ activities: [{ marketoGUID: 'g', activityTypeId: 1, activityDate: '2026-03-02 10:20:42', pad: 'x'.repeat(5000) }] })), 'push');
    const scan = jest.spyOn(String.prototype, 'match');
    expect(provenToFit(envelopes, bound, 4000)).toBe(false);
    expect(scan).not.toHaveBeenCalled();
    scan.mockRestore();
  });

  it('jsonBytesBound covers escapes, non-ASCII and lone surrogates', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.double(), fc.integer(), fc.boolean(), fc.constant(null)), (v) => {
        expect(jsonBytesBound(v)).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(v)));
      }),
    );
    expect(jsonBytesBound('\ud800')).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify('\ud800')));
  });

  it('splitForParams with a bound: one invocation when proven, exact chunks within the limit otherwise', () => {
    const acts = (n: number, pad: number) => Array.from({ length: n }, (_, i) => ({ marketoGUID: `g-${i}`, activityTypeId: 1, activityDate: '2026-03-02 10:20:42', pad: 'x'.repeat(pad) }));
    const small = received(Buffer.from(JSON.stringify({ activities: acts(100, 100) })), 'push');
    expect(splitForParams('route', small.envelopes, 1_000_000, small.bound)).toHaveLength(1);
    const big = received(Buffer.from(JSON.stringify({ activities: acts(400, 4000) })), 'push');
    const chunks = splitForParams('route', big.envelopes, 1_000_000, big.bound);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flat()).toEqual(big.envelopes);
    for (const c of chunks) expect(Buffer.byteLength(JSON.stringify({ route: 'route', events: c }))).toBeLessThanOrEqual(1_000_000);
  });
});
