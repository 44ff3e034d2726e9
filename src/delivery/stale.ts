/**
 * Stale events: delivered (by their I/O CloudEvent `time`, src/io-events/receive.ts)
 * longer ago than idempotency remembers, so forwarding them could forward a second
 * time what was handed off once and forgotten since. They are not lost: each is
 * kept, per route it matches, as a dead letter of its own family (`stale-…`,
 * src/stores/key-families.ts) with the route's action, exactly like a parked
 * record — but nothing replays it unless an operator asks for stale records by
 * name (`includeStale: true` on the replay action, the console's confirmation).
 *
 * Retention: status warns from the moment one is stored (src/status/report.ts,
 * with when the oldest expires), and they are kept `staleRetentionHours`: at least
 * PARKING_TTL_HOURS, and never less than two days, so an operator who looks once a
 * day sees the warning while at least a day is left.
 */
import type { DeliveryMeta, Envelope } from '../envelope/envelope';
import type { RecordStore } from '../stores/records';
import type { ParkedPayload } from './deliver';
import { routeEnvelopes, type RouteTable } from './routes';

/** the least time a stale record is announced by status before it expires */
export const STALE_WARNING_HOURS = 24;
/** the least retention: the warning (from storage on) plus the day an operator may take to look */
export const STALE_MIN_RETENTION_HOURS = 2 * STALE_WARNING_HOURS;

export const staleRetentionHours = (parkingTtlHours: number): number => Math.max(parkingTtlHours, STALE_MIN_RETENTION_HOURS);

export const staleReason = (deliveredAt: string | undefined): string =>
  `stale: delivered at ${deliveredAt ?? 'an unknown time'}, longer ago than DEDUPE_TTL_HOURS (idempotency may have forgotten an earlier hand-off); replayed only when asked (includeStale)`;

/**
 * Keeps stale events as records of `store`, one per route they match (a route's
 * events together); what no route takes is handed back for quarantine as unrouted.
 * A store error is thrown: the caller answers retry-later, nothing is lost.
 */
export async function setAsideStale(events: Envelope[], meta: DeliveryMeta, routes: RouteTable, store: RecordStore<ParkedPayload>): Promise<{ kept: number; unrouted: Envelope[] }> {
  const { byRoute, unrouted } = routeEnvelopes(routes, events);
  for (const { route, envelopes } of byRoute.values()) {
    const stream = envelopes.every((e) => e.stream === envelopes[0].stream) ? envelopes[0].stream : meta.stream;
    await store.add({ route: route.name, stream, reason: staleReason(envelopes[0].cloudEventTime), attempts: 0, payload: { action: route.action, deliveryId: meta.deliveryId, events: envelopes } });
  }
  return { kept: events.length - unrouted.length, unrouted };
}
