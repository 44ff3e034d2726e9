/**
 * What a receiver needs, built once per container and configuration: parsed
 * config, routes, the key cache, the invoker, and the stores (opened lazily,
 * on the first request that needs them, so a cold start does not load them).
 * Tests and the local runtime replace the boundaries through `setRelayOverrides`.
 */
import { loadConfig, type Config } from '../config';
import type { ParkedPayload } from '../delivery/deliver';
import { openwhiskInvoker, type Invoker } from '../delivery/invoker';
import { defaultRouteTable, parseRoutes, type RouteTable } from '../delivery/routes';
import { createKeyProvider, type KeyProvider } from '../io-events/public-keys';
import { createLog, parseLogLevel, type Log } from '../log';
import { openDedupeStore, type DedupeStore } from '../stores/dedupe';
import type { KeyValueStore } from '../stores/kv';
import { openRecordStore, type RecordStore } from '../stores/records';
import { openKeyValueStore } from '../stores/select';
import { createStatsRecorder, type StatsRecorder } from '../status/stats';
import type { DeadLetterPayload } from '../delivery/dead-letters';

export interface Stores {
  kv: KeyValueStore;
  dedupe: DedupeStore;
  parking: RecordStore<ParkedPayload>;
  deadLetter: RecordStore<DeadLetterPayload>;
}

export interface RelayContext {
  config: Config;
  log: Log;
  invoker: Invoker;
  keys: KeyProvider;
  routes: RouteTable;
  stores(): Promise<Stores>;
  /** per-container counters for the status action */
  stats: StatsRecorder;
  fetch: typeof fetch;
  now: () => number;
  /** epoch ms when this request started (the delivery time budget counts from it) */
  startedAt: number;
}

export interface RelayOverrides {
  invoker?: Invoker;
  kv?: KeyValueStore;
  fetch?: typeof fetch;
  now?: () => number;
  log?: Log;
}

let overrides: RelayOverrides = {};
let shared = new WeakMap<Config, Omit<RelayContext, 'log' | 'startedAt'>>();

/** Replaces boundaries (invoker, store, fetch, clock) for tests and the local runtime. */
export function setRelayOverrides(o: RelayOverrides): void {
  overrides = o;
  shared = new WeakMap();
}

export const inRuntime = (): boolean => Boolean(process.env.__OW_NAMESPACE && process.env.__OW_API_KEY);

function openStores(config: Config, kvOverride?: KeyValueStore): () => Promise<Stores> {
  let opened: Promise<Stores> | undefined;
  return () => {
    opened ??= (async () => {
      const kv =
        kvOverride ??
        openKeyValueStore({ store: config.stores.kind, redisUrl: config.stores.redisUrl, localDir: `${config.stores.localDir}/state`, inRuntime: inRuntime(), timeoutMs: config.stores.timeoutMs });
      return {
        kv,
        dedupe: openDedupeStore(kv, { ttlSeconds: config.stores.dedupeTtlHours * 3600, pendingTtlSeconds: config.stores.pendingSeconds, now: overrides.now }),
        parking: openRecordStore<ParkedPayload>(kv, { prefix: 'park', ttlSeconds: config.stores.parkingTtlHours * 3600 }),
        deadLetter: openRecordStore<DeadLetterPayload>(kv, { prefix: 'dlq', ttlSeconds: config.stores.parkingTtlHours * 3600 }),
      };
    })();
    // a failed open is retried by the next request
    opened.catch(() => (opened = undefined));
    return opened;
  };
}

function buildShared(config: Config): Omit<RelayContext, 'log' | 'startedAt'> | string[] {
  const routes = config.routes ? parseRoutes(config.routes) : { ok: true as const, value: defaultRouteTable(config.targets) };
  if (!routes.ok) return routes.errors.map((e) => `ROUTES: ${e}`);
  const stores = openStores(config, overrides.kv);
  const fetchImpl = overrides.fetch ?? fetch;
  const keys = createKeyProvider({
    baseUrl: config.events.publicKeyBaseUrl,
    timeoutMs: config.events.keyFetchTimeoutMs,
    ttlSeconds: config.events.keyCacheTtlSeconds,
    now: overrides.now,
    // across containers: only where aio-lib-state (or Redis) backs the stores
    shared: inRuntime() || overrides.kv ? { get: async (k) => (await stores()).kv.get(k), put: async (k, v, t) => (await stores()).kv.put(k, v, t) } : undefined,
  });
  const stats = createStatsRecorder(async () => (await stores()).kv, { now: overrides.now, flushIntervalMs: config.stores.statsFlushSeconds * 1000 });
  return { config, routes: routes.value, invoker: overrides.invoker ?? openwhiskInvoker(), keys, stores, stats, fetch: fetchImpl, now: overrides.now ?? Date.now };
}

export type ContextResult = { ok: true; ctx: RelayContext } | { ok: false; errors: string[]; log: Log };

/** The context for one activation; `name` labels its log lines. */
export function relayContext(params: Record<string, unknown>, name: string): ContextResult {
  const loaded = loadConfig(params);
  const level = parseLogLevel(loaded.ok ? loaded.config.logLevel : params.LOG_LEVEL);
  const log = overrides.log ?? createLog(`marketo-stream-relay/${name}`, level);
  if (!loaded.ok) return { ok: false, errors: loaded.errors, log };
  let s = shared.get(loaded.config);
  if (!s) {
    const built = buildShared(loaded.config);
    if (Array.isArray(built)) return { ok: false, errors: built, log };
    s = built;
    shared.set(loaded.config, s);
  }
  return { ok: true, ctx: { ...s, log, startedAt: s.now() } };
}

const reported = new Set<string>();

/** Logs a configuration's errors once per container, not once per request. */
export function reportConfigErrorsOnce(errors: string[], log: Log): void {
  const key = errors.join('\n');
  if (reported.has(key)) return;
  reported.add(key);
  log.error('configuration invalid: every request is answered 500 config_invalid until it is fixed', { errors });
}
