/**
 * JSON.parse that does not round integers. JavaScript numbers hold integers
 * exactly only up to 2^53 − 1; beyond that JSON.parse rounds them, so two
 * activityLogItemIds or leadIds 1 apart can become one number. Node 20 has no
 * source-text access in JSON.parse and no JSON.rawJSON, so an exact value cannot
 * stay a number that JSON.stringify writes back as sent: each integer literal
 * beyond that range is read as a string of its exact digits instead. Every other
 * value parses exactly as JSON.parse parses it.
 *
 * Cost: one regex test over the text (no run of 16 digits anywhere — the usual
 * body — and JSON.parse runs on the text untouched); otherwise one scan that
 * quotes the unsafe literals (outside strings), then JSON.parse.
 */

/**
 * Integers with fewer digits are always safe (2^53 − 1 = 9007199254740991 has 16).
 * Spelled out: V8 runs `\d{16}` ≈ 5× slower on a 340 KB push (0.37 vs 0.07 ms).
 */
const MAYBE_UNSAFE = /\d\d\d\d\d\d\d\d\d\d\d\d\d\d\d\d/;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** Start/end offsets of the integer literals outside strings that JSON.parse would round. */
export function unsafeIntegerLiterals(text: string): [number, number][] {
  const found: [number, number][] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // skip the string: to the next quote not escaped by an odd run of backslashes
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return found; // unterminated: JSON.parse will refuse it
        let b = q - 1;
        while (text.charCodeAt(b) === 0x5c) b--;
        j = q + 1;
        if ((q - 1 - b) % 2 === 0) break;
      }
      i = j;
    } else if (c === 0x2d || isDigit(c)) {
      const start = i;
      if (c === 0x2d) i++;
      const digits = i;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      const end = i;
      const next = text.charCodeAt(i);
      const integer = next !== 0x2e && next !== 0x65 && next !== 0x45; // no fraction, no exponent
      // a leading zero followed by digits is not JSON: leave it for JSON.parse to refuse
      const wellFormed = end - digits >= 1 && !(text.charCodeAt(digits) === 0x30 && end - digits > 1);
      // a number where a key belongs is not JSON either: quoted, it would become valid
      let k = end;
      while (k < n && (text[k] === ' ' || text[k] === '\n' || text[k] === '\r' || text[k] === '\t')) k++;
      const key = text.charCodeAt(k) === 0x3a;
      if (integer && wellFormed && !key && end - digits >= 16 && !Number.isSafeInteger(Number(text.slice(start, end)))) found.push([start, end]);
      // the rest of a number (fraction, exponent) holds no quote and no literal to find
      while (i < n && /[0-9.eE+-]/.test(text[i])) i++;
    } else {
      i++;
    }
  }
  return found;
}

/** How many literals parseLosslessJson turns into strings (each then serializes 2 bytes longer: its quotes). */
export const quotedIntegerCount = (text: string): number => (MAYBE_UNSAFE.test(text) ? unsafeIntegerLiterals(text).length : 0);

/** JSON.parse, with integers beyond ±(2^53 − 1) read as strings of their exact digits. Throws as JSON.parse does. */
export function parseLosslessJson(text: string): unknown {
  if (!MAYBE_UNSAFE.test(text)) return JSON.parse(text);
  const literals = unsafeIntegerLiterals(text);
  if (literals.length === 0) return JSON.parse(text);
  const parts: string[] = [];
  let at = 0;
  for (const [start, end] of literals) {
    parts.push(text.slice(at, start), '"', text.slice(start, end), '"');
    at = end;
  }
  parts.push(text.slice(at));
  return JSON.parse(parts.join(''));
}
