/**
 * The activity catalog's composition, loaded (`import('./catalog')`, a chunk of
 * its own in the bundles) only by a container whose configuration names Marketo
 * instances: a receiver without REST credentials never parses any of it.
 *
 * Per delivery, for each configured instance its lead activities come from:
 * the catalog this container holds (re-read from the shared store at most every
 * REREAD_MS), applied to every activity whose type it knows (src/catalog/enrich.ts).
 * An activity type id it does not know asks for a fetch on demand, rate-bounded
 * twice: this container asks at most once per MARKETO_CATALOG_REFETCH_MINUTES,
 * and across containers the first to write the store's `catalog-demand-<munchkinId>`
 * key (TTL the same minutes) fetches while the others go on with what they hold.
 * Every REST call passes the shared budget (src/marketo-rest/budget.ts). Nothing
 * here fails a delivery: without a catalog the activities go on as normalized
 * (the built-in table), and the delivery's log line says `catalog: "unavailable"`.
 */
import type { MarketoInstance } from '../config';
import type { Envelope } from '../envelope/envelope';
import { INVALID_MUNCHKIN, munchkinKey } from '../envelope/munchkin';
import { getText, type GetText } from '../http/get-text';
import type { Received } from '../io-events/receive';
import { CATALOG_BOUNDS, catalogFromRest, readCatalog, writeCatalog, type Catalog } from '../catalog/catalog';
import { catalogTypeOf, enrichActivity, keepForwardable, type Enriched } from '../catalog/enrich';
import { storeBudget } from '../marketo-rest/budget';
import { MarketoRestError, marketoRestClient, type MarketoRestClient } from '../marketo-rest/client';
import type { KeyValueStore } from '../stores/kv';
import { withTimeout } from '../timeout';
import type { RelayContext } from './context';

/** How long a container trusts the catalog it holds before reading the store again. */
export const REREAD_MS = 60_000;
/** What a fetch on demand leaves of the delivery's budget, at least. */
const FETCH_RESERVE_MS = 1000;

/** What a delivery's log line says about the catalog. */
export interface CatalogUse {
  /** the version(s) applied, or "unavailable" when an instance's activities went without one */
  catalog: string;
  /** why, when a fetch or read failed */
  catalogError?: string;
  /** activities forwarded as normalized: enriched, they would not have fit one invocation */
  unenriched?: number;
}

interface Held {
  catalog?: Catalog;
  readAt: number;
  askedAt: number;
  client?: MarketoRestClient;
}

let held = new WeakMap<MarketoInstance, Held>();
let get: GetText = getText;

/** Tests: forget what containers hold (catalogs, tokens), or send the REST calls elsewhere. */
export function resetCatalogs(o: { get?: GetText } = {}): void {
  held = new WeakMap();
  get = o.get ?? getText;
}

const heldFor = (instance: MarketoInstance): Held => {
  let h = held.get(instance);
  if (!h) held.set(instance, (h = { readAt: -Infinity, askedAt: -Infinity }));
  return h;
};

const demandKey = (munchkinId: string) => `catalog-demand-${munchkinId}`;

/** Fetches the instance's catalog over REST and writes it to the store; the error code when it could not. */
async function fetchCatalog(instance: MarketoInstance, kv: KeyValueStore, ctx: RelayContext, timeoutMs: number): Promise<{ catalog?: Catalog; error?: string }> {
  const h = heldFor(instance);
  const { dailyCalls, catalogTtlHours } = ctx.config.marketo;
  // one client per instance and container: its token lives as long as Marketo says
  h.client ??= marketoRestClient(instance, { get: (url, ms, o) => get(url, ms, o), now: ctx.now, timeoutMs: ctx.config.marketo.timeoutMs, budget: storeBudget(kv, instance.munchkinId, { dailyCalls, now: ctx.now }) });
  try {
    const result = await withTimeout(h.client.activityTypes(), timeoutMs, `no catalog within ${timeoutMs} ms`);
    const catalog = catalogFromRest(instance.munchkinId, result, ctx.now());
    h.catalog = catalog;
    h.readAt = ctx.now();
    await writeCatalog(kv, catalog, catalogTtlHours * 3600).catch((err: Error) => ctx.log.warn('activity catalog fetched but not stored', { munchkinId: instance.munchkinId, err: err.name }));
    ctx.log.info('activity catalog fetched', { munchkinId: instance.munchkinId, version: catalog.version, types: Object.keys(catalog.types).length });
    if (catalog.refused) {
      ctx.log.warn('activity catalog entries refused', { munchkinId: instance.munchkinId, ...catalog.refused, message: `Marketo's answer had names longer than ${CATALOG_BOUNDS.name} characters or types with more than ${CATALOG_BOUNDS.attributes} attributes; those types or attributes are left out` });
    }
    return { catalog };
  } catch (err) {
    const code = err instanceof MarketoRestError ? err.code : (err as Error).name === 'TimeoutError' ? 'unreachable' : 'store_unavailable';
    ctx.log.warn('activity catalog not fetched', { munchkinId: instance.munchkinId, reason: code, message: (err as Error).message });
    return { error: code };
  }
}

/** The catalog for one instance's activities in this delivery: held, re-read, or fetched on demand. */
async function catalogFor(instance: MarketoInstance, events: Envelope[], kv: KeyValueStore, ctx: RelayContext): Promise<{ catalog?: Catalog; error?: string }> {
  const h = heldFor(instance);
  const now = ctx.now();
  let error: string | undefined;
  if (!h.catalog || now - h.readAt >= REREAD_MS) {
    try {
      h.catalog = (await readCatalog(kv, instance.munchkinId)) ?? h.catalog;
      h.readAt = now;
    } catch {
      error = 'store_unavailable';
    }
  }
  const catalog = h.catalog;
  const unknown = !catalog || events.some((e) => !catalogTypeOf(catalog, e.activityTypeId));
  const { refetchMinutes } = ctx.config.marketo;
  if (unknown && now - h.askedAt >= refetchMinutes * 60_000) {
    h.askedAt = now;
    const timeoutMs = Math.min(ctx.config.marketo.timeoutMs, ctx.deadline - now - FETCH_RESERVE_MS);
    let mine = false;
    try {
      mine = timeoutMs >= 100 && (await kv.putIfAbsent(demandKey(instance.munchkinId), new Date(now).toISOString(), refetchMinutes * 60));
    } catch {
      error = 'store_unavailable';
    }
    if (mine) {
      const fetched = await fetchCatalog(instance, kv, ctx, timeoutMs);
      error = fetched.error ?? error;
    }
  }
  return { catalog: h.catalog, error };
}

/** Applies each configured instance's catalog to this delivery's lead activities; undefined when it has none. */
export async function applyCatalog(received: Received, ctx: RelayContext): Promise<CatalogUse | undefined> {
  const { instances } = ctx.config.marketo;
  const byInstance = new Map<MarketoInstance, Envelope[]>();
  let without = false;
  for (const e of received.envelopes) {
    if (e.stream !== 'lead-activity') continue;
    // only an id of Marketo's shape names an instance (config holds them upper-cased)
    const m = e.munchkinId === undefined ? undefined : munchkinKey(e.munchkinId);
    const instance = m === undefined || m === INVALID_MUNCHKIN ? undefined : instances.find((i) => i.munchkinId === m);
    if (!instance) {
      without = true;
      continue;
    }
    let list = byInstance.get(instance);
    if (!list) byInstance.set(instance, (list = []));
    list.push(e);
  }
  if (!byInstance.size) return without ? { catalog: 'unavailable' } : undefined;
  let kv: KeyValueStore;
  try {
    kv = (await ctx.stores()).kv;
  } catch {
    return { catalog: 'unavailable', catalogError: 'store_unavailable' };
  }
  const versions = new Set<string>();
  const errors = new Set<string>();
  const enriched: Enriched[] = [];
  await Promise.all(
    [...byInstance].map(async ([instance, events]) => {
      const { catalog, error } = await catalogFor(instance, events, kv, ctx);
      if (error) errors.add(error);
      if (!catalog) {
        without = true;
        return;
      }
      versions.add(catalog.version);
      for (const e of events) {
        const t = catalogTypeOf(catalog, e.activityTypeId);
        if (t) enriched.push(enrichActivity(e, t, ctx.config.zonelessTimeZone));
      }
    }),
  );
  // enrichment never turns a forwardable activity into one the poison screen quarantines as too large
  const unenriched = keepForwardable(enriched, received.payloads, ctx.config.delivery.maxParamBytes);
  return { catalog: without ? 'unavailable' : [...versions].join(','), ...(errors.size ? { catalogError: [...errors].join(',') } : {}), ...(unenriched ? { unenriched } : {}) };
}

export interface RefreshReport {
  munchkinId: string;
  version?: string;
  types?: number;
  /** the version differs from the one the store held */
  changed?: boolean;
  error?: string;
}

/** The scheduled refresh (actions/refresh-catalog): every configured instance's catalog, fetched and stored. */
export async function refreshCatalogs(ctx: RelayContext): Promise<RefreshReport[]> {
  const kv = (await ctx.stores()).kv;
  const reports: RefreshReport[] = [];
  for (const instance of ctx.config.marketo.instances) {
    const before = await readCatalog(kv, instance.munchkinId).catch(() => undefined);
    const { catalog, error } = await fetchCatalog(instance, kv, ctx, ctx.config.marketo.timeoutMs * 3);
    reports.push(catalog ? { munchkinId: instance.munchkinId, version: catalog.version, types: Object.keys(catalog.types).length, changed: before?.version !== catalog.version } : { munchkinId: instance.munchkinId, error });
  }
  return reports;
}
