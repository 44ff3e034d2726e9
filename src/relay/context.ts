/**
 * What a receiver needs, built once per container and configuration: parsed
 * config, routes, the key cache, the invokers, and the stores (opened lazily,
 * on the first request that needs them, so a cold start does not load them);
 * and, per activation, its platform values (src/runtime/activation.ts), read
 * synchronously when `relayContext` is called — which every action does before
 * its first `await` — with the invoker bound to them and the time work may be
 * planned until. Tests and the local runtime replace the boundaries through
 * `setRelayOverrides`.
 */
import { ACTION_SETTINGS, loadConfig, type Config } from '../config';
import type { ParkedPayload } from '../delivery/deliver';
import { openwhiskInvokers, type Invoker, type InvokerPool } from '../delivery/invoker';
import { defaultRouteTable, parseRoutes, type RouteTable } from '../delivery/routes';
import { createKeyProvider, type KeyProvider, type SharedKeyCache } from '../io-events/public-keys';
import { createLog, parseLogLevel, type Log } from '../log';
import { rejected, retryLater, type Outcome } from '../outcome';
import { missingRuntimeCredentials, planUntil, readActivation, type Activation, type Where } from '../runtime/activation';
import { openDedupeStore } from '../stores/open-dedupe';
import type { KeyValueStore } from '../stores/kv';
import type { BlobStore } from '../stores/overflow';
import { DEAD_LETTER_RECORDS, PARKING_RECORDS, STALE_RECORDS } from '../stores/key-families';
import { staleRetentionHours } from '../delivery/stale';
import { openRecordStore } from '../stores/records';
import { openKeyValueStore, openOverflow, resolveStoreKind, runtimeStoreProblem } from '../stores/select';
import { createStatsRecorder, type StatsRecorder } from '../status/stats';
import type { DeadLetterPayload } from '../delivery/dead-letters';
import type { Stores } from '../delivery/stores';

export type { Stores };

export interface RelayContext {
  config: Config;
  log: Log;
  invoker: Invoker;
  keys: KeyProvider;
  routes: RouteTable;
  stores(): Promise<Stores>;
  /** per-container counters for the status action */
  stats: StatsRecorder;
  /** a cache shared by every container (the stores' kv where they are shared: aio-lib-state, Redis, tests) */
  sharedCache?: SharedKeyCache;
  fetch: typeof fetch;
  now: () => number;
  /** this activation's platform values, read when it started */
  activation: Activation;
  /** epoch ms when this request started (the delivery time budget counts from it) */
  startedAt: number;
  /** epoch ms after which a delivery starts no new hand-off: its budget, and never within DEADLINE_RESERVE_MS of `__OW_DEADLINE` */
  deadline: number;
}

/** What an activation keeps for itself after its last hand-off attempt: settle claims, park, log and answer. */
export const DEADLINE_RESERVE_MS = 2000;

/** `ms` from the activation's start, cut to leave DEADLINE_RESERVE_MS before the platform's deadline. */
export const workDeadline = (ctx: Pick<RelayContext, 'activation' | 'startedAt'>, ms: number): number => planUntil(ctx.activation, ctx.startedAt, ms, DEADLINE_RESERVE_MS);

export interface RelayOverrides {
  /** one invoker for every activation */
  invoker?: Invoker;
  /** an invoker per activation (the local runtime's in-process hand-off, which needs each activation's transaction id) */
  invokers?: InvokerPool;
  kv?: KeyValueStore;
  /** where records over the store's value limit are kept */
  overflow?: BlobStore;
  fetch?: typeof fetch;
  now?: () => number;
  log?: Log;
}

type PerActivation = 'log' | 'startedAt' | 'activation' | 'invoker' | 'deadline';
type Shared = Omit<RelayContext, PerActivation> & { invokers: InvokerPool };

let overrides: RelayOverrides = {};
let shared = new WeakMap<Config, Shared>();

/** Replaces boundaries (invoker, store, fetch, clock) for tests and the local runtime. */
export function setRelayOverrides(o: RelayOverrides): void {
  overrides = o;
  shared = new WeakMap();
}

const storeSelection = (config: Config, where: Where) => ({
  store: config.stores.kind,
  redisUrl: config.stores.redisUrl,
  localDir: `${config.stores.localDir}/state`,
  inRuntime: where === 'runtime',
  timeoutMs: config.stores.timeoutMs,
});

function openStores(config: Config, where: Where, o: Pick<RelayOverrides, 'kv' | 'overflow'>): () => Promise<Stores> {
  let opened: Promise<Stores> | undefined;
  return () => {
    opened ??= (async () => {
      const selection = storeSelection(config, where);
      const kv = o.kv ?? openKeyValueStore(selection);
      const given = o.overflow;
      const overflow = given ? async () => given : openOverflow(selection, `${config.stores.localDir}/overflow`);
      const ttlSeconds = config.stores.parkingTtlHours * 3600;
      return {
        kv,
        dedupe: openDedupeStore(kv, { ttlSeconds: config.stores.dedupeTtlHours * 3600, pendingTtlSeconds: config.stores.pendingSeconds, now: overrides.now }),
        parking: openRecordStore<ParkedPayload>(kv, { prefix: PARKING_RECORDS, ttlSeconds, overflow }),
        deadLetter: openRecordStore<DeadLetterPayload>(kv, { prefix: DEAD_LETTER_RECORDS, ttlSeconds, overflow }),
        stale: openRecordStore<ParkedPayload>(kv, { prefix: STALE_RECORDS, ttlSeconds: staleRetentionHours(config.stores.parkingTtlHours) * 3600, overflow }),
      };
    })();
    // a failed open is retried by the next request
    opened.catch(() => (opened = undefined));
    return opened;
  };
}

function buildShared(config: Config, where: Where): Shared | string[] {
  const routes = config.routes ? parseRoutes(config.routes) : { ok: true as const, value: defaultRouteTable(config.targets) };
  if (!routes.ok) return routes.errors.map((e) => `ROUTES: ${e}`);
  const stores = openStores(config, where, overrides);
  const fetchImpl = overrides.fetch ?? fetch;
  // across containers: only where aio-lib-state (or Redis) backs the stores
  const kind = resolveStoreKind(storeSelection(config, where));
  const sharedCache: SharedKeyCache | undefined =
    overrides.kv || kind === 'state' || kind === 'redis' ? { get: async (k) => (await stores()).kv.get(k), put: async (k, v, t) => (await stores()).kv.put(k, v, t) } : undefined;
  const keys = createKeyProvider({
    baseUrl: config.events.publicKeyBaseUrl,
    timeoutMs: config.events.keyFetchTimeoutMs,
    ttlSeconds: config.events.keyCacheTtlSeconds,
    now: overrides.now,
    shared: sharedCache,
  });
  const stats = createStatsRecorder(async () => (await stores()).kv, { now: overrides.now, flushIntervalMs: config.stores.statsFlushSeconds * 1000 });
  const invokers: InvokerPool = overrides.invokers ?? (overrides.invoker ? { forActivation: () => overrides.invoker as Invoker } : openwhiskInvokers());
  return { config, routes: routes.value, invokers, keys, stores, stats, sharedCache, fetch: fetchImpl, now: overrides.now ?? Date.now };
}

/** A context that cannot be built: the errors (for the log) and the answer every request gets until it is fixed. */
export type ContextResult = { ok: true; ctx: RelayContext } | { ok: false; errors: string[]; log: Log; outcome: Outcome };

const configInvalid = (): Outcome => rejected(500, 'config_invalid', 'the action configuration is invalid; the action log says why');
/** A deployment problem a redeploy fixes while the sender keeps retrying: 503, never "accepted" into a container's disk. */
const runtimeMisconfigured = (): Outcome => retryLater('runtime_misconfigured', 'the action is not deployed as it needs to be; the action log says why', 60);

/** What this activation cannot run without, in Runtime: a durable store, and the API host and key where it invokes or uses the state store. */
function runtimeProblems(config: Config, a: Activation, invokes: boolean): string[] {
  if (a.where !== 'runtime') return [];
  const problems: string[] = [];
  const selection = overrides.kv ? undefined : storeSelection(config, a.where);
  const problem = selection && runtimeStoreProblem(selection);
  if (problem) problems.push(problem);
  const needsKey = invokes || (selection !== undefined && resolveStoreKind(selection) === 'state');
  for (const name of needsKey ? missingRuntimeCredentials(a) : []) {
    problems.push(`${name} is not set in this activation: deploy the action with the annotation provide-api-key: true`);
  }
  return problems;
}

export interface ContextOptions {
  /** the action hands events off to other actions (default true; status does not) */
  invokes?: boolean;
}

/**
 * The context for one activation; `name` (the action's, as in ACTION_SETTINGS) labels its log
 * lines and says which settings it cannot run without (EVENTS_CLIENT_ID for the receivers). Reads the
 * activation's platform values from `process.env` now: call it before the
 * activation's first `await`.
 */
export function relayContext(params: Record<string, unknown>, name: string, opts: ContextOptions = {}): ContextResult {
  const activation = readActivation(process.env);
  const loaded = loadConfig(params, ACTION_SETTINGS[name]?.settings);
  // an invalid configuration is still reported, at the level asked for when that one is valid
  const level = loaded.ok ? loaded.config.logLevel : (parseLogLevel(params.LOG_LEVEL) ?? 'info');
  const log = overrides.log ?? createLog(`marketo-stream-relay/${name}`, level);
  if (!loaded.ok) return { ok: false, errors: loaded.errors, log, outcome: configInvalid() };
  const problems = runtimeProblems(loaded.config, activation, opts.invokes ?? true);
  if (problems.length) return { ok: false, errors: problems, log, outcome: runtimeMisconfigured() };
  let s = shared.get(loaded.config);
  if (!s) {
    const built = buildShared(loaded.config, activation.where);
    if (Array.isArray(built)) return { ok: false, errors: built, log, outcome: configInvalid() };
    s = built;
    shared.set(loaded.config, s);
  }
  const { invokers, ...rest } = s;
  const startedAt = s.now();
  const deadline = workDeadline({ activation, startedAt }, loaded.config.delivery.budgetMs);
  return { ok: true, ctx: { ...rest, log, activation, invoker: invokers.forActivation(activation), startedAt, deadline } };
}

/** The failure's code and message, for the non-web actions that answer `{ error }`. */
export function contextError(c: Extract<ContextResult, { ok: false }>): { code: string; message: string } {
  const o = c.outcome;
  return o.kind === 'rejected' || o.kind === 'retryLater' ? { code: o.code, message: o.message } : { code: 'config_invalid', message: 'the action configuration is invalid' };
}

const reported = new Set<string>();

/**
 * Logs a configuration's errors as one JSON line at level error: once per
 * container for invalid inputs; on every request for a deployment that is not
 * as Runtime needs it (503), since Runtime keeps each activation's log apart
 * and the operator looks at the activation that failed.
 */
export function reportConfigErrorsOnce(errors: string[], log: Log, outcome: Outcome = configInvalid()): void {
  const key = errors.join('\n');
  if (outcome.kind !== 'retryLater') {
    if (reported.has(key)) return;
    reported.add(key);
  }
  const answer = outcome.kind === 'rejected' || outcome.kind === 'retryLater' ? { status: outcome.status, error: outcome.code } : {};
  log.error(`configuration invalid: every request is answered ${'status' in answer ? `${answer.status} ${answer.error}` : 'with an error'} until it is fixed`, { errors, ...answer });
}
