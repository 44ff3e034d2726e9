/**
 * The operator's picture: per stream and per munchkinId what came in, what
 * went where, what was refused and why — and, in plain words, what needs
 * attention before events are lost: a stream gone quiet, a failure rate that
 * will make Adobe disable the registration (≥ 80 % failed attempts), a growing
 * parking backlog, stale dead letters and when they expire, a registration Adobe
 * has stopped delivering to. Every figure and severity is a function of what is
 * stored and of `now` (never of who asked before): status and the console, reading
 * one store, say the same.
 */
import type { Stream } from '../envelope/envelope';
import { hourKeyStart as hourStart } from '../envelope/time';
import { dict, emptyCounters, emptyDestinationCounters, mergeCounters, mergeDestinationCounters, type DestinationCounters, type StatsHour, type StreamCounters } from './stats';
import type { RegistrationHealth } from './registrations';
import type { CatalogStatus } from './catalog';
import { DEFAULT_INSTANCE_PAGE, pageInstances, type InstancePage, type InstancesSummary } from './instances';

export interface Warning {
  level: 'critical' | 'warning';
  code: string;
  message: string;
}

export interface StatusReport {
  overall: 'ok' | 'warning' | 'critical';
  generatedAt: string;
  windowHours: number;
  /** per stream; `munchkin` is a page of its instances, `instances` says what the page leaves out (src/status/instances.ts) */
  streams: Partial<Record<Stream, Omit<StreamCounters, 'slots'> & { failureRateLastHour: number | null; instances: InstancesSummary }>>;
  /** per destination (DESTINATIONS): events delivered, parked for replay, rejected (dead-lettered), and its last error */
  destinations: Record<string, DestinationCounters>;
  parkedBacklog: number | null;
  quarantined: number | null;
  /** stale dead letters (src/delivery/stale.ts): how many, and when the oldest expires */
  stale: { count: number; oldestExpiresAt?: string } | null;
  registrations: RegistrationHealth[] | { note: string };
  /** per munchkinId: the activity catalog stored and the Marketo REST calls it used today */
  catalog: Record<string, CatalogStatus>;
  /** store calls that failed while building this report (what the figures above lack) */
  storeErrors: string[];
  warnings: Warning[];
}

export interface ReportInput {
  stats: StatsHour[];
  parkedBacklog?: number;
  /** when the newest parked record was stored (its key says): the backlog grows while records keep arriving */
  parkedNewestAt?: string;
  quarantined?: number;
  stale?: { count: number; oldestExpiresAt?: string };
  registrations?: RegistrationHealth[];
  catalog?: Record<string, CatalogStatus>;
  now: number;
  staleAfterMinutes?: number;
  storeErrors?: string[];
  /** which instances each stream lists (default: the buckets and the 20 busiest) */
  instances?: InstancePage;
}

/**
 * The backlog is growing while records are still being parked: one stored within
 * two replay runs (the alarm runs every 5 minutes; a record a run fails again is
 * updated, not added), a fact about the store — not a comparison with whoever looked last.
 */
export const BACKLOG_GROWING_MS = 10 * 60_000;
/** under this much time left, a stale dead letter's expiry is critical */
const STALE_CRITICAL_MS = 24 * 3_600_000;

/** "2 d 3 h", "5 h 10 min", "12 min" */
export function durationInWords(ms: number): string {
  const min = Math.max(0, Math.floor(ms / 60_000));
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  return d ? `${d} d ${h} h` : h ? `${h} h ${m} min` : `${m} min`;
}

const rate = (c: { requests: number; failedRequests: number }): number | null => (c.requests ? c.failedRequests / c.requests : null);
const pct = (r: number): string => `${Math.round(r * 100)} %`;

type Rate = { requests: number; failedRequests: number; unauthenticated: number };
const noRate = (): Rate => ({ requests: 0, failedRequests: 0, unauthenticated: 0 });

function streamWarnings(stream: string, all: StreamCounters, lastHour: Rate, earlier: Rate, now: number, staleMin: number): Warning[] {
  const w: Warning[] = [];
  const age = all.lastEventAt ? (now - Date.parse(all.lastEventAt)) / 60_000 : Infinity;
  if (age > staleMin) {
    w.push({ level: 'warning', code: 'stream_stale', message: `${stream}: no event accepted for ${Number.isFinite(age) ? `${Math.round(age)} minutes` : 'the last 24 hours'}` });
  }
  const r = rate(lastHour);
  if (r !== null && r >= 0.8 && lastHour.requests >= 10) {
    w.push({ level: 'critical', code: 'registration_at_risk', message: `${stream}: ${pct(r)} of deliveries failed in the last hour; Adobe disables a registration at ≥ 80 % failed attempts over 24 h` });
  } else if (r !== null && r >= 0.5) {
    w.push({ level: 'warning', code: 'failure_rate_high', message: `${stream}: ${pct(r)} of deliveries failed in the last hour` });
  }
  if (lastHour.unauthenticated >= 10 && lastHour.unauthenticated >= lastHour.requests) {
    w.push({ level: 'warning', code: 'unauthenticated_requests', message: `${stream}: ${lastHour.unauthenticated} request(s) in the last hour proved no valid signature or token (not counted as failed deliveries); if they are Adobe's or Marketo's, check the key host and token settings, otherwise someone is probing the URL` });
  }
  const push = all.push;
  if (push?.lastFailedAt && (!push.lastOkAt || push.lastFailedAt > push.lastOkAt)) {
    w.push({ level: 'critical', code: 'marketo_push_failing', message: `${stream}: Marketo's last push failed (${push.lastFailure ?? 'error'}, ${push.lastFailedAt}) and none has succeeded since; Marketo retries a failed push 3 times, 3 minutes apart, then pauses the stream and retries every 3 minutes (it keeps activities 7 days)` });
  }
  const before = rate(earlier);
  if (r !== null && before !== null && r >= 0.2 && r >= before * 2) {
    w.push({ level: 'warning', code: 'failure_rate_rising', message: `${stream}: failure rate rose from ${pct(before)} to ${pct(r)} in the last hour` });
  }
  return w;
}

function registrationWarnings(regs: RegistrationHealth[]): Warning[] {
  return regs.flatMap((reg): Warning[] => {
    const name = reg.name ?? reg.id;
    if (reg.error) return [{ level: 'warning', code: 'registration_unknown', message: `registration ${name}: could not be read (${reg.error})` }];
    if (reg.enabled === false) return [{ level: 'critical', code: 'registration_disabled', message: `registration ${name}: Adobe has stopped delivering to it; re-enable it in the Developer Console, then run the journal catch-up` }];
    const s = (reg.webhookStatus ?? '').toLowerCase();
    if (['hook_unreachable', 'disabled'].includes(s)) return [{ level: 'critical', code: 'webhook_unreachable', message: `registration ${name}: webhook status ${reg.webhookStatus}; Adobe has stopped delivering to it` }];
    if (s && !['verified', 'active', 'accepted'].includes(s)) return [{ level: 'warning', code: 'webhook_unhealthy', message: `registration ${name}: webhook status ${reg.webhookStatus}; Adobe may stop delivering soon` }];
    return [];
  });
}

export function buildStatusReport(input: ReportInput): StatusReport {
  const streams: StatusReport['streams'] = {};
  const warnings: Warning[] = [];
  const byStream = new Map<Stream, { all: StreamCounters; last: Rate; earlier: Rate }>();
  const hourAgo = input.now - 3_600_000;
  for (const rec of input.stats) {
    for (const [s, c] of Object.entries(rec.streams) as [Stream, StreamCounters][]) {
      const t = byStream.get(s) ?? { all: emptyCounters(), last: noRate(), earlier: noRate() };
      byStream.set(s, t);
      mergeCounters(t.all, c);
      // the 5-minute slots place each request inside or before the last 60 minutes
      for (const [slot, v] of Object.entries(c.slots)) {
        const into = hourStart(rec.hour) + Number(slot) * 300_000 >= hourAgo - 300_000 ? t.last : t.earlier;
        into.requests += v.requests;
        into.failedRequests += v.failed;
        into.unauthenticated += v.unauthenticated ?? 0;
      }
    }
  }
  const destinations = dict<DestinationCounters>();
  for (const rec of input.stats) for (const [name, c] of Object.entries(rec.destinations ?? {})) mergeDestinationCounters((destinations[name] ??= emptyDestinationCounters()), c);
  for (const [s, t] of byStream) {
    const { slots: _slots, munchkin, ...rest } = t.all;
    void _slots;
    const instances = pageInstances(munchkin, (c) => c.accepted, input.instances ?? DEFAULT_INSTANCE_PAGE);
    streams[s] = { ...rest, munchkin: instances.page, instances: instances.summary, failureRateLastHour: rate(t.last) };
    warnings.push(...streamWarnings(s, t.all, t.last, t.earlier, input.now, input.staleAfterMinutes ?? 60));
  }
  for (const [name, d] of Object.entries(destinations)) {
    // its last error is newer than its last delivery: it is failing now
    if (d.lastError && (!d.lastDeliveredAt || d.lastError.time > d.lastDeliveredAt)) {
      warnings.push({ level: 'warning', code: 'destination_failing', message: `destination ${name}: not delivering since ${d.lastError.time} (${d.lastError.message}); its events are parked for replay (${d.parked}) or dead-lettered when refused (${d.failed})` });
    }
  }
  if (input.parkedBacklog && input.parkedBacklog > 0) {
    const newest = input.parkedNewestAt === undefined ? NaN : input.now - Date.parse(input.parkedNewestAt);
    const growing = newest <= BACKLOG_GROWING_MS;
    warnings.push({ level: growing ? 'critical' : 'warning', code: 'parked_backlog', message: `${input.parkedBacklog} parked record(s) wait for replay${growing ? ` and the backlog is growing (a record was parked ${durationInWords(newest)} ago)` : ''}; check the routes' downstream actions` });
  }
  if (input.stale && input.stale.count > 0) {
    const left = input.stale.oldestExpiresAt === undefined ? NaN : Date.parse(input.stale.oldestExpiresAt) - input.now;
    const expires = Number.isFinite(left) ? `; the oldest expires in ${durationInWords(left)} (${input.stale.oldestExpiresAt})` : '';
    warnings.push({
      level: left < STALE_CRITICAL_MS ? 'critical' : 'warning',
      code: 'stale_dead_letters',
      message: `${input.stale.count} stale dead letter(s): events delivered longer ago than DEDUPE_TTL_HOURS, not forwarded and never replayed automatically (they may have been handed off before)${expires}; replay them on purpose (the console's Stale view, or deadLetters replay with includeStale: true) or discard them`,
    });
  }
  if (input.registrations) warnings.push(...registrationWarnings(input.registrations));
  for (const [m, c] of Object.entries(input.catalog ?? {})) {
    if (c.quotaReached > 0) warnings.push({ level: 'warning', code: 'marketo_quota_reached', message: `activity catalog ${m}: Marketo answered 607 (daily REST quota reached) today; no catalog call until the quota resets at midnight CST` });
    else if (c.dailyBudget !== undefined && c.callsToday >= c.dailyBudget) warnings.push({ level: 'warning', code: 'catalog_budget_spent', message: `activity catalog ${m}: its ${c.dailyBudget} REST calls for today are spent (MARKETO_CATALOG_DAILY_CALLS)` });
  }
  if (input.storeErrors?.length) {
    warnings.push({ level: 'critical', code: 'store_unavailable', message: `the store failed (${input.storeErrors.join(', ')}); deliveries that need it are answered 503 until it is back` });
  }
  return {
    overall: warnings.some((w) => w.level === 'critical') ? 'critical' : warnings.length ? 'warning' : 'ok',
    generatedAt: new Date(input.now).toISOString(),
    windowHours: 24,
    streams,
    destinations,
    parkedBacklog: input.parkedBacklog ?? null,
    quarantined: input.quarantined ?? null,
    stale: input.stale ?? null,
    storeErrors: input.storeErrors ?? [],
    catalog: input.catalog ?? {},
    registrations: input.registrations ?? { note: 'Adobe registration health is not checked: set ADOBE_CONSUMER_ORG_ID, ADOBE_PROJECT_ID, ADOBE_WORKSPACE_ID and ADOBE_REGISTRATION_IDS (the IMS credential comes from the include-ims-credentials annotation)' },
    warnings,
  };
}
