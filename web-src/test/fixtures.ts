/**
 * The console action's answers, made by the backend's own modules (status
 * report, series, record pages, route table and tester) from requests counted
 * the way the receivers count them: the component tests fake only the fetch.
 */
import { recordPage } from '../../src/console/records';
import { describeRoutes, normalizeForTest, routeForTest } from '../../src/console/route-test';
import { streamSeries } from '../../src/console/series';
import type { ParkedPayload } from '../../src/delivery/deliver';
import { parseRoutes, type RouteTable } from '../../src/delivery/routes';
import { hourKey } from '../../src/envelope/time';
import { buildStatusReport } from '../../src/status/report';
import { countDestination, countRequest, emptyCounters, emptyDestinationCounters, type RequestRecord, type StatsHour } from '../../src/status/stats';
import { createMemoryKv } from '../../src/stores/memory-kv';
import { openRecordStore } from '../../src/stores/records';
import { auditEvent } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import type { Overview } from '../src/api';

export const NOW = Date.parse('2026-12-04T12:30:00Z');
const HOUR = 3_600_000;

/** One container's stats of two hours: 10 then 20 user-audit events, refusals in the last hour. */
function stats(): StatsHour[] {
  const hours = new Map<string, StatsHour>();
  const add = (r: Omit<RequestRecord, 'stream' | 'munchkinIds'> & { munchkinIds?: Record<string, number> }) => {
    const hour = hourKey(r.at);
    const rec = hours.get(hour) ?? { hour, container: 'c1', streams: {} };
    hours.set(hour, rec);
    countRequest((rec.streams['user-audit'] ??= emptyCounters()), { stream: 'user-audit', munchkinIds: {}, ...r });
  };
  add({ at: NOW - HOUR, status: 200, outcome: 'accepted', events: 10, munchkinIds: { '111-AAA-222': 10 }, forwarded: { security: 8 }, parked: 2 });
  add({ at: NOW - 60_000, status: 200, outcome: 'accepted', events: 20, munchkinIds: { '111-AAA-222': 10, '333-BBB-444': 10 }, forwarded: { security: 19 }, duplicates: 1 });
  for (let i = 0; i < 18; i++) add({ at: NOW - 120_000, status: 503, outcome: 'retryLater', reason: 'store_unavailable', message: 'the store failed', events: 0 });
  for (let i = 0; i < 2; i++) add({ at: NOW - 120_000, status: 401, outcome: 'rejected', reason: 'signature_invalid', message: 'no signature verifies', events: 0 });
  // the destination action's counts: a 503 parked 3 events, delivered since
  const last = hours.get(hourKey(NOW - 60_000)) as StatsHour;
  const crm = ((last.destinations ??= {}).crm = emptyDestinationCounters());
  countDestination(crm, { destination: 'crm', at: NOW - 300_000, delivered: 0, parked: 3, failed: 0, lastError: 'HTTP 503' });
  countDestination(crm, { destination: 'crm', at: NOW - 60_000, delivered: 120, parked: 0, failed: 0 });
  return [...hours.values()];
}

export function overview(): Overview {
  const s = stats();
  const report = buildStatusReport({ stats: s, now: NOW, parkedBacklog: 4, parkedNewestAt: new Date(NOW - HOUR).toISOString(), quarantined: 1, registrations: [{ id: 'reg-1', name: 'marketo-user-audit', enabled: false, webhookStatus: 'hook_unreachable' }] });
  return { report, series: streamSeries(s, NOW) };
}

const ROUTES = { routes: [{ name: 'security', action: 'ops/security', match: { stream: 'user-audit', componentType: ['Login', 'User'] } }, { name: 'alerts', action: 'ops/alerts', match: { stream: 'notification' } }], default: 'ops/everything-else' };
const table = (): RouteTable => {
  const r = parseRoutes(JSON.stringify(ROUTES));
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.value;
};
export const routeInfo = () => describeRoutes(table(), true);

/** What the tester answers for an event: the backend's normalize and route, with the table above. */
export function routeResult(stream: 'user-audit', event: unknown) {
  const n = normalizeForTest(stream, event, NOW);
  if (!n.ok) throw new Error('not normalizable');
  return routeForTest(table(), n.value);
}

/** Three parked records in a store, and the first page of them. */
export async function parked() {
  let t = NOW - 1_800_000;
  const store = openRecordStore<ParkedPayload>(createMemoryKv(() => t), { prefix: 'park', ttlSeconds: 86_400, now: () => t });
  const rng = seeded(4);
  const events = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `e${t}-${i}`, stream: 'user-audit', ...auditEvent(rng, { clientId: 'c' }) }));
  const a = await store.add({ route: 'security', stream: 'user-audit', reason: 'HTTP 503', attempts: 2, payload: { action: 'ops/security', deliveryId: 'd1', events: events(3) } as unknown as ParkedPayload });
  t += 600_000;
  const b = await store.add({ route: 'security', stream: 'user-audit', reason: 'HTTP 429', attempts: 1, payload: { action: 'ops/security', deliveryId: 'd2', events: events(1) } as unknown as ParkedPayload });
  t += 600_000;
  const c = await store.add({ route: 'alerts', stream: 'notification', reason: 'network: TimeoutError', attempts: 5, payload: { action: 'ops/alerts', deliveryId: 'd3', events: events(2) } as unknown as ParkedPayload });
  t = NOW;
  return { store, ids: [a.id, b.id, c.id], page: await recordPage(store as never, { offset: 0, limit: 25, now: NOW }) };
}
