/**
 * Wildcard patterns (`*` = any run of characters, none included; the rest
 * literal; the whole value must match, case-insensitively) decided in time
 * linear in the value, without a regular expression.
 *
 * The values are sender-controlled (an attribute of a form fill may be 1 MB of
 * anything), so no backtracking search may run over them: `^.*google.*cpc.*$`
 * took 14 s on 192 KB of `google`. A pattern is compiled once into its literal
 * pieces; a value matches when it starts with the first piece, ends with the
 * last, and the middle pieces occur in order, non-overlapping, in between.
 * Taking each middle piece at its leftmost occurrence after the previous one is
 * never worse than any other choice (it leaves the most room for the rest), so
 * one forward `indexOf` per piece decides: O(value length × pieces).
 *
 * Case-insensitivity is the one a RegExp with the `i` flag (and no `u`) had:
 * ECMA-262 "Canonicalize ( rer, ch )", the non-Unicode branch — per UTF-16 code
 * unit, the unit's `toUpperCase()` when that is a single unit, except that a
 * non-ASCII unit never becomes ASCII (`ı`, `ſ` and the Kelvin sign stay
 * themselves; `ß` → `SS` is two units, so `ß` stays `ß`). That mapping keeps the
 * length, so a value is folded once, whatever the number of patterns, and the
 * pieces are searched in the folded value.
 */

/** Canonical units of the code units met so far (0 = not computed yet; only U+0000 folds to U+0000). */
const canonical = new Uint16Array(0x10000);

function canonicalOf(unit: number): number {
  const upper = String.fromCharCode(unit).toUpperCase();
  const folded = upper.length !== 1 || (unit >= 128 && upper.charCodeAt(0) < 128) ? unit : upper.charCodeAt(0);
  canonical[unit] = folded;
  return folded;
}

const NON_ASCII = /[\u0080-\uffff]/;
/** A Uint16Array is in the machine's byte order; Buffer reads UTF-16 little-endian. */
const BIG_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;

/** `s` with every code unit canonicalized (same length as `s`). */
export function foldCase(s: string): string {
  // ASCII letters are the only ASCII units that change, and toUpperCase maps them exactly so
  if (!NON_ASCII.test(s)) return s.toUpperCase();
  const units = new Uint16Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    const known = canonical[unit];
    units[i] = known !== 0 || unit === 0 ? known : canonicalOf(unit);
  }
  // read back unit for unit: lone surrogates stay as they are (a TextDecoder would replace them)
  const bytes = Buffer.from(units.buffer, units.byteOffset, units.byteLength);
  return (BIG_ENDIAN ? bytes.swap16() : bytes).toString('utf16le');
}

/** A compiled pattern: does a value folded by `foldCase` match it? */
export type FoldedMatcher = (folded: string) => boolean;

export function compileWildcard(pattern: string): FoldedMatcher {
  const pieces = foldCase(pattern).split('*');
  const head = pieces[0];
  if (pieces.length === 1) return (v) => v === head;
  const tail = pieces[pieces.length - 1];
  const middle = pieces.slice(1, -1).filter((p) => p !== '');
  const least = middle.reduce((n, p) => n + p.length, head.length + tail.length);
  return (v) => {
    if (v.length < least || !v.startsWith(head) || !v.endsWith(tail)) return false;
    const end = v.length - tail.length;
    let at = head.length;
    for (const piece of middle) {
      const found = v.indexOf(piece, at);
      if (found < 0 || found + piece.length > end) return false;
      at = found + piece.length;
    }
    return true;
  };
}
