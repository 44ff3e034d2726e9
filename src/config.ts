/**
 * Every setting, parsed and validated once per distinct set of inputs.
 * In Runtime the inputs arrive as action params (from app.config.yaml `inputs`,
 * which read `.env`); the local server passes the same names from the environment.
 */
import { createHash } from 'node:crypto';
import type { Stream } from './envelope/envelope';
import { MUNCHKIN_ID as MUNCHKIN } from './envelope/munchkin';
import { DEFAULT_ZONELESS_TIME_ZONE, isTimeZone } from './envelope/time';
import { parseLogLevel, type LogLevel } from './log';

export type StoreKind = 'auto' | 'memory' | 'file' | 'state' | 'redis';

/** One Marketo instance whose REST API the activity catalog reads (Admin → Integration → Web Services, LaunchPoint). */
export interface MarketoInstance {
  munchkinId: string;
  /** the REST API endpoint, e.g. https://111-AAA-222.mktorest.com/rest */
  restEndpoint: string;
  /** the Identity endpoint, e.g. https://111-AAA-222.mktorest.com/identity */
  identityEndpoint: string;
  clientId: string;
  clientSecret: string;
}

export interface Config {
  logLevel: LogLevel | 'off';
  maxBodyBytes: number;
  /** IANA zone in which event times written without an offset are read (Adobe does not document theirs) */
  zonelessTimeZone: string;
  events: {
    clientIds: string[];
    publicKeyBaseUrl: string;
    keyFetchTimeoutMs: number;
    keyCacheTtlSeconds: number;
    autoValidate: boolean;
    /** false: an event that names no recipient anywhere is accepted (its signature still proves Adobe sent it) */
    requireRecipient: boolean;
  };
  targets: Record<Stream, string>;
  /** raw ROUTES input (parsed by the route module) */
  routes?: string;
  /** raw DESTINATIONS input (parsed by src/destinations/registry.ts; only the destination action gets it) */
  destinations?: string;
  leadPush: {
    tokens: string[];
    jwksUrl?: string;
    issuer?: string;
    audience?: string;
    introspectionUrl?: string;
    clientId?: string;
    clientSecret?: string;
    clockSkewSeconds: number;
    idpTimeoutMs: number;
  };
  delivery: {
    forwardTimeoutMs: number;
    retryDelayMs: number;
    budgetMs: number;
    concurrency: number;
    maxParamBytes: number;
    maxInvocationsPerMinute: number;
    replayMaxPerRun: number;
    /** replay attempts after which a parked record moves to dead-letter */
    replayMaxAttempts: number;
    /** events one I/O Events delivery may carry (413 beyond) */
    maxEventsPerDelivery: number;
  };
  stores: {
    kind: StoreKind;
    redisUrl?: string;
    localDir: string;
    dedupeTtlHours: number;
    parkingTtlHours: number;
    statsFlushSeconds: number;
    /** bound of one Redis / aio-lib-state call */
    timeoutMs: number;
    /** seconds after which another delivery takes over a pending claim (see src/stores/dedupe.ts) */
    pendingSeconds: number;
    /** the idempotency store failing: retry (answer 503) or forward without the duplicate check */
    dedupeUnavailable: 'retry' | 'forward';
  };
  /** the activity catalog (src/catalog): instances with REST credentials, and its bounds */
  marketo: {
    instances: MarketoInstance[];
    /** bound of one REST or Identity call */
    timeoutMs: number;
    /** how long a fetched catalog is kept in the store */
    catalogTtlHours: number;
    /** at most one on-demand fetch per instance in this many minutes (an unknown type id) */
    refetchMinutes: number;
    /** REST calls (Identity included) the catalog may make per instance per Marketo day */
    dailyCalls: number;
  };
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

type Inputs = Record<string, unknown>;

const str = (inputs: Inputs, name: string): string | undefined => {
  const v = inputs[name];
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  // `$VAR` left unexpanded by the CLI means "not set in .env"
  return s === '' || /^\$[A-Z_][A-Z0-9_]*$/.test(s) ? undefined : s;
};
const list = (inputs: Inputs, name: string): string[] =>
  (str(inputs, name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);

function int(inputs: Inputs, name: string, dflt: number, min: number, max: number, errors: string[]): number {
  const s = str(inputs, name);
  if (s === undefined) return dflt;
  const n = Number(s);
  if (!Number.isInteger(n) || n < min || n > max) {
    errors.push(`${name}: expected an integer from ${min} to ${max}, got "${s}"`);
    return dflt;
  }
  return n;
}

function bool(inputs: Inputs, name: string, errors: string[], dflt = false): boolean {
  const s = str(inputs, name)?.toLowerCase();
  if (s === undefined) return dflt;
  if (s === 'false' || s === '0' || s === 'no') return false;
  if (s === 'true' || s === '1' || s === 'yes') return true;
  errors.push(`${name}: expected true or false, got "${s}"`);
  return dflt;
}

function url(inputs: Inputs, name: string, errors: string[], dflt?: string): string | undefined {
  const s = str(inputs, name) ?? dflt;
  if (s === undefined) return undefined;
  try {
    const u = new URL(s);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
    return s.replace(/\/+$/, '');
  } catch {
    errors.push(`${name}: "${s}" is not an http(s) URL`);
    return undefined;
  }
}

const ACTION = /^(\/[A-Za-z0-9_@.-]+\/)?([A-Za-z0-9_@.-]+\/)?[A-Za-z0-9_@.-]+$/;
function action(inputs: Inputs, name: string, dflt: string, errors: string[]): string {
  const s = str(inputs, name) ?? dflt;
  if (!ACTION.test(s)) errors.push(`${name}: "${s}" is not an action name (pkg/action)`);
  return s;
}

function timeZone(inputs: Inputs, name: string, dflt: string, errors: string[]): string {
  const s = str(inputs, name) ?? dflt;
  if (!isTimeZone(s)) errors.push(`${name}: "${s}" is not an IANA time zone name (e.g. UTC, America/Chicago)`);
  return s;
}

function logLevel(inputs: Inputs, errors: string[]): LogLevel | 'off' {
  const s = str(inputs, 'LOG_LEVEL');
  const level = parseLogLevel(s);
  if (level === undefined) errors.push(`LOG_LEVEL: expected error, warn, info, debug or off, got "${s}"`);
  return level ?? 'info';
}

/** REDIS_URL as @redis/client 4 parses it (redis: or rediss:, a numeric database); errors never quote it (it holds the password). */
function redisUrl(inputs: Inputs, errors: string[]): string | undefined {
  const s = str(inputs, 'REDIS_URL');
  if (s === undefined) return undefined;
  let u: URL | undefined;
  try {
    u = new URL(s);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'redis:' && u.protocol !== 'rediss:') || !u.hostname || !/^\/?\d*$/.test(u.pathname)) {
    errors.push('REDIS_URL: expected redis://[user:password@]host[:port][/database] (rediss:// for TLS)');
  }
  return s;
}

function storeKind(inputs: Inputs, errors: string[]): StoreKind {
  const s = (str(inputs, 'STATE_STORE') ?? 'auto').toLowerCase();
  if (['auto', 'memory', 'file', 'state', 'redis'].includes(s)) return s as StoreKind;
  errors.push(`STATE_STORE: expected auto, memory, file, state or redis, got "${s}"`);
  return 'auto';
}

function dedupeMode(inputs: Inputs, errors: string[]): 'retry' | 'forward' {
  const s = (str(inputs, 'DEDUPE_UNAVAILABLE') ?? 'retry').toLowerCase();
  if (s === 'retry' || s === 'forward') return s;
  errors.push(`DEDUPE_UNAVAILABLE: expected retry or forward, got "${s}"`);
  return 'retry';
}


/** `https://111-AAA-222.mktorest.com/rest` → `111-AAA-222` (Marketo's own host names), else undefined. */
export const munchkinOfEndpoint = (endpoint: string): string | undefined => {
  try {
    const label = new URL(endpoint).hostname.split('.')[0].toUpperCase();
    return MUNCHKIN.test(label) ? label : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The instances the catalog reads: MARKETO_INSTANCES (a JSON list, one object per munchkinId, for an
 * app serving several instances) and/or the four single-instance settings. Errors never quote a secret.
 */
function marketoInstances(inputs: Inputs, errors: string[]): MarketoInstance[] {
  const out: MarketoInstance[] = [];
  const add = (where: string, raw: Record<string, unknown>): void => {
    const before = errors.length;
    const field = (k: string): string | undefined => (typeof raw[k] === 'string' && (raw[k] as string).trim() !== '' ? (raw[k] as string).trim() : undefined);
    const endpoint = (k: string): string | undefined => {
      const v = field(k);
      if (v === undefined) return void errors.push(`${where}: ${k} is missing`);
      try {
        const u = new URL(v);
        if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
        return v.replace(/\/+$/, '');
      } catch {
        return void errors.push(`${where}: ${k} "${v}" is not an http(s) URL`);
      }
    };
    const restEndpoint = endpoint('restEndpoint');
    const identityEndpoint = endpoint('identityEndpoint');
    const clientId = field('clientId');
    const clientSecret = field('clientSecret');
    if (!clientId) errors.push(`${where}: clientId is missing`);
    if (!clientSecret) errors.push(`${where}: clientSecret is missing`);
    const munchkinId = (field('munchkinId') ?? (restEndpoint && munchkinOfEndpoint(restEndpoint)))?.toUpperCase();
    if (!munchkinId) errors.push(`${where}: munchkinId is missing (and the REST endpoint's host does not name it)`);
    else if (!MUNCHKIN.test(munchkinId)) errors.push(`${where}: munchkinId "${munchkinId}" is not of the form 111-AAA-222`);
    else if (out.some((i) => i.munchkinId === munchkinId)) errors.push(`${where}: munchkinId ${munchkinId} is configured twice`);
    if (errors.length === before) out.push({ munchkinId: munchkinId!, restEndpoint: restEndpoint!, identityEndpoint: identityEndpoint!, clientId: clientId!, clientSecret: clientSecret! });
  };
  const listed = str(inputs, 'MARKETO_INSTANCES');
  if (listed !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(listed);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed)) errors.push('MARKETO_INSTANCES: expected a JSON list of {munchkinId, restEndpoint, identityEndpoint, clientId, clientSecret}');
    else parsed.forEach((p, i) => (typeof p === 'object' && p !== null && !Array.isArray(p) ? add(`MARKETO_INSTANCES[${i}]`, p as Record<string, unknown>) : errors.push(`MARKETO_INSTANCES[${i}]: expected an object`)));
  }
  const single = { restEndpoint: str(inputs, 'MARKETO_REST_ENDPOINT'), identityEndpoint: str(inputs, 'MARKETO_IDENTITY_ENDPOINT'), clientId: str(inputs, 'MARKETO_CLIENT_ID'), clientSecret: str(inputs, 'MARKETO_CLIENT_SECRET'), munchkinId: str(inputs, 'MARKETO_MUNCHKIN_ID') };
  // MARKETO_MUNCHKIN_ID alone counts too: it says an instance was meant, whose other settings are missing
  if (single.restEndpoint || single.identityEndpoint || single.clientId || single.clientSecret || single.munchkinId) {
    const names: Record<string, string> = { restEndpoint: 'MARKETO_REST_ENDPOINT', identityEndpoint: 'MARKETO_IDENTITY_ENDPOINT', clientId: 'MARKETO_CLIENT_ID', clientSecret: 'MARKETO_CLIENT_SECRET', munchkinId: 'MARKETO_MUNCHKIN_ID' };
    const before = errors.length;
    add('MARKETO_*', single);
    // the single-instance settings' errors name the settings, not the fields
    for (let i = before; i < errors.length; i++) errors[i] = errors[i].replace(/^MARKETO_\*: (\w+)/, (_, k: string) => names[k] ?? k);
  }
  return out;
}

/** The takeover bound of a pending claim: see src/stores/dedupe.ts. */
export const pendingBoundSeconds = (d: { budgetMs: number; forwardTimeoutMs: number; storeTimeoutMs: number }): number =>
  Math.ceil((d.budgetMs + d.forwardTimeoutMs + 2 * d.storeTimeoutMs) / 1000) + 1;

export const DEFAULT_TARGET = 'marketo-stream-relay/log-events';

/**
 * `reads`: the concerns of the action the inputs are for (ACTION_SETTINGS), so that a setting one
 * of them cannot work without is an error at parse, not on each request; unset: no such check.
 */
export function parseConfig(inputs: Inputs, reads?: readonly SettingGroup[]): ConfigResult {
  const e: string[] = [];
  const config: Config = {
    logLevel: logLevel(inputs, e),
    maxBodyBytes: int(inputs, 'MAX_BODY_BYTES', 1024 * 1024, 1024, 1024 * 1024, e),
    zonelessTimeZone: timeZone(inputs, 'MARKETO_ZONELESS_TIME_ZONE', DEFAULT_ZONELESS_TIME_ZONE, e),
    events: {
      clientIds: list(inputs, 'EVENTS_CLIENT_ID'),
      publicKeyBaseUrl: url(inputs, 'EVENTS_PUBLIC_KEY_BASE_URL', e, 'https://static.adobeioevents.com')!,
      keyFetchTimeoutMs: int(inputs, 'EVENTS_KEY_FETCH_TIMEOUT_MS', 2000, 100, 8000, e),
      keyCacheTtlSeconds: int(inputs, 'EVENTS_KEY_CACHE_TTL_SECONDS', 86400, 60, 86400, e),
      autoValidate: bool(inputs, 'EVENTS_AUTO_VALIDATE', e),
      requireRecipient: bool(inputs, 'EVENTS_REQUIRE_RECIPIENT', e, true),
    },
    targets: {
      'user-audit': action(inputs, 'AUDIT_TARGET_ACTION', DEFAULT_TARGET, e),
      notification: action(inputs, 'NOTIFICATION_TARGET_ACTION', DEFAULT_TARGET, e),
      'lead-activity': action(inputs, 'LEAD_ACTIVITY_TARGET_ACTION', DEFAULT_TARGET, e),
      observability: action(inputs, 'OBSERVABILITY_TARGET_ACTION', DEFAULT_TARGET, e),
    },
    routes: str(inputs, 'ROUTES'),
    destinations: str(inputs, 'DESTINATIONS'),
    leadPush: {
      tokens: list(inputs, 'LEAD_ACTIVITY_TOKENS'),
      jwksUrl: url(inputs, 'LEAD_ACTIVITY_OAUTH_JWKS_URL', e),
      issuer: str(inputs, 'LEAD_ACTIVITY_OAUTH_ISSUER'),
      audience: str(inputs, 'LEAD_ACTIVITY_OAUTH_AUDIENCE'),
      introspectionUrl: url(inputs, 'LEAD_ACTIVITY_OAUTH_INTROSPECTION_URL', e),
      clientId: str(inputs, 'LEAD_ACTIVITY_OAUTH_CLIENT_ID'),
      clientSecret: str(inputs, 'LEAD_ACTIVITY_OAUTH_CLIENT_SECRET'),
      clockSkewSeconds: int(inputs, 'LEAD_ACTIVITY_OAUTH_CLOCK_SKEW_SECONDS', 60, 0, 600, e),
      idpTimeoutMs: int(inputs, 'LEAD_ACTIVITY_OAUTH_TIMEOUT_MS', 3000, 100, 10000, e),
    },
    delivery: {
      forwardTimeoutMs: int(inputs, 'FORWARD_TIMEOUT_MS', 2500, 100, 20000, e),
      retryDelayMs: int(inputs, 'FORWARD_RETRY_DELAY_MS', 250, 0, 2000, e),
      budgetMs: int(inputs, 'DELIVERY_BUDGET_MS', 7000, 500, 50000, e),
      concurrency: int(inputs, 'FORWARD_CONCURRENCY', 4, 1, 50, e),
      maxParamBytes: int(inputs, 'MAX_INVOKE_PARAM_BYTES', 1000 * 1000, 10 * 1000, 1024 * 1024, e),
      maxInvocationsPerMinute: int(inputs, 'MAX_INVOCATIONS_PER_MINUTE', 600, 1, 100000, e),
      replayMaxPerRun: int(inputs, 'REPLAY_MAX_PER_RUN', 500, 1, 100000, e),
      replayMaxAttempts: int(inputs, 'REPLAY_MAX_ATTEMPTS', 20, 1, 1000, e),
      maxEventsPerDelivery: int(inputs, 'MAX_EVENTS_PER_DELIVERY', 500, 1, 100000, e),
    },
    stores: {
      kind: storeKind(inputs, e),
      redisUrl: redisUrl(inputs, e),
      localDir: str(inputs, 'LOCAL_DATA_DIR') ?? '.local',
      dedupeTtlHours: int(inputs, 'DEDUPE_TTL_HOURS', 168, 1, 24 * 365, e),
      parkingTtlHours: int(inputs, 'PARKING_TTL_HOURS', 168, 1, 24 * 365, e),
      statsFlushSeconds: int(inputs, 'STATS_FLUSH_SECONDS', 10, 0, 3600, e),
      timeoutMs: int(inputs, 'STORE_TIMEOUT_MS', 1500, 100, 5000, e),
      pendingSeconds: 0,
      dedupeUnavailable: dedupeMode(inputs, e),
    },
    marketo: {
      instances: marketoInstances(inputs, e),
      timeoutMs: int(inputs, 'MARKETO_REST_TIMEOUT_MS', 3000, 100, 10000, e),
      catalogTtlHours: int(inputs, 'MARKETO_CATALOG_TTL_HOURS', 48, 1, 24 * 30, e),
      refetchMinutes: int(inputs, 'MARKETO_CATALOG_REFETCH_MINUTES', 10, 1, 24 * 60, e),
      dailyCalls: int(inputs, 'MARKETO_CATALOG_DAILY_CALLS', 200, 2, 50000, e),
    },
  };
  if (config.leadPush.introspectionUrl && !(config.leadPush.clientId && config.leadPush.clientSecret)) {
    e.push('LEAD_ACTIVITY_OAUTH_INTROSPECTION_URL is set: LEAD_ACTIVITY_OAUTH_CLIENT_ID and LEAD_ACTIVITY_OAUTH_CLIENT_SECRET are required too');
  }
  if (config.leadPush.jwksUrl && !config.leadPush.issuer) {
    e.push('LEAD_ACTIVITY_OAUTH_JWKS_URL is set: LEAD_ACTIVITY_OAUTH_ISSUER is required too (tokens of any issuer would pass otherwise)');
  }
  const bound = pendingBoundSeconds({ budgetMs: config.delivery.budgetMs, forwardTimeoutMs: config.delivery.forwardTimeoutMs, storeTimeoutMs: config.stores.timeoutMs });
  config.stores.pendingSeconds = int(inputs, 'DEDUPE_PENDING_SECONDS', bound, 1, 3600, e);
  if (config.stores.pendingSeconds < bound) {
    e.push(`DEDUPE_PENDING_SECONDS: ${config.stores.pendingSeconds} s is shorter than a live delivery can still hand off (DELIVERY_BUDGET_MS + FORWARD_TIMEOUT_MS + 2 × STORE_TIMEOUT_MS = ${bound} s): events could be forwarded twice`);
  }
  if (config.stores.kind === 'redis' && !config.stores.redisUrl) e.push('STATE_STORE=redis needs REDIS_URL');
  // every I/O Events delivery names its recipient, and EVENTS_REQUIRE_RECIPIENT=false waives only
  // events that name none: without a client id to compare with, each delivery would be refused
  if (reads?.includes('io-events') && config.events.clientIds.length === 0) {
    e.push('EVENTS_CLIENT_ID is not set: the I/O Events receivers check every event\'s recipient against it (the credential\'s client id)');
  }
  return e.length ? { ok: false, errors: e } : { ok: true, config };
}

/** Upper-case names are configuration inputs; Runtime mixes them into params. */
export const CONFIG_NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * A name only a deployed input may carry, never a request: every setting (each
 * is a CONFIG_NAME, and loadConfig reads any CONFIG_NAME as configuration), and
 * the platform's `__` params (`__ow_*`, `__ims_oauth_s2s`, `__ims_env`).
 */
export const isInputName = (name: string): boolean => CONFIG_NAME.test(name) || name.startsWith('__');

const cache = new Map<string, ConfigResult>();
/** parseConfig, memoized on the inputs' values and `reads` (one parse per container and configuration). */
export function loadConfig(params: Inputs, reads?: readonly SettingGroup[]): ConfigResult {
  const h = createHash('sha1');
  h.update(`${reads?.join(',') ?? '*'}\0`);
  for (const k of Object.keys(params).sort()) if (CONFIG_NAME.test(k)) h.update(`${k}\0${String(params[k])}\0`);
  const key = h.digest('base64');
  let result = cache.get(key);
  if (!result) {
    result = parseConfig(params, reads);
    if (cache.size > 16) cache.clear();
    cache.set(key, result);
  }
  return result;
}

/**
 * Every setting, by concern. app.config.yaml has one YAML anchor per concern (same
 * names) and each action merges only the concerns it uses; `npm run check-config`
 * and test/config compare the manifest with ACTION_SETTINGS below. A new setting goes
 * into one concern here (a test fails while parseConfig reads a name missing here).
 */
export const SETTING_GROUPS = {
  log: ['LOG_LEVEL'],
  /** recipient check of I/O Events deliveries (webhooks and Runtime-action registrations) */
  'io-events': ['EVENTS_CLIENT_ID', 'EVENTS_REQUIRE_RECIPIENT'],
  /** webhook deliveries only: signature keys, challenge auto-validation, body size */
  'io-webhook': ['EVENTS_PUBLIC_KEY_BASE_URL', 'EVENTS_KEY_FETCH_TIMEOUT_MS', 'EVENTS_KEY_CACHE_TTL_SECONDS', 'EVENTS_AUTO_VALIDATE', 'MAX_BODY_BYTES', 'MAX_EVENTS_PER_DELIVERY'],
  /** Marketo's legacy Lead Activity push authentication (secrets) */
  'lead-push': [
    'LEAD_ACTIVITY_TOKENS',
    'LEAD_ACTIVITY_OAUTH_JWKS_URL',
    'LEAD_ACTIVITY_OAUTH_ISSUER',
    'LEAD_ACTIVITY_OAUTH_AUDIENCE',
    'LEAD_ACTIVITY_OAUTH_INTROSPECTION_URL',
    'LEAD_ACTIVITY_OAUTH_CLIENT_ID',
    'LEAD_ACTIVITY_OAUTH_CLIENT_SECRET',
    'LEAD_ACTIVITY_OAUTH_CLOCK_SKEW_SECONDS',
    'LEAD_ACTIVITY_OAUTH_TIMEOUT_MS',
  ],
  /** reading events into envelopes (receivers, catch-up) */
  envelope: ['MARKETO_ZONELESS_TIME_ZONE'],
  routing: ['AUDIT_TARGET_ACTION', 'NOTIFICATION_TARGET_ACTION', 'LEAD_ACTIVITY_TARGET_ACTION', 'OBSERVABILITY_TARGET_ACTION', 'ROUTES'],
  /** each invocation of a downstream action */
  forward: ['FORWARD_TIMEOUT_MS', 'FORWARD_RETRY_DELAY_MS', 'MAX_INVOKE_PARAM_BYTES'],
  /** one delivery's hand-off (receivers, catch-up) */
  'hand-off': ['DELIVERY_BUDGET_MS', 'FORWARD_CONCURRENCY'],
  replay: ['REPLAY_MAX_PER_RUN', 'MAX_INVOCATIONS_PER_MINUTE', 'REPLAY_MAX_ATTEMPTS'],
  stores: ['STATE_STORE', 'REDIS_URL', 'DEDUPE_TTL_HOURS', 'PARKING_TTL_HOURS', 'STATS_FLUSH_SECONDS', 'STORE_TIMEOUT_MS', 'DEDUPE_UNAVAILABLE', 'DEDUPE_PENDING_SECONDS'],
  /** status: registration health through the I/O Management API (IMS credential: include-ims-credentials) */
  'adobe-api': ['ADOBE_CONSUMER_ORG_ID', 'ADOBE_PROJECT_ID', 'ADOBE_WORKSPACE_ID', 'ADOBE_REGISTRATION_IDS', 'ADOBE_EVENTS_API_URL'],
  /** catch-up: the registration's journal (IMS credential: include-ims-credentials) */
  journal: ['ADOBE_JOURNAL_URL'],
  /** Marketo REST credentials per instance (secrets): the activity catalog's fetches */
  'marketo-rest': ['MARKETO_INSTANCES', 'MARKETO_MUNCHKIN_ID', 'MARKETO_REST_ENDPOINT', 'MARKETO_IDENTITY_ENDPOINT', 'MARKETO_CLIENT_ID', 'MARKETO_CLIENT_SECRET', 'MARKETO_REST_TIMEOUT_MS'],
  /** the activity catalog's lifetime and bounds (receivers of lead activities, catch-up, refresh-catalog) */
  catalog: ['MARKETO_CATALOG_TTL_HOURS', 'MARKETO_CATALOG_REFETCH_MINUTES', 'MARKETO_CATALOG_DAILY_CALLS'],
  /** the destinations' URLs and secrets (issue 25): the destination action only, never a receiver */
  destinations: ['DESTINATIONS'],
  /** npm start / npm run serve only: never deployed */
  local: ['LOCAL_DATA_DIR', 'LOCAL_INVOCATIONS_FILE'],
} as const satisfies Record<string, readonly string[]>;

export type SettingGroup = keyof typeof SETTING_GROUPS;

export interface ActionNeeds {
  /** the concerns whose settings the action reads */
  settings: SettingGroup[];
  /** `provide-api-key: true`: it calls the Runtime API (invokes actions) or aio-lib-state (both use __OW_API_KEY) */
  apiKey: boolean;
  /** `include-ims-credentials: true`: it calls Adobe APIs with the workspace's OAuth server-to-server credential */
  ims: boolean;
}

const receiver = (...extra: SettingGroup[]): ActionNeeds => ({ settings: ['log', 'io-events', 'envelope', 'routing', 'forward', 'hand-off', 'stores', ...extra], apiKey: true, ims: false });

/** What each deployed action reads, from what it calls (src/relay/run.ts, replay-run.ts, status/, journal/). */
export const ACTION_SETTINGS: Record<string, ActionNeeds> = {
  'user-audit': receiver('io-webhook'),
  notification: receiver('io-webhook'),
  // only the receivers that get lead activities read the catalog (and so its credentials)
  'lead-activity': receiver('io-webhook', 'lead-push', 'marketo-rest', 'catalog'),
  // Runtime-action registrations: events arrive as params (no HTTP body, no signature to check)
  'user-audit-registration': receiver(),
  'notification-registration': receiver(),
  'lead-activity-registration': receiver('marketo-rest', 'catalog'),
  replay: { settings: ['log', 'routing', 'forward', 'replay', 'stores'], apiKey: true, ims: false },
  status: { settings: ['log', 'stores', 'adobe-api'], apiKey: true, ims: true },
  // the operator console's backend: the status report, replay and discard, the route table and tester
  console: { settings: ['log', 'envelope', 'routing', 'forward', 'replay', 'stores', 'adobe-api'], apiKey: true, ims: true },
  'catch-up': { settings: ['log', 'envelope', 'routing', 'forward', 'hand-off', 'stores', 'journal', 'marketo-rest', 'catalog'], apiKey: true, ims: true },
  // the scheduled catalog fetch: stores (catalog, usage) and the REST credentials, nothing else
  'refresh-catalog': { settings: ['log', 'stores', 'marketo-rest', 'catalog'], apiKey: true, ims: false },
  // delivers a destination route's events: its route (ROUTES), the destinations, the parking and dead-letter stores
  destination: { settings: ['log', 'routing', 'stores', 'destinations'], apiKey: true, ims: false },
  'log-events': { settings: ['log'], apiKey: false, ims: false },
};

/** The setting names an action needs. */
export const settingsOf = (needs: ActionNeeds): string[] => needs.settings.flatMap((g) => [...SETTING_GROUPS[g]]);
