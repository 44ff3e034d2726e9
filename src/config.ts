/**
 * Every setting, parsed and validated once per distinct set of inputs.
 * In Runtime the inputs arrive as action params (from app.config.yaml `inputs`,
 * which read `.env`); the local server passes the same names from the environment.
 */
import { createHash } from 'node:crypto';

export type StoreKind = 'auto' | 'memory' | 'file' | 'state' | 'redis';

export interface Config {
  logLevel: string;
  maxBodyBytes: number;
  events: {
    clientIds: string[];
    publicKeyBaseUrl: string;
    keyFetchTimeoutMs: number;
    keyCacheTtlSeconds: number;
    autoValidate: boolean;
    /** false: an event that names no recipient anywhere is accepted (its signature still proves Adobe sent it) */
    requireRecipient: boolean;
  };
  targets: { 'user-audit': string; notification: string; 'lead-activity': string };
  /** raw ROUTES input (parsed by the route module) */
  routes?: string;
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
  };
  stores: {
    kind: StoreKind;
    redisUrl?: string;
    localDir: string;
    dedupeTtlHours: number;
    parkingTtlHours: number;
    statsFlushSeconds: number;
  };
  local: { invocationsFile: string };
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

function storeKind(inputs: Inputs, errors: string[]): StoreKind {
  const s = (str(inputs, 'STATE_STORE') ?? 'auto').toLowerCase();
  if (['auto', 'memory', 'file', 'state', 'redis'].includes(s)) return s as StoreKind;
  errors.push(`STATE_STORE: expected auto, memory, file, state or redis, got "${s}"`);
  return 'auto';
}

export const DEFAULT_TARGET = 'marketo-stream-relay/log-events';

export function parseConfig(inputs: Inputs): ConfigResult {
  const e: string[] = [];
  const config: Config = {
    logLevel: str(inputs, 'LOG_LEVEL') ?? 'info',
    maxBodyBytes: int(inputs, 'MAX_BODY_BYTES', 1024 * 1024, 1024, 1024 * 1024, e),
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
    },
    routes: str(inputs, 'ROUTES'),
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
    },
    stores: {
      kind: storeKind(inputs, e),
      redisUrl: str(inputs, 'REDIS_URL'),
      localDir: str(inputs, 'LOCAL_DATA_DIR') ?? '.local',
      dedupeTtlHours: int(inputs, 'DEDUPE_TTL_HOURS', 168, 1, 24 * 365, e),
      parkingTtlHours: int(inputs, 'PARKING_TTL_HOURS', 168, 1, 24 * 365, e),
      statsFlushSeconds: int(inputs, 'STATS_FLUSH_SECONDS', 10, 0, 3600, e),
    },
    local: { invocationsFile: str(inputs, 'LOCAL_INVOCATIONS_FILE') ?? '.local/invocations.jsonl' },
  };
  if (config.leadPush.introspectionUrl && !(config.leadPush.clientId && config.leadPush.clientSecret)) {
    e.push('LEAD_ACTIVITY_OAUTH_INTROSPECTION_URL is set: LEAD_ACTIVITY_OAUTH_CLIENT_ID and LEAD_ACTIVITY_OAUTH_CLIENT_SECRET are required too');
  }
  if (config.leadPush.jwksUrl && !config.leadPush.issuer) {
    e.push('LEAD_ACTIVITY_OAUTH_JWKS_URL is set: LEAD_ACTIVITY_OAUTH_ISSUER is required too (tokens of any issuer would pass otherwise)');
  }
  if (config.stores.kind === 'redis' && !config.stores.redisUrl) e.push('STATE_STORE=redis needs REDIS_URL');
  return e.length ? { ok: false, errors: e } : { ok: true, config };
}

/** Upper-case names are configuration inputs; Runtime mixes them into params. */
export const CONFIG_NAME = /^[A-Z][A-Z0-9_]*$/;

const cache = new Map<string, ConfigResult>();
/** parseConfig, memoized on the inputs' values (one parse per container and configuration). */
export function loadConfig(params: Inputs): ConfigResult {
  const h = createHash('sha1');
  for (const k of Object.keys(params).sort()) if (CONFIG_NAME.test(k)) h.update(`${k}\0${String(params[k])}\0`);
  const key = h.digest('base64');
  let result = cache.get(key);
  if (!result) {
    result = parseConfig(params);
    if (cache.size > 16) cache.clear();
    cache.set(key, result);
  }
  return result;
}
