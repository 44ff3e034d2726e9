/**
 * Runtime raw-http params → a plain request. Runtime gives `__ow_method`
 * (lower-case), `__ow_headers` (lower-case keys), `__ow_query` (the raw query
 * string; local tools pass an object) and `__ow_body` (base64 of the exact
 * bytes for JSON and binary types, a plain string for text types).
 */
import { isUtf8 } from 'node:buffer';
import { rejected, ok, stop, type Step } from '../outcome';

export interface RawRequest {
  method: string;
  headers: Record<string, string>;
  query: URLSearchParams;
  rawBody: Buffer;
}

export type RuntimeParams = Record<string, unknown>;

const TEXT_TYPE = /^text\/|^application\/(x-www-form-urlencoded|xml)/i;
const JSON_TYPE = /^application\/(cloudevents(-batch)?\+)?json\s*(;|$)/i;

/**
 * JSON, or a body whose sender named no type: Runtime hands a body sent without
 * a content type over as `application/octet-stream` (the controller's HTTP
 * library's default; see dev/runtime-params.ts), so that counts as unnamed too.
 */
export const isJsonContentType = (ct: string | undefined): boolean => ct === undefined || ct === '' || /^application\/octet-stream\s*(;|$)/i.test(ct) || JSON_TYPE.test(ct);

function headersOf(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v === 'string') out[k.toLowerCase()] = v;
      else if (Array.isArray(v)) out[k.toLowerCase()] = v.map(String).join(', ');
      else if (v !== undefined && v !== null) out[k.toLowerCase()] = String(v);
    }
  }
  return out;
}

function queryOf(value: unknown): URLSearchParams {
  if (typeof value === 'string') return new URLSearchParams(value.startsWith('?') ? value.slice(1) : value);
  const q = new URLSearchParams();
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined) q.append(k, String(v));
  }
  return q;
}

/**
 * Runtime base64-encodes every body that is not a text type. A text-typed body
 * (or one a local tool passed through) is the string itself.
 */
function bodyOf(value: unknown, contentType: string | undefined): Buffer {
  if (value === undefined || value === null || value === '') return Buffer.alloc(0);
  if (typeof value !== 'string') return Buffer.from(JSON.stringify(value), 'utf8');
  if (contentType && TEXT_TYPE.test(contentType)) return Buffer.from(value, 'utf8');
  // base64 never holds "{" or "[": a body that opens with one is the JSON text itself
  const first = value.trimStart()[0];
  if (first === '{' || first === '[' || value.length % 4 !== 0) return Buffer.from(value, 'utf8');
  return Buffer.from(value, 'base64');
}

/** Decodes the raw-http params; a body over `maxBodyBytes` is 413. */
export function decodeRequest(params: RuntimeParams, maxBodyBytes: number): Step<RawRequest> {
  const headers = headersOf(params.__ow_headers);
  const rawBody = bodyOf(params.__ow_body, headers['content-type']);
  if (rawBody.length > maxBodyBytes) {
    return stop(rejected(413, 'body_too_large', `request body is ${rawBody.length} bytes; the limit is ${maxBodyBytes}`));
  }
  const method = typeof params.__ow_method === 'string' ? params.__ow_method.toLowerCase() : 'get';
  return ok({ method, headers, query: queryOf(params.__ow_query), rawBody });
}

/** A parsed JSON body and the text it was parsed from. */
export interface JsonDocument {
  value: unknown;
  text: string;
}

/** Parses a JSON body already known to be within limits. BOM is tolerated, invalid UTF-8 is not. */
export function parseJsonDocument(rawBody: Buffer): Step<JsonDocument> {
  if (rawBody.length === 0) return stop(rejected(400, 'body_missing', 'the request has no body'));
  if (!isUtf8(rawBody)) return stop(rejected(400, 'body_not_utf8', 'the request body is not valid UTF-8'));
  const decoded = rawBody.toString('utf8');
  const text = decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
  try {
    return ok({ value: JSON.parse(text), text });
  } catch {
    return stop(rejected(400, 'body_not_json', 'the request body is not valid JSON'));
  }
}

export function parseJsonBody(rawBody: Buffer): Step<unknown> {
  const doc = parseJsonDocument(rawBody);
  return doc.ok ? ok(doc.value.value) : doc;
}
