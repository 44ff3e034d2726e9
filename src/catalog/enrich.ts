/**
 * An activity envelope with its instance's catalog applied:
 *  - `activityType`: a custom type (id ≥ 100000) is named as the instance names it
 *    (also any type that arrived without a name);
 *  - `attributes`: the activity's `attributes` list as an object keyed by attribute
 *    name, each value converted by the catalog's `dataType` for it — integer, float,
 *    boolean, datetime (→ ISO 8601 UTC), string; a value that does not convert, an
 *    attribute the catalog does not know and any other data type stay as sent. The
 *    primary attribute is there too, under its name (an integer one takes
 *    `primaryAttributeValueId`, the id Marketo pushes beside the value's display name);
 *  - `primaryAttribute`: `{ name, value, valueId }`, the primary attribute named.
 * `data` is left exactly as Marketo sent it, its attributes list included.
 */
import type { Envelope } from '../envelope/envelope';
import { FIRST_CUSTOM_ACTIVITY_ID } from '../envelope/activity-types';
import { isObject, text } from '../envelope/fields';
import { toIsoUtc } from '../envelope/time';
import type { Catalog, CatalogType } from './catalog';

type Kind = 'integer' | 'float' | 'boolean' | 'datetime' | 'string';

/** Marketo's data types (help/rest-api/activities.md, lead fields) → how their values are read. */
const KINDS: Record<string, Kind> = Object.assign(Object.create(null) as Record<string, Kind>, {
  integer: 'integer',
  float: 'float',
  currency: 'float',
  boolean: 'boolean',
  datetime: 'datetime',
  string: 'string',
  text: 'string',
  email: 'string',
  phone: 'string',
  url: 'string',
});

const INTEGER = /^\s*-?\d{1,16}\s*$/;
const FLOAT = /^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/** `value` read as `dataType`; as sent when it does not convert or the type is not one of the five. */
export function convertValue(dataType: string | undefined, value: unknown, zonelessTimeZone?: string): unknown {
  const kind = dataType === undefined ? undefined : KINDS[dataType];
  switch (kind) {
    case 'integer':
      if (typeof value === 'string' && INTEGER.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
      return value;
    case 'float':
      return typeof value === 'string' && FLOAT.test(value) ? Number(value) : value;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 1 || value === 0) return value === 1;
      if (typeof value === 'string') {
        const v = value.trim().toLowerCase();
        if (v === 'true' || v === '1') return true;
        if (v === 'false' || v === '0') return false;
      }
      return value;
    case 'datetime':
      return toIsoUtc(value, zonelessTimeZone) ?? value;
    case 'string':
      return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
    default:
      return value;
  }
}

/** Per type: attribute name → data type, built once per catalog type. */
const typeIndex = new WeakMap<CatalogType, Map<string, string>>();
function indexOf(t: CatalogType): Map<string, string> {
  let m = typeIndex.get(t);
  if (!m) {
    m = new Map(t.attributes.map((a) => [a.name, a.dataType]));
    if (t.primaryAttribute) m.set(t.primaryAttribute.name, t.primaryAttribute.dataType);
    typeIndex.set(t, m);
  }
  return m;
}

export const catalogTypeOf = (catalog: Catalog, activityTypeId: number | undefined): CatalogType | undefined =>
  activityTypeId === undefined ? undefined : catalog.types[String(activityTypeId)];

/** Applies the type's names and data types to the envelope (in place: the envelope was made for this request). */
export function enrichActivity(e: Envelope, t: CatalogType, zonelessTimeZone?: string): void {
  if ((e.activityTypeId ?? 0) >= FIRST_CUSTOM_ACTIVITY_ID || e.activityType === undefined) e.activityType = t.name;
  const index = indexOf(t);
  const attributes: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const list = e.data.attributes;
  if (Array.isArray(list)) {
    for (const a of list) {
      if (!isObject(a)) continue;
      const name = text(a.name);
      if (name !== undefined) attributes[name] = convertValue(index.get(name), a.value, zonelessTimeZone);
    }
  }
  const primary = t.primaryAttribute;
  if (primary) {
    const value = e.data.primaryAttributeValue;
    const valueId = e.data.primaryAttributeValueId;
    e.primaryAttribute = { name: primary.name, ...(value !== undefined ? { value } : {}), ...(valueId !== undefined ? { valueId } : {}) };
    if (!(primary.name in attributes) && (value !== undefined || valueId !== undefined)) {
      const raw = KINDS[primary.dataType] === 'integer' && valueId !== undefined ? valueId : (value ?? valueId);
      attributes[primary.name] = convertValue(primary.dataType, raw, zonelessTimeZone);
    }
  }
  // a plain object again: it is serialized for the downstream action like any other field
  e.attributes = { ...attributes };
}
