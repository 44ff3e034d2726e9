/**
 * The params I/O Runtime gives a raw-http web action (Apache OpenWhisk
 * WebActions): lower-case method and header names, the raw query string, and
 * the body base64-encoded for JSON and binary types, a plain string for text
 * types, "" when empty. The local server and the tests build params here.
 */
const TEXT_TYPE = /^text\/|^application\/(x-www-form-urlencoded|xml)/i;

export interface HttpLike {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  /** the raw query string without "?" */
  query: string;
  body: Buffer;
  path?: string;
}

export function toRuntimeParams(req: HttpLike, inputs: Record<string, unknown> = {}): Record<string, unknown> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  const ct = headers['content-type'] ?? '';
  const body = req.body.length === 0 ? '' : TEXT_TYPE.test(ct) ? req.body.toString('utf8') : req.body.toString('base64');
  return {
    ...inputs,
    __ow_method: req.method.toLowerCase(),
    __ow_headers: headers,
    __ow_path: req.path ?? '',
    __ow_query: req.query,
    __ow_body: body,
  };
}
