/**
 * The activity catalog in the status report: per instance, the catalog the
 * store holds (version, when fetched, how many types) and what the catalog
 * spent of Marketo's REST limits this Marketo day (src/marketo-rest/budget.ts).
 * Read from the store alone, so the status action needs no Marketo credentials.
 */
import { CATALOG_PREFIX, parseCatalog } from '../catalog/catalog';
import { marketoDay, readUsage, USAGE_PREFIX } from '../marketo-rest/budget';
import type { KeyValueStore } from '../stores/kv';
import { dict } from './stats';

export interface CatalogStatus {
  version?: string;
  fetchedAt?: string;
  types?: number;
  /** Marketo day (midnight CST to midnight CST) the figures below cover */
  day: string;
  /** REST and Identity calls the catalog made today, and its own daily bound */
  callsToday: number;
  dailyBudget?: number;
  /** calls not made because a bound said no; answers 606 (rate) and 607 (daily quota) */
  refused: number;
  rateLimited: number;
  quotaReached: number;
  lastError?: { at: string; code: string };
}

export async function readCatalogStatus(kv: KeyValueStore, now: number): Promise<Record<string, CatalogStatus>> {
  const day = marketoDay(now);
  const out = dict<CatalogStatus>();
  const slot = (m: string): CatalogStatus => (out[m] ??= { day, callsToday: 0, refused: 0, rateLimited: 0, quotaReached: 0 });
  const catalogs: string[] = [];
  const usages: string[] = [];
  for await (const k of kv.keys(CATALOG_PREFIX)) catalogs.push(k);
  for await (const k of kv.keys(USAGE_PREFIX)) if (k.endsWith(`-${day}`)) usages.push(k);
  await Promise.all([
    ...catalogs.map(async (k) => {
      const c = parseCatalog(await kv.get(k));
      if (c) Object.assign(slot(c.munchkinId), { version: c.version, fetchedAt: c.fetchedAt, types: Object.keys(c.types).length });
    }),
    ...usages.map(async (k) => {
      const u = readUsage(await kv.get(k));
      if (u) Object.assign(slot(u.munchkinId), { callsToday: u.calls, dailyBudget: u.budget, refused: u.refused, rateLimited: u.rateLimited, quotaReached: u.quotaReached, ...(u.lastError ? { lastError: u.lastError } : {}) });
    }),
  ]);
  return out;
}
