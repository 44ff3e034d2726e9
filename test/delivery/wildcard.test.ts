/**
 * Wildcard routes over sender-controlled values (issue 24 item 1): the same
 * answers as the backtracking RegExp they replace, decided by literal pieces.
 */
import fc from 'fast-check';
import type { Envelope } from '../../src/envelope/envelope';
import { parseRoutes, routeEnvelopes, type RouteTable } from '../../src/delivery/routes';
import { compileWildcard, MAX_SEARCHED_PIECE } from '../../src/delivery/wildcard';
import { testEnvelope } from '../support/envelope';

const table = (routes: unknown[]): RouteTable => {
  const r = parseRoutes({ routes, default: 'p/rest' });
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.value;
};
const routed = (t: RouteTable, e: Envelope): string[] => [...routeEnvelopes(t, [e]).byRoute.keys()];
const hex = (unit: number): string => unit.toString(16).padStart(4, '0');

/** One code unit against another the way a RegExp with the `i` flag compares them: the engine itself is the oracle. */
const sameUnitCache = new Map<string, boolean>();
function sameUnit(a: string, b: string): boolean {
  const key = `${a}\u0000${b}`;
  let same = sameUnitCache.get(key);
  if (same === undefined) sameUnitCache.set(key, (same = new RegExp(`^\\u${hex(a.charCodeAt(0))}$`, 'i').test(b)));
  return same;
}

/** The reference: whole-value wildcard matching by dynamic programming over code units, written plainly. */
function reference(pattern: string, value: string): boolean {
  // row[j]: pattern[0..i) matches value[0..j)
  let row = Array.from({ length: value.length + 1 }, (_, j) => j === 0);
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    const next = new Array<boolean>(value.length + 1).fill(false);
    for (let j = 0; j <= value.length; j++) {
      if (p === '*') next[j] = row[j] || (j > 0 && next[j - 1]);
      else if (j > 0) next[j] = row[j - 1] && sameUnit(p, value[j - 1]);
    }
    row = next;
  }
  return row[value.length];
}

/** What routing compiled a wildcard pattern to before issue 24 (kept here only to compare answers with). */
const formerRegExp = (pattern: string): RegExp => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'is');

/**
 * Case pairs and their traps, as single code units: dotted and dotless i, sharp s and long s,
 * the Kelvin sign, a titlecase digraph, final sigma, accents, and the two halves of a
 * surrogate pair (𐐨 U+10428 = D801 DC28, its capital 𐐀 = D801 DC00) plus a lone one,
 * and RegExp syntax characters (a piece is a RegExp of its escaped self).
 */
const UNITS = ['a', 'b', 'A', 'B', '.', '\n', '\\', '(', '[', '{', '$', '?', '|', 'i', 'I', 'İ', 'ı', 'ß', 's', 'S', 'ſ', 'K', 'k', '\u212a', 'ǅ', 'ǆ', 'Ǆ', 'σ', 'ς', 'Σ', 'é', 'É', '\ud801', '\udc28', '\udc00'];
/** ECMA-262 SyntaxCharacter */
const SYNTAX = new Set('^$\\.*+?()[]{}|');
/** Is `source` a RegExp of literal characters only: every syntax character escaped, and no other escape (no \d, \b, \w…)? */
function escapedLiteral(source: string): boolean {
  for (let i = 0; i < source.length; i++) {
    if (source[i] === '\\') {
      if (!SYNTAX.has(source[++i])) return false;
    } else if (SYNTAX.has(source[i])) return false;
  }
  return true;
}
const unitsOf = (extra: string[], max: number) => fc.array(fc.constantFrom(...UNITS, ...extra), { maxLength: max }).map((u) => u.join(''));
/** a pattern with at least one `*` (one without is compared as a whole string, see routes.test.ts) */
const wildcardPattern = fc.tuple(unitsOf(['*', '*'], 8), unitsOf(['*'], 4)).map(([a, b]) => `${a}*${b}`);

describe('wildcard patterns', () => {
  it('decide as the reference matcher and as the former RegExp (random patterns and values, Unicode case traps included)', () => {
    fc.assert(
      fc.property(wildcardPattern, unitsOf(['*'], 14), (pattern, value) => {
        const t = table([{ name: 'r', match: { componentType: pattern }, action: 'p/r' }]);
        const matched = routed(t, testEnvelope('x', { componentType: value })).includes('r');
        expect(matched).toBe(reference(pattern, value));
        expect(matched).toBe(formerRegExp(pattern).test(value));
      }),
      { numRuns: 3000, seed: 24 },
    );
  });
  it('decide the same for values built from the pattern itself (matches are not only the rare accident of random values)', () => {
    fc.assert(
      fc.property(wildcardPattern, fc.array(unitsOf([], 3), { minLength: 8, maxLength: 8 }), fc.nat(3), (pattern, fills, edit) => {
        let k = 0;
        const filled = pattern.replace(/\*/g, () => fills[k++ % fills.length]);
        // flip the case of one unit, or drop one
        const value = edit === 0 ? filled : edit === 1 ? filled.toUpperCase() : edit === 2 ? filled.toLowerCase() : filled.slice(1);
        const matches = compileWildcard(pattern)(value);
        expect(matches).toBe(reference(pattern, value));
        expect(matches).toBe(formerRegExp(pattern).test(value));
      }),
      { numRuns: 3000, seed: 2424 },
    );
  });
  it('lower-casing never shortens a code point, so an exact pattern need not lower-case a longer value', () => {
    const shorter: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      const c = String.fromCodePoint(cp);
      if (c.toLowerCase().length < c.length) shorter.push(cp.toString(16));
    }
    expect(shorter).toEqual([]);
    const t = table([{ name: 'r', match: { componentType: 'i̇x' }, action: 'p/r' }]);
    expect(routed(t, testEnvelope('x', { componentType: 'İX' }))).toEqual(['r']);
  });
  it('compare code unit with code unit, so a piece is found where it is and only with its own length (İ, ß, ſ, astral letters)', () => {
    const t = table([
      { name: 'r', match: { componentType: '*istanbul*' }, action: 'p/r' },
      { name: 's', match: { componentType: 'x*STRASSE*𐐀' }, action: 'p/s' },
    ]);
    expect(routed(t, testEnvelope('x', { componentType: 'İstanbul' }))).toEqual(['default']);
    expect(routed(t, testEnvelope('x', { componentType: 'ISTANBUL' }))).toEqual(['r']);
    expect(routed(t, testEnvelope('x', { componentType: 'x straße 𐐨' }))).toEqual(['default']);
    expect(routed(t, testEnvelope('x', { componentType: 'x ſtrasse 𐐨' }))).toEqual(['default']);
    // an astral letter is two surrogate units, which have no case: 𐐨 is not 𐐀 (as with the former RegExp, no `u` flag)
    expect(routed(t, testEnvelope('x', { componentType: 'X strasse 𐐨' }))).toEqual(['default']);
    expect(routed(t, testEnvelope('x', { componentType: 'X strasse 𐐀' }))).toEqual(['s']);
  });
  it(`refuse at route parse a piece between two * longer than ${MAX_SEARCHED_PIECE} units (the search's worst case grows with it), not the ends`, () => {
    const parsed = (pattern: string) => parseRoutes({ routes: [{ name: 'r', match: { 'attributes.Referrer URL': ['*cpc*', pattern] }, action: 'p/r' }] });
    const long = `a*${'gclid='.repeat(4)}x*b`;
    expect(parsed(long)).toEqual({
      ok: false,
      errors: [`route 0 ("r"): match.attributes.Referrer URL has a piece between two * of 25 characters ("gclid=gclid=gclid=gclid=x"); at most ${MAX_SEARCHED_PIECE}, as it is searched for in the whole value`],
    });
    expect(parsed(`*${'g'.repeat(MAX_SEARCHED_PIECE)}*`).ok).toBe(true);
    expect(parsed(`https://www.example.com/${'p'.repeat(300)}*${'q'.repeat(300)}`).ok).toBe(true);
    expect(parsed('x'.repeat(1000)).ok).toBe(true);
  });
  it('match numbers and booleans by their text, and a value present only', () => {
    const t = table([
      { name: 'n', match: { 'attributes.Minutes': '3*' }, action: 'p/n' },
      { name: 'b', match: { 'attributes.Badge Scanned': 'T*E' }, action: 'p/b' },
    ]);
    const e = (attributes: Record<string, unknown>) => testEnvelope('x', { stream: 'lead-activity', attributes: attributes as Envelope['attributes'] });
    expect(routed(t, e({ Minutes: 39.5, 'Badge Scanned': true }))).toEqual(['n', 'b']);
    expect(routed(t, e({ Minutes: 4, 'Badge Scanned': false }))).toEqual(['default']);
    expect(routed(t, e({ Minutes: null }))).toEqual(['default']);
  });
});

describe('a sender-controlled value of 1 MB', () => {
  const google = 'google'.repeat(1024 * 1024 / 6);
  const routes = [
    { name: 'paid', match: { 'attributes.Referrer URL': '*google*cpc*' }, action: 'p/paid' },
    { name: 'campaign', match: { 'attributes.Referrer URL': ['*utm_medium=cpc*utm_campaign=*', 'https://*.google.*/*'] }, action: 'p/campaign' },
    { name: 'landing', match: { 'attributes.Referrer URL': 'https://www.example.com/*' }, action: 'p/landing' },
    { name: 'exact', match: { 'attributes.Referrer URL': 'https://www.example.com/' }, action: 'p/exact' },
  ];
  const formFill = (referrer: string): Envelope => testEnvelope('x', { stream: 'lead-activity', activityTypeId: 2, data: { attributes: [{ name: 'Referrer URL', value: referrer }] } });

  it('builds RegExps only of escaped literal pieces, never the former ^.*google.*cpc.*$ (it backtracked for 14 s on 192 KB)', () => {
    const built = jest.spyOn(globalThis, 'RegExp');
    let answers: string[][];
    let sources: string[];
    try {
      const t = table(routes);
      answers = [google, `${google}cpc`, `https://www.google.com/${google}`].map((v) => routed(t, formFill(v)));
    } finally {
      sources = built.mock.calls.map((c) => String(c[0]));
      built.mockRestore();
    }
    expect(answers).toEqual([['default'], ['paid'], ['campaign']]);
    expect(sources).not.toContain('^.*google.*cpc.*$');
    expect(sources.filter((source) => !escapedLiteral(source))).toEqual([]);
    // the spy sees the pieces' RegExps (so the checks above are not vacuous)
    expect(sources).toEqual(expect.arrayContaining(['google', 'cpc', 'utm_medium=cpc', 'utm_campaign=', 'https://www\\.example\\.com/']));
  });
  it('is neither copied, case-folded nor lower-cased for the wildcard routes, nor for an exact pattern it is longer than', () => {
    const t = table(routes);
    // the prototype string primitives use here (jest's global String may be another realm's)
    const strings = Object.getPrototypeOf('') as typeof String.prototype;
    const upper = jest.spyOn(strings, 'toUpperCase');
    const lower = jest.spyOn(strings, 'toLowerCase');
    const slice = jest.spyOn(strings, 'slice');
    const substring = jest.spyOn(strings, 'substring');
    const ofTheValue = (spy: jest.SpyInstance) => spy.mock.contexts.filter((s) => String(s).length === google.length).length;
    let folds: number[];
    try {
      expect(routed(t, formFill(google))).toEqual(['default']);
    } finally {
      folds = [upper, lower, slice, substring].map(ofTheValue);
      [upper, lower, slice, substring].forEach((spy) => spy.mockRestore());
    }
    expect(folds).toEqual([0, 0, 0, 0]);
  });
});
