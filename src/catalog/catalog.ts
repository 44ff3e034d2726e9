/**
 * An instance's activity-type catalog, as the relay keeps it in the shared
 * store: per munchkinId, each type id's name, primary attribute and attributes
 * with their data types, from Marketo REST `GET /rest/v1/activities/types.json`
 * (src/marketo-rest/client.ts). `version` is a digest of the types: it changes
 * only when the instance's catalog does.
 *
 * Its strings are bounded when read, from REST and from the store alike
 * (CATALOG_BOUNDS): a broken answer's 600 KB type name would otherwise be
 * copied into every activity of that type. Marketo documents no length for
 * activity type and attribute names (help/rest-api/activities.md); its own are
 * a few dozen characters, so 255 is generous. A type whose name is longer is
 * left out (its activities go on as normalized, as for any type the catalog
 * lacks), an attribute whose name is longer is dropped, a data type longer than
 * any of Marketo's (`datetime`, `currency`, …) is read as `unknown` (values of
 * it stay as sent), and a type keeps at most 500 attributes.
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
  /** what the REST answer had beyond CATALOG_BOUNDS and was left out (only when something was) */
  refused?: CatalogRefused;
}

export interface CatalogRefused {
  types: number;
  attributes: number;
}

export const CATALOG_BOUNDS = { name: 255, dataType: 32, attributes: 500 } as const;

export { CATALOG_PREFIX };
export const catalogKey = (munchkinId: string): string => `${CATALOG_PREFIX}${munchkinId}`;

function attributeOf(v: unknown, refused: CatalogRefused): CatalogAttribute | undefined {
  if (!isObject(v)) return undefined;
  const name = text(v.name);
  if (name === undefined) return undefined;
  if (name.length > CATALOG_BOUNDS.name) {
    refused.attributes++;
    return undefined;
  }
  const dataType = text(v.dataType);
  return { name, dataType: dataType !== undefined && dataType.length <= CATALOG_BOUNDS.dataType ? dataType.toLowerCase() : 'unknown' };
}

/** One type, within CATALOG_BOUNDS; undefined without a name or with an absurd one. */
function typeOf(t: Record<string, unknown>, refused: CatalogRefused): CatalogType | undefined {
  const name = text(t.name);
  if (name === undefined) return undefined;
  if (name.length > CATALOG_BOUNDS.name) {
    refused.types++;
    return undefined;
  }
  const primaryAttribute = attributeOf(t.primaryAttribute, refused);
  const attributes: CatalogAttribute[] = [];
  for (const a of Array.isArray(t.attributes) ? t.attributes : []) {
    const attribute = attributeOf(a, refused);
    if (attribute === undefined) continue;
    if (attributes.length < CATALOG_BOUNDS.attributes) attributes.push(attribute);
    else refused.attributes++;
  }
  return { name, ...(primaryAttribute ? { primaryAttribute } : {}), attributes };
}

const typeMap = (): Record<string, CatalogType> => Object.create(null) as Record<string, CatalogType>;
const noneRefused = (): CatalogRefused => ({ types: 0, attributes: 0 });

/** The REST result as a catalog; entries without an integer id or a name are left out, and what CATALOG_BOUNDS refuses. */
export function catalogFromRest(munchkinId: string, result: readonly unknown[], now: number): Catalog {
  const types = typeMap();
  const refused = noneRefused();
  for (const t of result) {
    if (!isObject(t) || !Number.isSafeInteger(t.id)) continue;
    const type = typeOf(t, refused);
    if (type) types[String(t.id)] = type;
  }
  const catalog: Catalog = { munchkinId, version: jsonDigest(Object.entries(types).sort(([a], [b]) => Number(a) - Number(b))).slice(0, 12), fetchedAt: new Date(now).toISOString(), types };
  return refused.types || refused.attributes ? { ...catalog, refused } : catalog;
}

export function parseCatalog(value: string | undefined): Catalog | undefined {
  if (value === undefined) return undefined;
  try {
    const c = JSON.parse(value) as Catalog;
    if (!isObject(c) || typeof c.version !== 'string' || !isObject(c.types)) return undefined;
    // keyed by request data (type ids): no prototype, as every such map here; within the bounds
    // (a catalog written before them may hold anything)
    const types = typeMap();
    const refused = noneRefused();
    for (const [id, t] of Object.entries(c.types)) {
      const type = isObject(t) ? typeOf(t, refused) : undefined;
      if (type) types[id] = type;
    }
    c.types = types;
    return c;
  } catch {
    return undefined;
  }
}

export const readCatalog = async (kv: KeyValueStore, munchkinId: string): Promise<Catalog | undefined> => parseCatalog(await kv.get(catalogKey(munchkinId)));

export const writeCatalog = (kv: KeyValueStore, catalog: Catalog, ttlSeconds: number): Promise<void> => kv.put(catalogKey(catalog.munchkinId), JSON.stringify(catalog), ttlSeconds);
