/**
 * Invocation parameters may not exceed Runtime's limit (1 MB), so forwarding
 * must know how large `{ route, events }` is before invoking. Serializing a
 * 500-activity batch only to measure it costs more than parsing it did (and
 * the openwhisk client serializes it again), so a delivery first tries a
 * sound upper bound computed without serializing:
 *
 *   JSON(envelope) ≤ JSON(payload as received) + 2 × JSON(top-level fields) + 64
 *
 * Each normalizer keeps the event's payload in `data` and adds to it only
 * fields whose values also stand at the top level (marketoGUID = id,
 * munchkinId, leadId), under keys at most 11 characters long — hence the 2×
 * and the constant. The activity catalog's fields (`attributes`,
 * `primaryAttribute`) are never copied into `data`: they count once. The payloads together were part of the request body, and
 * re-serializing parsed JSON never makes it longer except for numbers: an
 * exponent form (`1e20` → `100000000000000000000`, at most 24 characters
 * out) and integers of 16+ digits rounded up to one more digit — except that
 * integers beyond 2^53 are parsed as strings of their exact digits
 * (src/http/lossless-json.ts), two quotes longer each. So
 *
 *   Σ JSON(payloads) ≤ body bytes + 24 × (digit-e-digit runs) + 2 × (quoted integers) + body bytes / 16 + 1
 *
 * with the runs counted on the body text (one inside a string only adds slack).
 * When the bound says "fits", one invocation carries everything; otherwise
 * the events are measured one by one (`splitForParams`).
 */
import type { Envelope } from '../envelope/envelope';
import { quotedIntegerCount } from '../http/lossless-json';

/** The request body a batch of envelopes came from: its byte length and text. */
export interface PayloadSource {
  bytes: number;
  text: string;
}

/** An upper bound of Σ JSON.stringify(payload) bytes over any subset of a body's payloads. */
export interface PayloadBound {
  /** the body's length: every bound is at least this */
  readonly bytes: number;
  /** the bound (scans the text once, on first use) */
  bound(): number;
  /** the body's text (the poison screen scans its nesting depth) */
  readonly text?: string;
}

const EXPONENT = /\d[eE][-+]?\d/g;
// eslint-disable-next-line no-control-regex -- the characters JSON.stringify escapes
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

export function payloadBound(source: PayloadSource): PayloadBound {
  let bound: number | undefined;
  return {
    bytes: source.bytes,
    text: source.text,
    bound: () => (bound ??= source.bytes + 24 * (source.text.match(EXPONENT)?.length ?? 0) + 2 * quotedIntegerCount(source.text) + Math.floor(source.bytes / 16) + 1),
  };
}

/**
 * JSON bytes of a short string, in one pass over its characters (cheaper than a regex and a
 * byte count for the many short values envelopes carry): 6 for anything JSON.stringify may
 * escape (a quote, a backslash, a control character, a surrogate), else its UTF-8 length.
 */
function shortStringBound(v: string): number {
  let n = 2;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    n += c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff) ? 6 : c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
  }
  return n;
}

/** Bytes of JSON.stringify(v) or more, for the short values envelopes lift to the top level. */
export function jsonBytesBound(v: unknown): number {
  if (typeof v === 'string') return v.length <= 64 ? shortStringBound(v) : 2 + (ESCAPED.test(v) ? 6 * v.length : Buffer.byteLength(v));
  if (typeof v === 'number') return Number.isFinite(v) ? String(v).length : 4;
  if (typeof v === 'boolean' || v === null) return 5;
  if (v === undefined) return 0;
  if (typeof v === 'object' && !Array.isArray(v)) {
    // counted when it was built (the activity catalog's `attributes`)
    const known = SizedRecord.bytesOf(v);
    if (known !== undefined) return known;
    // another flat object: its keys and values, no serialization
    let n = 2;
    for (const k in v) {
      const x = (v as Record<string, unknown>)[k];
      if (x === undefined) continue;
      if (typeof x === 'object' && x !== null) return Buffer.byteLength(JSON.stringify(v) ?? '');
      n += jsonBytesBound(k) + 2 + jsonBytesBound(x);
    }
    return n;
  }
  return Buffer.byteLength(JSON.stringify(v) ?? '');
}

/**
 * A record that carries a bound of its own JSON bytes, for code that counts them as it
 * builds it (the activity catalog's `attributes`): the poison screen and each route's
 * forward then read it instead of scanning every value again. The bound is a private
 * field: no key, no JSON, nothing a consumer sees (a WeakMap would do the same, but
 * thousands of entries per push slow every young-generation collection down).
 * `seal(o, bytes)`: `bytes` bounds JSON.stringify(o), and `o` does not change after.
 */
export class SizedRecord {
  #jsonBytes: number | undefined;
  static seal(o: SizedRecord, bytes: number): void {
    o.#jsonBytes = bytes;
  }
  static bytesOf(o: object): number | undefined {
    return #jsonBytes in o ? (o as SizedRecord).#jsonBytes : undefined;
  }
}

/**
 * The top-level fields no normalizer copies into `data`: the activity catalog's
 * (src/catalog/enrich.ts) add their own bytes once, not twice.
 */
const NEVER_IN_DATA = new Set(['attributes', 'primaryAttribute']);

/**
 * Bytes of JSON.stringify(v) or more, for a string by its length alone (no JSON escape of a UTF-16
 * unit takes more than 6 bytes): looser than jsonBytesBound, but it reads no character, where
 * jsonBytesBound's loop over each short value runs interpreted in a cold container.
 */
const lengthBound = (v: unknown): number => (typeof v === 'string' ? 2 + 6 * v.length : jsonBytesBound(v));

/** Upper bound of JSON(envelope) − JSON(its payload as received); `valueBound` bounds each top-level value. */
export function envelopeOverheadBound(e: Envelope, valueBound: (v: unknown) => number = jsonBytesBound): number {
  let top = 0;
  let once = 0;
  for (const key in e) {
    if (key === 'data') continue;
    const v = (e as unknown as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (NEVER_IN_DATA.has(key)) once += key.length + 4 + valueBound(v);
    else top += key.length + 4 + valueBound(v);
  }
  return 2 * top + once + 64;
}

function fitsWith(events: readonly Envelope[], payloads: PayloadBound, limit: number, valueBound: (v: unknown) => number): boolean {
  let overhead = events.length + 2;
  for (const e of events) overhead += envelopeOverheadBound(e, valueBound);
  // the scan is skipped when even the body's own length could not fit
  return overhead + payloads.bytes <= limit && overhead + payloads.bound() <= limit;
}

/**
 * True when JSON.stringify(events) is proven to take at most `limit` bytes (false: measure them).
 * A delivery far below the limit (every I/O delivery: ≤ 20 events) is proven by its strings'
 * lengths alone; the tighter bound is computed only when that one does not suffice.
 */
export function provenToFit(events: readonly Envelope[], payloads: PayloadBound, limit: number): boolean {
  return fitsWith(events, payloads, limit, lengthBound) || fitsWith(events, payloads, limit, jsonBytesBound);
}
