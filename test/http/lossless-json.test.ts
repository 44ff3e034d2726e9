import fc from 'fast-check';
import { main as leadActivity } from '../../actions/lead-activity/index';
import { payloadBound } from '../../src/delivery/param-size';
import { parseJsonDocument } from '../../src/http/request';
import { parseLosslessJson, quotedIntegerCount, unsafeIntegerLiterals } from '../../src/http/lossless-json';
import { normalizePushBatch, parsePushBatch } from '../../src/lead-push/batch';
import { deliveryMetaOf } from '../../src/io-events/receive';
import { PUSH_TOKEN, RelayHarness } from '../support/relay-harness';

const throwsOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as Error).name;
  }
};

describe('lossless JSON parse', () => {
  it('integers beyond 2^53 − 1 keep their exact digits (as strings); everything else is JSON.parse', () => {
    expect(parseLosslessJson('{"a":9007199254740993,"b":-12345678901234567890,"c":9007199254740991,"d":[18446744073709551616, 1]}')).toEqual({ a: '9007199254740993', b: '-12345678901234567890', c: 9007199254740991, d: ['18446744073709551616', 1] });
    // fractions and exponents are not integers: they stay numbers, as JSON.parse reads them
    expect(parseLosslessJson('[12345678901234567890.5, 12345678901234567890e2, 1.2345678901234567890E+30]')).toEqual([Number('12345678901234567890.5'), Number('12345678901234567890e2'), Number('1.2345678901234567890e30')]);
    // digits inside strings, also after escaped quotes, are left alone
    expect(parseLosslessJson('{"s":"12345678901234567890","t":"a\\\\","u":"q\\"12345678901234567890","n":12345678901234567891}')).toEqual({ s: '12345678901234567890', t: 'a\\', u: 'q"12345678901234567890', n: '12345678901234567891' });
  });
  it('what JSON.parse refuses stays refused (a number as a key, a leading zero, an unterminated string)', () => {
    for (const bad of ['{12345678901234567890:1}', '{12345678901234567890 :1}', '[012345678901234567890]', '[-012345678901234567890]', '["12345678901234567890', '[12345678901234567890', '[--12345678901234567890]']) {
      expect(throwsOf(() => parseLosslessJson(bad))).toBe('SyntaxError');
    }
  });
  it('agrees with JSON.parse on every JSON value that holds no unsafe integer', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        fc.pre(!holdsUnsafeInteger(v));
        expect(parseLosslessJson(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });
  it('on any text built from JSON tokens and big integers: refuses exactly what JSON.parse refuses, and otherwise finds every unsafe literal', () => {
    const token = fc.constantFrom('{', '}', '[', ']', ':', ',', ' ', '"k"', '"a\\"b"', '1', '-', '0', '12345678901234567890', '9007199254740993', '9007199254740991', '.5', 'e3', 'true', 'null');
    fc.assert(
      fc.property(fc.array(token, { maxLength: 14 }), (tokens) => {
        const text = tokens.join('');
        const strict = throwsOf(() => JSON.parse(text));
        expect(throwsOf(() => parseLosslessJson(text))).toBe(strict);
        if (!strict) expect(JSON.stringify(parseLosslessJson(text)).length).toBe(JSON.stringify(JSON.parse(text)).length + 2 * unsafeIntegerLiterals(text).length - roundingGrowth(text));
      }),
      { numRuns: 2000 },
    );
  });
  it('a body full of unsafe integers is still within the payload bound (each costs its two quotes)', () => {
    const raw = Buffer.from(`{"activities":[{"marketoGUID":"g","activityTypeId":1,"activityDate":"2026-03-02 10:20:42","v":[${Array(200).fill('12345678901234567890').join(',')}]}]}`);
    const doc = parseJsonDocument(raw);
    if (!doc.ok) throw new Error('did not parse');
    expect(quotedIntegerCount(doc.value.text)).toBe(200);
    const batch = parsePushBatch(doc.value.value);
    if (!batch.ok) throw new Error('not a batch');
    const [envelope] = normalizePushBatch(batch.value, deliveryMetaOf({}, 'lead-activity', 'legacy-push'), Date.now()).envelopes;
    expect(Buffer.byteLength(JSON.stringify(envelope.data))).toBeLessThanOrEqual(payloadBound({ bytes: raw.length, text: doc.value.text }).bound());
  });
});

const holdsUnsafeInteger = (v: unknown): boolean =>
  typeof v === 'number' ? Number.isInteger(v) && !Number.isSafeInteger(v) : typeof v === 'object' && v !== null && Object.values(v).some(holdsUnsafeInteger);

/** JSON.stringify of a rounded unsafe integer can differ in length from its text (9999999999999999 → 10000000000000000). */
function roundingGrowth(text: string): number {
  return unsafeIntegerLiterals(text).reduce((n, [s, e]) => n + (JSON.stringify(JSON.parse(text.slice(s, e))).length - (e - s)), 0);
}

describe('ids above 2^53 through the push', () => {
  const h = new RelayHarness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());
  beforeEach(() => h.reset());
  it('two activities whose activityLogItemIds JSON.parse would round to one number are two events, ids and leadId exact', async () => {
    // 2^53 and 2^53 + 1: JSON.parse reads both as 9007199254740992
    const body = `{"munchkinId":"111-AAA-222","activities":[
      {"activityLogItemId":9007199254740992,"leadId":12345678901234567891,"activityTypeId":2,"activityDate":"2026-03-02T10:14:58Z"},
      {"activityLogItemId":9007199254740993,"leadId":12345678901234567892,"activityTypeId":2,"activityDate":"2026-03-02T10:14:58Z"}]}`;
    const res = await h.call(leadActivity, { headers: { 'content-type': 'application/json', authorization: `Bearer ${PUSH_TOKEN}` }, body });
    expect(res.body).toMatchObject({ accepted: 2, forwarded: { 'lead-activity': 2 }, duplicates: 0 });
    const events = h.invoker.accepted.flatMap((i) => i.events);
    expect(events.map((e) => e.id).sort()).toEqual(['9007199254740992', '9007199254740993']);
    expect(events.map((e) => e.leadId).sort()).toEqual(['12345678901234567891', '12345678901234567892']);
    expect(events.map((e) => e.data.activityLogItemId).sort()).toEqual(['9007199254740992', '9007199254740993']);
  });
});
