/**
 * Wildcard patterns (`*` = any run of characters, none included; the rest
 * literal; the whole value must match, case-insensitively) decided in time
 * linear in the value, with no backtracking search.
 *
 * The values are sender-controlled (an attribute of a form fill may be 1 MB of
 * anything), so no backtracking search may run over them: `^.*google.*cpc.*$`
 * took 14 s on 192 KB of `google`. A pattern is compiled once into its literal
 * pieces; a value matches when it starts with the first piece, ends with the
 * last, and the middle pieces occur in order, non-overlapping, in between.
 * Taking each middle piece at its leftmost occurrence after the previous one is
 * never worse than any other choice (it leaves the most room for the rest), so
 * one forward search per piece, each starting where the last one ended,
 * decides: no earlier piece is ever tried again. A pattern with no middle
 * piece (`X*`, `*.pdf`) reads only the value's ends.
 *
 * Each piece is one RegExp built from the piece alone, escaped: a sequence of
 * literal characters, no quantifier, class, group or alternation (every
 * syntax character is written `\c`, an IdentityEscape). Flags `i` without `u`:
 * ECMA-262 Canonicalize ( rer, ch ), the non-Unicode branch
 * (https://262.ecma-international.org/14.0/#sec-runtime-semantics-canonicalize-ch),
 * maps a code unit to one code unit (its `toUpperCase()` when that is one unit,
 * a non-ASCII unit never becoming ASCII: `ı`, `ſ`, `ß`, `İ` and the Kelvin sign
 * match only themselves), so a match is exactly
 * the piece's length and the value is neither folded nor copied. Why the search
 * is linear: the matcher CompileSubpattern builds for such an Alternative
 * (#sec-compilesubpattern) is a chain of CharacterSetMatchers
 * (#sec-runtime-semantics-charactersetmatcher-abstract-operation), each
 * consuming one unit or failing, with no choice point (no Disjunction, no
 * quantifier): from one start position it answers after at most m comparisons
 * (m = the piece's length). RegExpBuiltinExec (#sec-regexpbuiltinexec) tries
 * the start positions from `lastIndex` forward, each once. A middle piece's search
 * is therefore at most (value length) × m comparisons (V8's Irregexp skips most
 * start positions with a Boyer-Moore lookahead: about 0.3 ms per MB), and the
 * next piece starts where it ended. m comes from configuration, not the
 * sender: a middle piece is at most MAX_SEARCHED_PIECE units (refused at route
 * parse), which bounds the worst value (`g` × n against `gggg x ggg…`, the
 * prefix matching almost everywhere): bench/routing.ts, P8. The first and last
 * pieces are compared once, in place, at their fixed positions (`y`, sticky).
 */

/**
 * The longest piece between two `*`. Irregexp's worst case for such a piece
 * on 1 MB (`g` × n against `gggg` + `x` + `g`…: its quick check passes at every
 * position, then the piece is compared down to the `x`) costs about 0.15 ms per
 * unit of the piece on the bench machine at rest, up to 0.25 when it is loaded
 * (CPU ms, median: 12 units 2.0; 16: 2.5–4.4; 24: 3.5–6; 64: 12–15; 256: 23),
 * and the goal is ≤ 5 ms per decision at 1 MB (bench/routing.ts, P8). 24 units
 * hold what routes look for inside a value (`gclid=`, `utm_medium=cpc`, a
 * Notification's `"campaignId":1234567`, a host name's middle); the first and last pieces are
 * compared once at a fixed place, so they are not bounded.
 */
export const MAX_SEARCHED_PIECE = 24;

/** A RegExp source matching `piece` literally: every ECMA-262 SyntaxCharacter escaped (an IdentityEscape). */
const literalSource = (piece: string): string => piece.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');

/** The first piece between two `*` longer than MAX_SEARCHED_PIECE, if any. */
export function tooLongPiece(pattern: string): string | undefined {
  return pattern.split('*').slice(1, -1).find((p) => p.length > MAX_SEARCHED_PIECE);
}

/** A compiled pattern: does `value` match? */
export type WildcardMatcher = (value: string) => boolean;

export function compileWildcard(pattern: string): WildcardMatcher {
  const pieces = pattern.split('*');
  const head = new RegExp(literalSource(pieces[0]), 'iy');
  const tailLength = pieces[pieces.length - 1].length;
  const tail = new RegExp(literalSource(pieces[pieces.length - 1]), 'iy');
  /** does `re` (sticky) match at `at`? */
  const at = (re: RegExp, v: string, from: number): boolean => {
    re.lastIndex = from;
    return re.test(v);
  };
  if (pieces.length === 1) return (v) => v.length === tailLength && at(tail, v, 0);
  const middle = pieces.slice(1, -1).filter((p) => p !== '');
  const least = middle.reduce((n, p) => n + p.length, pieces[0].length + tailLength);
  const searches = middle.map((p) => new RegExp(literalSource(p), 'gi'));
  return (v) => {
    if (v.length < least || !at(head, v, 0) || !at(tail, v, v.length - tailLength)) return false;
    const end = v.length - tailLength;
    let from = pieces[0].length;
    for (const re of searches) {
      re.lastIndex = from;
      // a match is the piece's length (Canonicalize maps unit to unit), so lastIndex is where it ends
      if (!re.test(v) || re.lastIndex > end) return false;
      from = re.lastIndex;
    }
    return true;
  };
}
