/**
 * The params a request gives a raw web action, read from the request itself:
 * the query string's fields, then a JSON-object body's fields. A raw action
 * gets the request only as `__ow_query` and `__ow_body` (src/http/request.ts),
 * so every other param it has is one of its deployed inputs; this reader is
 * how such an action takes a request's own params without ever mixing them
 * with its settings.
 *
 * A request is refused, naming the param, when it carries a name only an input
 * may have (400 `param_not_allowed`), a name the action does not take (400
 * `param_unknown`), the same name twice (400 `param_repeated`: which one would
 * be read is a guess), or a body that is not a JSON object of params, or nests
 * deeper than `maxDepth` (400 `body_too_deep`: the code that reads a value that
 * deep runs out of stack).
 */
import { ok, rejected, stop, type Step } from '../outcome';
import { isJsonContentType, parseJsonDocument, type RawRequest } from './request';

export interface ParamRules {
  /** the names the action reads */
  accepts: readonly string[];
  /** a name a request may never carry: it names one of the action's inputs */
  inputName: (name: string) => boolean;
  /** the deepest a JSON body may nest (default 64) */
  maxDepth?: number;
}

/** Adobe's documented samples nest 10 levels deep at most (test/fixtures/adobe-docs). */
export const DEFAULT_MAX_DEPTH = 64;

/** A request's name as a message shows it: quoted, and at most 64 characters of it. */
const shown = (name: string): string => JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);

/** Whether any value inside `value` lies more than `max` levels deep (no recursion: the depth is the attacker's). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (depth > max) return true;
    for (const child of Object.values(v as object)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/** The request's params (query strings; body fields as sent), or the 4xx that refuses them. */
export function requestParams(req: RawRequest, rules: ParamRules): Step<Record<string, unknown>> {
  const fields: [string, unknown][] = [...req.query];
  if (req.rawBody.length > 0) {
    if (!isJsonContentType(req.headers['content-type'])) return stop(rejected(415, 'content_type_unsupported', 'send params in the query, or as a JSON object with content-type application/json'));
    const doc = parseJsonDocument(req.rawBody);
    if (!doc.ok) return doc;
    const body = doc.value.value;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return stop(rejected(400, 'body_not_object', 'the request body must be a JSON object of params'));
    const max = rules.maxDepth ?? DEFAULT_MAX_DEPTH;
    if (nestsDeeperThan(body, max)) return stop(rejected(400, 'body_too_deep', `the request body nests deeper than ${max} levels`));
    fields.push(...Object.entries(body));
  }
  // an input's name first, whatever else is wrong: that is the request to refuse loudly
  const input = fields.find(([name]) => rules.inputName(name));
  if (input) return stop(rejected(400, 'param_not_allowed', `${shown(input[0])} names a setting of this action: settings come only from its deployed inputs, never from a request`));
  const params: Record<string, unknown> = {};
  for (const [name, value] of fields) {
    if (!rules.accepts.includes(name)) return stop(rejected(400, 'param_unknown', `${shown(name)} is not a param of this action; it takes ${rules.accepts.join(', ')}`));
    if (Object.hasOwn(params, name)) return stop(rejected(400, 'param_repeated', `${shown(name)} is given more than once`));
    params[name] = value;
  }
  return ok(params);
}
