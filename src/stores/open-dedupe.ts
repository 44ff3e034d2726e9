/** Which idempotency layout a store gets: grouped records for aio-lib-state (bucketed-dedupe.ts), one key per event elsewhere (dedupe.ts). */
import { createBucketedDedupe } from './bucketed-dedupe';
import { createKeyPerEventDedupe, type DedupeOptions, type DedupeStore } from './dedupe';
import type { KeyValueStore } from './kv';

export function openDedupeStore(kv: KeyValueStore, o: DedupeOptions): DedupeStore {
  return kv.kind === 'state' ? createBucketedDedupe(kv, o) : createKeyPerEventDedupe(kv, o);
}
