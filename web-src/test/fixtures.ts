/** Console action answers in the shapes src/relay/console-run.ts gives them (see test/console/console-action.test.ts). */
import type { Overview, RecordPage, RouteInfo, RouteTestResult } from '../src/api';

const NOW = Date.parse('2026-12-04T12:30:00Z');
const hour = (back: number): string => new Date(NOW - back * 3_600_000).toISOString().slice(0, 13).replace(/[-T]/g, '');
const hours = Array.from({ length: 24 }, (_, i) => hour(23 - i));

const point = (h: string, o: Partial<{ accepted: number; forwarded: number; duplicates: number; parked: number; quarantined: number; refused: Record<string, number> }> = {}) => ({ hour: h, accepted: 0, forwarded: 0, duplicates: 0, parked: 0, quarantined: 0, refused: {}, ...o });

export const overview: Overview = {
  report: {
    overall: 'critical',
    generatedAt: new Date(NOW).toISOString(),
    streams: { 'user-audit': { accepted: 30, failureRateLastHour: 0.9, lastEventAt: '2026-12-04T12:29:00.000Z', rejected: { '503 store_unavailable': 18 } } },
    parkedBacklog: 4,
    quarantined: 1,
    registrations: [{ id: 'reg-1', name: 'marketo-user-audit', enabled: false, webhookStatus: 'hook_unreachable' }],
    storeErrors: [],
    warnings: [
      { level: 'critical', code: 'registration_at_risk', message: 'user-audit: 90 % of deliveries failed in the last hour; Adobe disables a registration at ≥ 80 % failed attempts over 24 h' },
      { level: 'warning', code: 'parked_backlog', message: '4 parked record(s) wait for replay; check the routes’ downstream actions' },
    ],
  },
  series: {
    'user-audit': {
      hours: hours.map((h, i) => (i === 22 ? point(h, { accepted: 10, forwarded: 8, parked: 2 }) : i === 23 ? point(h, { accepted: 20, forwarded: 19, duplicates: 1, refused: { '503 store_unavailable': 18, '401 signature_invalid': 2 } }) : point(h))),
      munchkin: { '111-AAA-222': { accepted: hours.map((_, i) => (i >= 22 ? 10 : 0)), lastEventAt: '2026-12-04T12:29:00.000Z' } },
      lastEventAt: '2026-12-04T12:29:00.000Z',
    },
  },
};

export const parkedPage: RecordPage = {
  records: [
    { id: 'park-a', storedAt: '2026-12-04T12:00:00.000Z', ageSeconds: 1800, stream: 'user-audit', route: 'security', reason: 'HTTP 503', attempts: 2, events: 3, ids: ['e1', 'e2', 'e3'], replayable: true },
    { id: 'park-b', storedAt: '2026-12-04T12:10:00.000Z', ageSeconds: 1200, stream: 'user-audit', route: 'security', reason: 'HTTP 429', attempts: 1, events: 1, ids: ['e4'], replayable: true },
    { id: 'park-c', storedAt: '2026-12-04T12:20:00.000Z', ageSeconds: 600, stream: 'notification', route: 'alerts', reason: 'network: TimeoutError', attempts: 5, events: 2, ids: ['e5', 'e6'], replayable: true },
  ],
  offset: 0,
  errors: [],
};

export const routeInfo: RouteInfo = {
  source: 'ROUTES',
  routes: [
    { name: 'security', action: 'ops/security', match: { stream: ['user-audit'], componentType: ['Login', 'User'] } },
    { name: 'alerts', action: 'ops/alerts', match: { stream: ['notification'] } },
  ],
  default: 'ops/everything-else',
};

export const routeResult: RouteTestResult = {
  transport: 'io-events',
  envelopes: [{ id: 'evt-1', stream: 'user-audit', type: 'com.adobe.platform.marketo.audit.user.email' }],
  unusable: [],
  routes: [{ route: 'default', action: 'ops/everything-else', ids: ['evt-1'] }],
  unrouted: [],
};
