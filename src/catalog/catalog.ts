/**
 * An instance's activity-type catalog, as the relay keeps it in the shared
 * store: per munchkinId, each type id's name, primary attribute and attributes
 * with their data types, from Marketo REST `GET /rest/v1/activities/types.json`
 * (src/marketo-rest/client.ts). `version` is a digest of the types: it changes
 * only when the instance's catalog does.
 */
import { isObject, jsonDigest, text } from '../envelope/fields';
import { CATALOG_PREFIX } from '../stores/key-families';
import type { KeyValueStore } from '../stores/kv';

export interface CatalogAttribute {
  name: string;
  dataType: string;
}

export interface CatalogType {
  name: string;
  primaryAttribute?: CatalogAttribute;
  attributes: CatalogAttribute[];
}

export interface Catalog {
  munchkinId: string;
  version: string;
  /** ISO time of the REST call */
  fetchedAt: string;
  /** type id → type */
  types: Record<string, CatalogType>;
}

export { CATALOG_PREFIX };
export const catalogKey = (munchkinId: string): string => `${CATALOG_PREFIX}${munchkinId}`;

const attributeOf = (v: unknown): CatalogAttribute | undefined => {
  if (!isObject(v)) return undefined;
  const name = text(v.name);
  return name === undefined ? undefined : { name, dataType: (text(v.dataType) ?? 'unknown').toLowerCase() };
};

/** The REST result as a catalog; entries without an integer id or a name are left out. */
export function catalogFromRest(munchkinId: string, result: readonly unknown[], now: number): Catalog {
  const types: Record<string, CatalogType> = Object.create(null) as Record<string, CatalogType>;
  for (const t of result) {
    if (!isObject(t) || !Number.isSafeInteger(t.id)) continue;
    const name = text(t.name);
    if (name === undefined) continue;
    const primaryAttribute = attributeOf(t.primaryAttribute);
    const attributes = Array.isArray(t.attributes) ? t.attributes.map(attributeOf).filter((a): a is CatalogAttribute => a !== undefined) : [];
    types[String(t.id)] = { name, ...(primaryAttribute ? { primaryAttribute } : {}), attributes };
  }
  return { munchkinId, version: jsonDigest(Object.entries(types).sort(([a], [b]) => Number(a) - Number(b))).slice(0, 12), fetchedAt: new Date(now).toISOString(), types };
}

export function parseCatalog(value: string | undefined): Catalog | undefined {
  if (value === undefined) return undefined;
  try {
    const c = JSON.parse(value) as Catalog;
    if (!isObject(c) || typeof c.version !== 'string' || !isObject(c.types)) return undefined;
    // keyed by request data (type ids): no prototype, as every such map here
    c.types = Object.assign(Object.create(null) as Record<string, CatalogType>, c.types);
    return c;
  } catch {
    return undefined;
  }
}

export const readCatalog = async (kv: KeyValueStore, munchkinId: string): Promise<Catalog | undefined> => parseCatalog(await kv.get(catalogKey(munchkinId)));

export const writeCatalog = (kv: KeyValueStore, catalog: Catalog, ttlSeconds: number): Promise<void> => kv.put(catalogKey(catalog.munchkinId), JSON.stringify(catalog), ttlSeconds);
