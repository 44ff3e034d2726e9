/** The stores a delivery works with, over one key-value store: idempotency, parked hand-offs, dead letters, stale dead letters. */
import type { DedupeStore } from '../stores/dedupe';
import type { KeyValueStore } from '../stores/kv';
import type { RecordStore } from '../stores/records';
import type { DeadLetterPayload } from './dead-letters';
import type { ParkedPayload } from './deliver';

export interface Stores {
  kv: KeyValueStore;
  dedupe: DedupeStore;
  parking: RecordStore<ParkedPayload>;
  deadLetter: RecordStore<DeadLetterPayload>;
  /** dead letters of events delivered longer ago than idempotency remembers: replayed only when asked (src/delivery/stale.ts) */
  stale: RecordStore<ParkedPayload>;
}
