/**
 * The params a web action gets from the OpenWhisk controller, built as
 * apache/openwhisk core/controller/src/main/scala/org/apache/openwhisk/core/controller/WebActions.scala
 * builds them (commit 7538ced3e42b8876d38d5419b72e82444e8d272a: `Context.toActionArgument`,
 * `metadata`, `extractEntityAndProcessRequest`, `contentTypeFromEntity`, `processRequest`).
 * The local server and the tests build params here.
 *
 * Both kinds get `__ow_method` (lower case), `__ow_headers` and `__ow_path`.
 * Headers: lower-case names, the last of duplicate headers wins (a map built
 * from the header list); `content-length` and `transfer-encoding` are not
 * headers but part of the entity; `content-type` is re-rendered from the
 * entity: `application/json` keeps no charset (its charset is fixed), a known
 * charset is spelled canonically (`text/plain; charset=UTF-8`), a body sent
 * without one is `application/octet-stream`, an empty body without one has none.
 *
 * - `web: raw` (`raw-http`): `__ow_query` is the query string and `__ow_body`
 *   the body: base64 for `application/json` ("for legacy") and binary types,
 *   the text itself otherwise, "" when empty.
 * - `web: yes`: query parameters become params (strings), then a JSON-object
 *   body's fields or a form's fields (the body wins); any other body is
 *   `__ow_body` (a non-object JSON value as is, binary as base64, text as text);
 *   no `__ow_query`. A query or body that names a reserved `__ow_*` param or,
 *   on a `final` action, one of its inputs is refused 400, as is a JSON body
 *   that does not parse.
 */
export type WebKind = 'raw' | 'yes';

export interface HttpLike {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  /** as node's IncomingMessage.rawHeaders (name, value, name, value…): the header list in order, duplicates kept */
  rawHeaders?: string[];
  /** the raw query string without "?" */
  query: string;
  body: Buffer;
  path?: string;
}

export interface WebActionDef {
  web: WebKind;
  /** the `final` annotation: inputs cannot be overridden by the request */
  final?: boolean;
}

export type ParamsResult = { ok: true; params: Record<string, unknown> } | { ok: false; status: 400; error: string };

/** The controller's own wording (apache/openwhisk common/scala/.../http/ErrorResponse.scala). */
export const PARAMETERS_NOT_ALLOWED = 'Request defines parameters that are not allowed (e.g., reserved properties).';
const RESERVED = new Set(['__ow_method', '__ow_headers', '__ow_path', '__ow_user', '__ow_query', '__ow_body']);
/** headers that are part of the entity, not of the header list */
const ENTITY_HEADERS = new Set(['content-type', 'content-length', 'transfer-encoding']);

interface MediaType {
  type: string;
  params: [string, string][];
}

function parseMediaType(value: string): MediaType {
  const [type, ...rest] = value.split(';');
  const params = rest
    .map((p) => p.split('=').map((s) => s.trim()))
    .filter((p) => p[0])
    .map(([k, v = '']) => [k.toLowerCase(), v.replace(/^"(.*)"$/, '$1')] as [string, string]);
  return { type: type.trim().toLowerCase(), params };
}

const CANONICAL_CHARSETS: Record<string, string> = { 'utf-8': 'UTF-8', utf8: 'UTF-8', 'us-ascii': 'US-ASCII', 'iso-8859-1': 'ISO-8859-1', 'utf-16': 'UTF-16' };

/** The content type as the controller renders it back into `__ow_headers`. */
export function renderContentType(value: string | undefined, bodyLength: number): string | undefined {
  if (value === undefined || value.trim() === '') return bodyLength > 0 ? 'application/octet-stream' : undefined;
  const mt = parseMediaType(value);
  if (mt.type === 'application/json') return 'application/json';
  return [mt.type, ...mt.params.map(([k, v]) => `${k}=${k === 'charset' ? (CANONICAL_CHARSETS[v.toLowerCase()] ?? v) : v}`)].join('; ');
}

const isJsonFamily = (type: string): boolean => type === 'application/json' || type.endsWith('+json');
/** Media types the controller's HTTP library treats as text; every other one (and any unknown type) is binary. */
const NON_BINARY = /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript|xhtml\+xml|atom\+xml|rss\+xml|soap\+xml)$)/;
const isBinary = (type: string): boolean => !NON_BINARY.test(type);

/** The header map: lower-case names, the last duplicate wins, entity headers out, content type re-rendered. */
export function runtimeHeaders(req: Pick<HttpLike, 'headers' | 'rawHeaders'>, bodyLength: number): Record<string, string> {
  const pairs: [string, string][] = [];
  if (req.rawHeaders) {
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) pairs.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
  } else {
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) pairs.push([k, one]);
    }
  }
  const headers: Record<string, string> = {};
  let contentType: string | undefined;
  for (const [k, v] of pairs) {
    const name = k.toLowerCase();
    if (name === 'content-type') contentType = v;
    else if (!ENTITY_HEADERS.has(name)) headers[name] = v;
  }
  const ct = renderContentType(contentType, bodyLength);
  if (ct) headers['content-type'] = ct;
  return headers;
}

const base = (req: HttpLike, headers: Record<string, string>): Record<string, unknown> => ({
  __ow_method: req.method.toLowerCase(),
  __ow_headers: headers,
  __ow_path: req.path ?? '',
});

/** The params of a `web: raw` action (the receivers). */
export function toRuntimeParams(req: HttpLike, inputs: Record<string, unknown> = {}): Record<string, unknown> {
  const headers = runtimeHeaders(req, req.body.length);
  const type = parseMediaType(headers['content-type'] ?? '').type;
  const body = req.body.length === 0 ? '' : type === 'application/json' || isBinary(type) ? req.body.toString('base64') : req.body.toString('utf8');
  return { ...inputs, ...base(req, headers), __ow_query: req.query, __ow_body: body };
}

/** Query parameters as the controller's map of them: decoded, the last of a repeated name wins. */
function queryParams(query: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(query)) out[k] = v;
  return out;
}

/** The params of a `web: yes` action. */
function mergedParams(req: HttpLike, inputs: Record<string, unknown>, final: boolean): ParamsResult {
  const headers = runtimeHeaders(req, req.body.length);
  const type = parseMediaType(headers['content-type'] ?? '').type;
  let fields: Record<string, unknown> = {};
  let boxed: Record<string, unknown> = {};
  if (req.body.length > 0) {
    if (isJsonFamily(type)) {
      let value: unknown;
      try {
        value = JSON.parse(req.body.toString('utf8'));
      } catch {
        return { ok: false, status: 400, error: 'The request content was malformed' };
      }
      if (value && typeof value === 'object' && !Array.isArray(value)) fields = value as Record<string, unknown>;
      else boxed = { __ow_body: value };
    } else if (type === 'application/x-www-form-urlencoded') {
      fields = queryParams(req.body.toString('utf8'));
    } else {
      boxed = { __ow_body: isBinary(type) ? req.body.toString('base64') : req.body.toString('utf8') };
    }
  }
  const query = queryParams(req.query);
  const immutable = final ? new Set(Object.keys(inputs)) : new Set<string>();
  for (const name of [...Object.keys(query), ...Object.keys(fields)]) {
    if (RESERVED.has(name) || immutable.has(name)) return { ok: false, status: 400, error: PARAMETERS_NOT_ALLOWED };
  }
  return { ok: true, params: { ...inputs, ...base(req, headers), ...query, ...fields, ...boxed } };
}

/** The params the controller gives this web action for this request, or the 400 it answers instead. */
export function webActionParams(req: HttpLike, inputs: Record<string, unknown>, action: WebActionDef): ParamsResult {
  return action.web === 'raw' ? { ok: true, params: toRuntimeParams(req, inputs) } : mergedParams(req, inputs, action.final ?? false);
}
