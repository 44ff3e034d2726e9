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
 *  - `primaryAttribute`: the name of the type's primary attribute (its value is in
 *    `attributes` under that name; `data` keeps `primaryAttributeValue` / `…ValueId` as sent).
 * `data` is left exactly as Marketo sent it, its attributes list included.
 *
 * Enrichment never makes an activity unforwardable (`keepForwardable`): `attributes`
 * repeats the list's values, so an activity that fits one invocation as sent may not
 * once enriched; such an activity is put back as normalized and forwarded so.
 */
import type { Envelope } from '../envelope/envelope';
import { FIRST_CUSTOM_ACTIVITY_ID } from '../envelope/activity-types';
import { toIsoUtc } from '../envelope/time';
import { jsonBytesBound, provenToFit, SizedRecord, type PayloadBound } from '../delivery/param-size';
import { eventBytesLimit } from '../delivery/poison';
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

/** The last datetime read: a push's activities often share their times to the second. */
let lastTime: { value: unknown; zone: string | undefined; iso: unknown } = { value: undefined, zone: undefined, iso: undefined };
function datetime(value: unknown, zone: string | undefined): unknown {
  if (value !== lastTime.value || zone !== lastTime.zone || value === undefined) lastTime = { value, zone, iso: toIsoUtc(value, zone) ?? value };
  return lastTime.iso;
}

/** `value` read as `dataType`; as sent when it does not convert or the type is not one of the five. */
export const convertValue = (dataType: string | undefined, value: unknown, zonelessTimeZone?: string): unknown =>
  convertKind(dataType === undefined ? undefined : KINDS[dataType], value, zonelessTimeZone);

function convertKind(kind: Kind | undefined, value: unknown, zonelessTimeZone?: string): unknown {
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
      return datetime(value, zonelessTimeZone);
    case 'string':
      return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
    default:
      return value;
  }
}

/** Per type: attribute name → how its values are read, built once per catalog type. */
const typeIndex = new WeakMap<CatalogType, Map<string, Kind | undefined>>();
function indexOf(t: CatalogType): Map<string, Kind | undefined> {
  let m = typeIndex.get(t);
  if (!m) {
    m = new Map(t.attributes.map((a) => [a.name, KINDS[a.dataType]]));
    if (t.primaryAttribute) m.set(t.primaryAttribute.name, KINDS[t.primaryAttribute.dataType]);
    typeIndex.set(t, m);
  }
  return m;
}

export const catalogTypeOf = (catalog: Catalog, activityTypeId: number | undefined): CatalogType | undefined =>
  activityTypeId === undefined ? undefined : catalog.types[String(activityTypeId)];

/**
 * Sets `name` on a plain object, `__proto__` included (an attribute name is request data);
 * answers the JSON bytes the entry may take (the 1 MB invocation proof counts them, src/delivery/param-size.ts).
 */
function set(o: Record<string, unknown>, name: string, value: unknown): number {
  if (name === '__proto__') Object.defineProperty(o, name, { value, enumerable: true, writable: true, configurable: true });
  else o[name] = value;
  // a name repeated in the list is one entry (the last value): counting both stays a bound
  return jsonBytesBound(name) + 2 + jsonBytesBound(value);
}

/** An enriched activity, and its `activityType` before (what unenrichActivity puts back). */
export interface Enriched {
  event: Envelope;
  activityType: string | undefined;
}

/** Applies the type's names and data types to the envelope (in place: the envelope was made for this request). */
export function enrichActivity(e: Envelope, t: CatalogType, zonelessTimeZone?: string): Enriched {
  const enriched = { event: e, activityType: e.activityType };
  if ((e.activityTypeId ?? 0) >= FIRST_CUSTOM_ACTIVITY_ID || e.activityType === undefined) e.activityType = t.name;
  const index = indexOf(t);
  const record = new SizedRecord();
  const attributes = record as unknown as Record<string, unknown>;
  let bytes = 2;
  const data = e.data;
  const list = data.attributes;
  if (Array.isArray(list)) {
    for (let i = 0; i < list.length; i++) {
      const a = list[i] as { name?: unknown; value?: unknown } | null;
      if (typeof a !== 'object' || a === null) continue;
      const name = a.name;
      if (typeof name === 'string' && name !== '') bytes += set(attributes, name, convertKind(index.get(name), a.value, zonelessTimeZone));
    }
  }
  const primary = t.primaryAttribute;
  if (primary) {
    e.primaryAttribute = primary.name;
    const value = data.primaryAttributeValue;
    const valueId = data.primaryAttributeValueId;
    if (!Object.prototype.hasOwnProperty.call(attributes, primary.name) && (value !== undefined || valueId !== undefined)) {
      const kind = index.get(primary.name);
      bytes += set(attributes, primary.name, convertKind(kind, kind === 'integer' && valueId !== undefined ? valueId : (value ?? valueId), zonelessTimeZone));
    }
  }
  SizedRecord.seal(record, bytes);
  e.attributes = attributes;
  return enriched;
}

/** The activity as it was before enrichActivity. */
export function unenrichActivity({ event, activityType }: Enriched): void {
  delete event.attributes;
  delete event.primaryAttribute;
  if (activityType === undefined) delete event.activityType;
  else event.activityType = activityType;
}

/**
 * Puts back as normalized each enriched activity that would not fit one invocation alone
 * (`maxParamBytes`), and answers how many. The delivery's payload bound proves them all at
 * once when it can, serializing nothing (every push far below the limit); else each enriched
 * activity is measured. One that cannot be serialized at all is left to the poison screen.
 */
export function keepForwardable(enriched: readonly Enriched[], payloads: PayloadBound | undefined, maxParamBytes: number): number {
  if (enriched.length === 0) return 0;
  const limit = eventBytesLimit(maxParamBytes);
  if (payloads && provenToFit(enriched.map((x) => x.event), payloads, limit)) return 0;
  let put = 0;
  for (const x of enriched) {
    let bytes: number;
    try {
      bytes = Buffer.byteLength(JSON.stringify(x.event));
    } catch {
      continue;
    }
    if (bytes > limit) {
      unenrichActivity(x);
      put++;
    }
  }
  return put;
}
