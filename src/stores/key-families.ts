/**
 * The key families read by listing a prefix (KeyValueStore.keys) rather than by
 * name: parked, dead-letter and stale records (replay, status), the activity catalogs
 * and the Marketo REST usage (status). Every other key — the idempotency keys
 * above all, millions at 1 M events a day on Redis — is only ever read by name.
 * Redis lists a prefix with SCAN, a walk of the whole key space (≈ 0.7 µs per
 * key on this machine: 5 s at 7 M keys, per listing), so it keeps one index set
 * per family named here (src/stores/redis-kv.ts) and lists a family from it.
 * Owners take their prefix from here, so a new listed family cannot be missed.
 */
export const PARKING_RECORDS = 'park';
export const DEAD_LETTER_RECORDS = 'dlq';
/** dead letters of events delivered longer ago than idempotency remembers (src/delivery/stale.ts) */
export const STALE_RECORDS = 'stale';
export const CATALOG_PREFIX = 'catalog-types-';
export const REST_USAGE_PREFIX = 'mrest-usage-';

/** What the keys of each listed family start with (records: `<prefix>-<hour>-…`, src/stores/records.ts). */
export const LISTED_FAMILIES: readonly string[] = [`${PARKING_RECORDS}-`, `${DEAD_LETTER_RECORDS}-`, `${STALE_RECORDS}-`, CATALOG_PREFIX, REST_USAGE_PREFIX];
