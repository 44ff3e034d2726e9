/**
 * Routes: which downstream actions each envelope goes to.
 *
 *   { "routes": [ { "name": "security",
 *                   "match": { "stream": "user-audit", "componentType": ["Login", "User", "Role"] },
 *                   "action": "siem/ingest" } ],
 *     "default": "marketo-stream-relay/log-events" }
 *
 * `match` is an AND of envelope fields; a list means any of; strings compare
 * case-insensitively and may hold `*` wildcards; numbers compare exactly. A
 * pattern only matches a field that is present. `attributes.<name>` matches
 * an activity attribute's value (`"attributes.Product": "X*"`): the value the
 * activity catalog converted (envelope `attributes`, src/catalog/enrich.ts),
 * else the value as sent in the activity's `attributes` list, so a route keeps
 * working while the catalog is unavailable; names compare case-insensitively. An event may match several
 * routes (fan-out); events matching none go to `default` (route name
 * "default") when it is set, else they are reported as unrouted.
 *
 * A route names `action` (a downstream action) or `destination` (a name in
 * DESTINATIONS, src/destinations/registry.ts), exactly one. A destination route
 * hands its events to the app's own `destination` action (DESTINATION_ACTION)
 * like to any action — the same claims, parking and replay — and that action,
 * the only one given DESTINATIONS, delivers them.
 *
 * Patterns are compiled once, at parse time, into literal pieces
 * (src/delivery/wildcard.ts), each searched by a RegExp of the escaped piece
 * alone: matching takes time linear in the value, whatever a sender puts in a
 * field; a piece between two `*` is at most MAX_SEARCHED_PIECE units.
 */
import { STREAMS, type Envelope, type Stream } from '../envelope/envelope';
import { isObject } from '../envelope/fields';
import { compileWildcard, MAX_SEARCHED_PIECE, tooLongPiece } from './wildcard';

export const MATCH_FIELDS = ['stream', 'type', 'source', 'munchkinId', 'componentType', 'eventAction', 'subType', 'activityTypeId', 'activityType', 'userId', 'dataschema'] as const;
export type MatchField = (typeof MATCH_FIELDS)[number];
/** `attributes.` + an attribute name: an activity attribute's value */
export const ATTRIBUTE_FIELD_PREFIX = 'attributes.';
type MatchKey = MatchField | `${typeof ATTRIBUTE_FIELD_PREFIX}${string}`;

/** Below this length lower-casing a value again costs less than looking it up. */
const MEMO_FROM_LENGTH = 256;

/**
 * One event's values lower-cased for the patterns without `*`, each computed
 * once however many patterns read the value (wildcard patterns read the value
 * as it is, src/delivery/wildcard.ts).
 */
export class ValueFolds {
  private exact?: Map<string, string>;

  /** as patterns without `*` compare: the value lower-cased */
  lowered(v: string): string {
    if (v.length < MEMO_FROM_LENGTH) return v.toLowerCase();
    const cache = (this.exact ??= new Map());
    let lower = cache.get(v);
    if (lower === undefined) cache.set(v, (lower = v.toLowerCase()));
    return lower;
  }
}

type Matcher = (value: unknown, folds: ValueFolds) => boolean;

/**
 * The app's action delivering to destinations: its package is the one app.config.yaml deploys
 * (as DEFAULT_TARGET's, src/config.ts); test/config checks the manifest deploys it.
 */
export const DESTINATION_ACTION = 'marketo-stream-relay/destination';

export interface CompiledRoute {
  name: string;
  action: string;
  /** the destination's name in DESTINATIONS (then `action` is DESTINATION_ACTION) */
  destination?: string;
  match: Partial<Record<MatchKey, (string | number)[]>>;
  /** `folds`: shared by the routes that test the same event */
  test: (e: Envelope, folds?: ValueFolds) => boolean;
}

export interface RouteTable {
  routes: CompiledRoute[];
  default?: string;
}

export type RoutesResult = { ok: true; value: RouteTable } | { ok: false; errors: string[] };

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ACTION = /^(\/[A-Za-z0-9_@.-]+\/)?([A-Za-z0-9_@.-]+\/)?[A-Za-z0-9_@.-]+$/;
const STREAM_PATTERN = new RegExp(`^(${STREAMS.join('|')}|[a-z*-]*\\*[a-z*-]*)$`, 'i');

function patternMatcher(pattern: string | number): Matcher {
  if (typeof pattern === 'number') return (v) => v === pattern || (typeof v === 'string' && v === String(pattern));
  if (!pattern.includes('*')) {
    const lower = pattern.toLowerCase();
    // lower-casing never shortens a string (İ grows; test/delivery/wildcard.test.ts checks every code point): a longer value cannot match
    return (v, folds) => (typeof v === 'string' ? v.length <= lower.length && folds.lowered(v) === lower : typeof v === 'number' && String(v) === pattern);
  }
  const matches = compileWildcard(pattern);
  return (v) => (typeof v === 'string' || typeof v === 'number') && matches(String(v));
}

/** An attribute value for matching: a boolean compares as its text (`true`, `false`). */
const matchable = (v: unknown): unknown => (typeof v === 'boolean' ? String(v) : v);

/** The value of the attribute named `lower` (lower-cased): the catalog's object, else the list as sent. */
function attributeValue(e: Envelope, lower: string): unknown {
  if (e.attributes) {
    for (const k in e.attributes) if (k.toLowerCase() === lower) return matchable(e.attributes[k]);
    return undefined;
  }
  const list = e.data.attributes;
  if (!Array.isArray(list)) return undefined;
  for (const a of list) if (isObject(a) && typeof a.name === 'string' && a.name.toLowerCase() === lower) return matchable(a.value);
  return undefined;
}

function compileMatch(match: Partial<Record<MatchKey, (string | number)[]>>): CompiledRoute['test'] {
  const checks = Object.entries(match).map(([field, patterns]) => {
    const matchers = (patterns as (string | number)[]).map(patternMatcher);
    const attribute = field.startsWith(ATTRIBUTE_FIELD_PREFIX) ? field.slice(ATTRIBUTE_FIELD_PREFIX.length).toLowerCase() : undefined;
    return (e: Envelope, folds: ValueFolds): boolean => {
      const value = attribute !== undefined ? attributeValue(e, attribute) : e[field as MatchField];
      return value !== undefined && value !== null && matchers.some((m) => m(value, folds));
    };
  });
  return (e, folds = new ValueFolds()) => checks.every((c) => c(e, folds));
}

function checkMatchValue(where: string, field: MatchKey, raw: unknown, errors: string[]): (string | number)[] | undefined {
  const values = Array.isArray(raw) ? raw : [raw];
  if (values.length === 0) return void errors.push(`${where}: match.${field} is an empty list (it would match nothing)`);
  for (const v of values) {
    if (typeof v !== 'string' && typeof v !== 'number') return void errors.push(`${where}: match.${field} values must be strings or numbers, got ${JSON.stringify(v)}`);
    if (typeof v === 'number' && !Number.isFinite(v)) return void errors.push(`${where}: match.${field} has a number that is not finite (${v})`);
    if (typeof v === 'string' && v === '') return void errors.push(`${where}: match.${field} has an empty string`);
    const long = typeof v === 'string' ? tooLongPiece(v) : undefined;
    if (long !== undefined) {
      return void errors.push(
        `${where}: match.${field} has a piece between two * of ${long.length} characters (${JSON.stringify(long.length > 40 ? `${long.slice(0, 40)}…` : long)}); at most ${MAX_SEARCHED_PIECE}, as it is searched for in the whole value`,
      );
    }
    if (field === 'activityTypeId' && !(Number.isInteger(v) || (typeof v === 'string' && /^[0-9*]+$/.test(v)))) {
      return void errors.push(`${where}: match.activityTypeId values must be integers, got ${JSON.stringify(v)}`);
    }
    if (field === 'stream' && (typeof v !== 'string' || !STREAM_PATTERN.test(v))) {
      return void errors.push(`${where}: match.stream must be ${STREAMS.join(', ')} or a wildcard, got ${JSON.stringify(v)}`);
    }
  }
  return values as (string | number)[];
}

function compileRoute(raw: unknown, index: number, seen: Set<string>, errors: string[]): CompiledRoute | undefined {
  const label = isObject(raw) && typeof raw.name === 'string' ? `route ${index} ("${raw.name}")` : `route ${index}`;
  if (!isObject(raw)) return void errors.push(`${label}: must be an object with name, match and action (or destination)`);
  const before = errors.length;
  const name = raw.name;
  if (typeof name !== 'string' || !NAME.test(name)) errors.push(`${label}: name must be 1-64 characters of [A-Za-z0-9_.-] starting with a letter or digit, got ${JSON.stringify(name)}`);
  else if (name === 'default') errors.push(`${label}: the name "default" is reserved for the default action`);
  else if (seen.has(name)) errors.push(`${label}: the name "${name}" is used by another route`);
  const destination = raw.destination;
  if (raw.action !== undefined && destination !== undefined) errors.push(`${label}: names both an action and a destination; a route takes one (write two routes to send to both)`);
  else if (destination !== undefined) {
    if (typeof destination !== 'string' || !NAME.test(destination)) errors.push(`${label}: destination must be a name in DESTINATIONS (1-64 characters of [A-Za-z0-9_.-]), got ${JSON.stringify(destination)}`);
  } else if (typeof raw.action !== 'string' || !ACTION.test(raw.action)) errors.push(`${label}: action must be an action name like "package/action" (or destination a name in DESTINATIONS), got ${JSON.stringify(raw.action)}`);
  const match: Partial<Record<MatchKey, (string | number)[]>> = {};
  if (!isObject(raw.match)) {
    errors.push(`${label}: match must be an object (use { "stream": "*" } to take every event)`);
  } else if (Object.keys(raw.match).length === 0) {
    errors.push(`${label}: match is empty; write { "stream": "*" } if the route should take every event`);
  } else {
    for (const [field, value] of Object.entries(raw.match)) {
      const attribute = field.startsWith(ATTRIBUTE_FIELD_PREFIX) && field.length > ATTRIBUTE_FIELD_PREFIX.length;
      if (!attribute && !(MATCH_FIELDS as readonly string[]).includes(field)) {
        errors.push(`${label}: match.${field} is not a field that can be matched (allowed: ${MATCH_FIELDS.join(', ')}, or ${ATTRIBUTE_FIELD_PREFIX}<attribute name>)`);
        continue;
      }
      const values = checkMatchValue(label, field as MatchKey, value, errors);
      if (values) match[field as MatchKey] = values;
    }
  }
  if (errors.length > before) return undefined;
  seen.add(name as string);
  const target = typeof destination === 'string' ? { action: DESTINATION_ACTION, destination } : { action: raw.action as string };
  return { name: name as string, ...target, match, test: compileMatch(match) };
}

/** ROUTES arrives as JSON text (action input); tools reading YAML files pass the parsed object. */
function parseSource(source: unknown): { ok: true; value: unknown } | { ok: false; error: string } {
  if (typeof source !== 'string') return { ok: true, value: source };
  try {
    return { ok: true, value: JSON.parse(source) };
  } catch (err) {
    return { ok: false, error: `ROUTES is not valid JSON: ${(err as Error).message}` };
  }
}

export function parseRoutes(source: unknown): RoutesResult {
  const parsed = parseSource(source);
  if (!parsed.ok) return { ok: false, errors: [parsed.error] };
  const config = parsed.value;
  if (!isObject(config)) return { ok: false, errors: ['routes: the configuration must be an object with a "routes" list'] };
  if (config.routes === undefined) return { ok: false, errors: ['routes: "routes" is missing (write "routes": [] to send everything to "default")'] };
  if (!Array.isArray(config.routes)) return { ok: false, errors: [`routes: "routes" must be a list of routes, got ${typeof config.routes}`] };
  const errors: string[] = [];
  for (const key of Object.keys(config)) if (key !== 'routes' && key !== 'default') errors.push(`routes: unknown top-level key "${key}" (allowed: routes, default)`);
  const seen = new Set<string>();
  const routes = config.routes.map((r, i) => compileRoute(r, i, seen, errors)).filter((r): r is CompiledRoute => r !== undefined);
  const dflt = config.default;
  if (dflt !== undefined && (typeof dflt !== 'string' || !ACTION.test(dflt))) errors.push(`default: must be an action name like "package/action", got ${JSON.stringify(dflt)}`);
  if (errors.length) return { ok: false, errors };
  return { ok: true, value: { routes, ...(typeof dflt === 'string' ? { default: dflt } : {}) } };
}

/** One route per stream, used when ROUTES is not set. */
export function defaultRouteTable(targets: Partial<Record<Stream, string>>): RouteTable {
  const routes = (Object.entries(targets) as [Stream, string | undefined][]).flatMap(([stream, action]) => {
    const match = { stream: [stream] };
    return action === undefined ? [] : [{ name: stream, action, match, test: compileMatch(match) }];
  });
  return { routes };
}

export interface Routed {
  byRoute: Map<string, { route: CompiledRoute; envelopes: Envelope[] }>;
  unrouted: Envelope[];
}

/** The route events matching no other route take when the table has a default action. */
const defaultRoute = (action: string): CompiledRoute => ({ name: 'default', action, match: {}, test: () => true });

export function routeEnvelopes(table: RouteTable, envelopes: Envelope[]): Routed {
  const byRoute: Routed['byRoute'] = new Map();
  const unrouted: Envelope[] = [];
  const add = (route: CompiledRoute, e: Envelope): void => {
    let slot = byRoute.get(route.name);
    if (!slot) byRoute.set(route.name, (slot = { route, envelopes: [] }));
    slot.envelopes.push(e);
  };
  const fallback = table.default ? defaultRoute(table.default) : undefined;
  for (const e of envelopes) {
    let matched = false;
    const folds = new ValueFolds();
    for (const r of table.routes) {
      if (r.test(e, folds)) {
        add(r, e);
        matched = true;
      }
    }
    if (!matched) {
      if (fallback) add(fallback, e);
      else unrouted.push(e);
    }
  }
  return { byRoute, unrouted };
}
