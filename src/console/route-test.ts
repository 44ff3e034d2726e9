/**
 * The route tester: one event (or a delivery of them) as a receiver would read
 * it — normalized by the receivers' own modules, routed by the same table —
 * without authenticating, claiming or handing anything off. A lead-activity
 * body with an `activities` list is Marketo's legacy push; anything else is the
 * I/O Events form (one event or an array).
 */
import type { DeliveryMeta, Envelope, Stream } from '../envelope/envelope';
import type { Json } from '../envelope/fields';
import { eventsOfBody, normalizeElements, type Received } from '../io-events/receive';
import { normalizePushBatch, parsePushBatch } from '../lead-push/batch';
import { routeEnvelopes, type RouteTable } from '../delivery/routes';
import type { Step } from '../outcome';
import { ok } from '../outcome';

export interface RouteTestResult {
  transport: DeliveryMeta['transport'];
  envelopes: Envelope[];
  unusable: { element: Json; reason: string }[];
  /** each route the events reach, with the ids of the events that reach it */
  routes: { route: string; action: string; ids: string[] }[];
  /** ids of events no route takes (with no default they would be dead-lettered as unrouted) */
  unrouted: string[];
}

/** The route table as the console shows it. */
export interface RouteInfo {
  source: string;
  routes: { name: string; action: string; match: RouteTable['routes'][number]['match'] }[];
  default?: string;
}

export function describeRoutes(table: RouteTable, fromRoutesSetting: boolean): RouteInfo {
  return {
    source: fromRoutesSetting ? 'ROUTES' : 'per-stream defaults (*_TARGET_ACTION)',
    routes: table.routes.map((r) => ({ name: r.name, action: r.action, match: r.match })),
    ...(table.default ? { default: table.default } : {}),
  };
}

const isPush = (stream: Stream, body: unknown): boolean => stream === 'lead-activity' && typeof body === 'object' && body !== null && !Array.isArray(body) && Array.isArray((body as { activities?: unknown }).activities);

/** Normalizes `body` as the receiver of `stream` would. */
export function normalizeForTest(stream: Stream, body: unknown, now: number, zonelessTimeZone?: string): Step<Received> {
  const meta: DeliveryMeta = { stream, transport: isPush(stream, body) ? 'legacy-push' : 'io-events', deliveryId: 'route-test' };
  if (meta.transport === 'legacy-push') {
    const batch = parsePushBatch(body);
    return batch.ok ? ok(normalizePushBatch(batch.value, meta, now, zonelessTimeZone)) : batch;
  }
  const events = eventsOfBody(body);
  return events.ok ? ok(normalizeElements(events.value, meta, undefined, now, { zonelessTimeZone })) : events;
}

/** Where the normalized events would go. */
export function routeForTest(table: RouteTable, received: Received): RouteTestResult {
  const routed = routeEnvelopes(table, received.envelopes);
  return {
    transport: received.meta.transport,
    envelopes: received.envelopes,
    unusable: received.unusable,
    routes: [...routed.byRoute.values()].map((r) => ({ route: r.route.name, action: r.route.action, ids: r.envelopes.map((e) => e.id) })),
    unrouted: routed.unrouted.map((e) => e.id),
  };
}
