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
 * one forward `indexOf` per piece, each starting where the last one ended,
 * decides: no earlier piece is ever tried again, O(value length × pattern
 * length) at worst. A pattern with no middle piece (`X*`, `*.pdf`) reads only
 * the value's ends.
 *
 * Case-insensitivity is the one a RegExp with the `i` flag (and no `u`) had:
 * ECMA-262 "Canonicalize ( rer, ch )", the non-Unicode branch — per UTF-16 code
 * unit, the unit's `toUpperCase()` when that is a single unit, except that a
 * non-ASCII unit never becomes ASCII (`ı` and `ſ` stay themselves rather than
 * `I` and `S`; `ß` → `SS` is two units, so `ß` stays `ß`; `İ` matches only
 * itself). test/delivery/wildcard.test.ts checks every code unit against the
 * engine's RegExp. The mapping keeps the length, so a value is folded once per
 * event, whatever the number of patterns, and the pieces are searched in it.
 */

/** Canonical units of the non-ASCII code units met so far (0 = not computed yet). */
const canonical = new Uint16Array(0x10000);

function canonicalOf(unit: number): number {
  const upper = String.fromCharCode(unit).toUpperCase();
  const folded = upper.length !== 1 || (unit >= 128 && upper.charCodeAt(0) < 128) ? unit : upper.charCodeAt(0);
  canonical[unit] = folded;
  return folded;
}

/** One code unit folded: ASCII letters to upper case, every other ASCII unit as it is, the rest as computed once. */
function foldUnit(unit: number): number {
  if (unit < 128) return unit >= 0x61 && unit <= 0x7a ? unit - 0x20 : unit;
  const known = canonical[unit];
  return known !== 0 ? known : canonicalOf(unit);
}

/**
 * Where a whole-string `toUpperCase()` (native, fast for Latin-1) is not the
 * fold: any unit beyond Latin-1, and `ß` (→ `SS`). Every other Latin-1 unit
 * upper-cases to one unit, never an ASCII one from a non-ASCII one.
 */
const NOT_LATIN1_FOLD = /[\u00df\u0100-\uffff]/;
/** A Uint16Array is in the machine's byte order; Buffer writes and reads UTF-16 little-endian. */
const BIG_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;

/** `s` with every code unit canonicalized (same length as `s`). */
export function foldCase(s: string): string {
  if (!NOT_LATIN1_FOLD.test(s)) return s.toUpperCase();
  // the units copied out and back as they are (lone surrogates too, which a TextDecoder would replace)
  const bytes = Buffer.allocUnsafeSlow(s.length * 2);
  bytes.write(s, 'utf16le');
  if (BIG_ENDIAN) bytes.swap16();
  const units = new Uint16Array(bytes.buffer, bytes.byteOffset, s.length);
  for (let i = 0; i < units.length; i++) units[i] = foldUnit(units[i]);
  if (BIG_ENDIAN) bytes.swap16();
  return bytes.toString('utf16le');
}

/** Does `v` from `at` on fold to the folded `piece`? (no copy of `v`) */
function foldsTo(v: string, at: number, piece: string): boolean {
  for (let i = 0; i < piece.length; i++) if (foldUnit(v.charCodeAt(at + i)) !== piece.charCodeAt(i)) return false;
  return true;
}

/** Where a matcher takes `foldCase(value)` from: the caller may keep it for other patterns. */
export interface Folder {
  folded(value: string): string;
}

/**
 * A compiled pattern: does `value` match? The value's fold is asked for only
 * when pieces must be searched between the ends, which are compared unit by
 * unit in place.
 */
export type WildcardMatcher = (value: string, folder: Folder) => boolean;

export function compileWildcard(pattern: string): WildcardMatcher {
  // `*` is ASCII and no other unit folds to it, so the folded pattern splits where the pattern does
  const pieces = foldCase(pattern).split('*');
  const written = pattern.split('*');
  const head = pieces[0];
  const tail = pieces[pieces.length - 1];
  // the ends as written, when the value has them so, need no folding (the usual case: `com.adobe.*`)
  const hasHead = (v: string): boolean => v.startsWith(written[0]) || foldsTo(v, 0, head);
  const hasTail = (v: string): boolean => v.endsWith(written[written.length - 1]) || foldsTo(v, v.length - tail.length, tail);
  if (pieces.length === 1) return (v) => v.length === head.length && hasHead(v);
  const middle = pieces.slice(1, -1).filter((p) => p !== '');
  const least = middle.reduce((n, p) => n + p.length, head.length + tail.length);
  return (v, folder) => {
    if (v.length < least || !hasHead(v) || !hasTail(v)) return false;
    if (middle.length === 0) return true;
    const f = folder.folded(v);
    const end = f.length - tail.length;
    let at = head.length;
    for (const piece of middle) {
      const found = f.indexOf(piece, at);
      if (found < 0 || found + piece.length > end) return false;
      at = found + piece.length;
    }
    return true;
  };
}
