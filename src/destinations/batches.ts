/**
 * A route's events as a destination's batches: in order, each within the
 * destination's event count and JSON body size (`{"route":…,"events":[…]}`),
 * an event larger than the size alone in its own batch. The split is greedy
 * from the first event, so the same events give the same batches, and each
 * batch's id is a digest of the route and its events' identities
 * (src/stores/dedupe.ts eventIdentity): a retry or a replay of a batch carries
 * the id it had (Standard Webhooks `webhook-id`, a receiver's deduplication key).
 */
import { createHash } from 'node:crypto';
import type { Envelope } from '../envelope/envelope';
import { eventIdentity } from '../stores/dedupe';
import type { DestinationBatch } from './destination';

/** The id of a batch: base64url of SHA-256 over the route and the events' identities (no `.`, as the spec requires of an id). */
export function batchIdOf(route: string, events: Envelope[]): string {
  const h = createHash('sha256').update(route);
  for (const e of events) h.update('\0').update(eventIdentity(e));
  return h.digest('base64url');
}

/** `{"route":<route>,"events":[` … `]}`: what a body adds around its events, and a comma between two */
const overhead = (route: string): number => Buffer.byteLength(JSON.stringify({ route, events: [] }));

export function splitBatches(route: string, events: Envelope[], o: { maxEvents: number; maxBytes: number }): DestinationBatch[] {
  const base = overhead(route);
  const batches: DestinationBatch[] = [];
  let current: Envelope[] = [];
  let bytes = base;
  const close = (): void => {
    if (current.length) batches.push({ route, events: current, batchId: batchIdOf(route, current) });
    current = [];
    bytes = base;
  };
  for (const e of events) {
    const size = Buffer.byteLength(JSON.stringify(e));
    if (current.length && (current.length >= o.maxEvents || bytes + 1 + size > o.maxBytes)) close();
    bytes += size + (current.length ? 1 : 0);
    current.push(e);
  }
  close();
  return batches;
}
