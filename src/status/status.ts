/** The status action's composition: counters of the last 24 h, backlogs, registration health → report. */
import type { Stores } from '../delivery/stores';
import { buildStatusReport, type StatusReport } from './report';
import { adobeApiConfig, readRegistrations } from './registrations';
import { STATS_PREFIX, type StatsHour } from './stats';
import { hourKey } from '../envelope/time';
import { runBounded } from '../delivery/forward';
import { readCatalogStatus } from './catalog';
import type { InstancePage } from './instances';

/** The stats records of the last 24 h, every container's. */
async function readStats(stores: Stores, now: number): Promise<StatsHour[]> {
  const oldest = hourKey(now - 24 * 3_600_000);
  const keys: string[] = [];
  for await (const k of stores.kv.keys(STATS_PREFIX)) if (k.slice(STATS_PREFIX.length, STATS_PREFIX.length + 10) >= oldest) keys.push(k);
  const values = await runBounded(keys.map((k) => () => stores.kv.get(k)), 8);
  return values.flatMap((v) => {
    try {
      return v ? [JSON.parse(v) as StatsHour] : [];
    } catch {
      return [];
    }
  });
}

/**
 * Store errors are reported (`storeErrors`, and a critical warning), never thrown:
 * the status action answers even when the store cannot be opened. `onStats`
 * gets the stats records read for it (the console draws its charts from them).
 */
export async function statusReport(open: Stores | (() => Promise<Stores>), inputs: Record<string, unknown>, now: number, o: { onStats?: (stats: StatsHour[]) => void; instances?: InstancePage } = {}): Promise<StatusReport> {
  const storeErrors: string[] = [];
  const settle = async <T>(p: Promise<T>, what: string): Promise<T | undefined> =>
    p.catch((err: Error) => void storeErrors.push(`${what}: ${err?.name ?? 'Error'}`));
  let stores: Stores;
  try {
    stores = typeof open === 'function' ? await open() : open;
  } catch (err) {
    return buildStatusReport({ stats: [], now, storeErrors: [`open: ${(err as Error)?.name ?? 'Error'}`] });
  }
  const adobe = adobeApiConfig(inputs);
  // read only: nothing here is written, so who asked before (status, the console) changes nothing
  const [stats, parked, quarantined, stale, registrations, catalog] = await Promise.all([
    settle(readStats(stores, now), 'stats'),
    settle(stores.parking.census({ maxScan: 10_000 }), 'parking'),
    settle(stores.deadLetter.count({ maxScan: 10_000 }), 'dead-letter'),
    settle(stores.stale.census({ maxScan: 10_000 }), 'stale'),
    adobe ? readRegistrations(adobe) : Promise.resolve(undefined),
    settle(readCatalogStatus(stores.kv, now), 'catalog'),
  ]);
  if (stats) o.onStats?.(stats);
  return buildStatusReport({
    stats: stats ?? [],
    parkedBacklog: parked?.count,
    parkedNewestAt: parked?.newestStoredAt,
    quarantined,
    stale: stale && { count: stale.count, ...(stale.oldestStoredAt ? { oldestExpiresAt: stores.stale.expiresAt({ storedAt: stale.oldestStoredAt }) } : {}) },
    registrations,
    catalog,
    now,
    storeErrors,
    instances: o.instances,
  });
}

// a value from a request (munchkinId, reason, route) must not start a line or drive the terminal
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const printable = (line: string): string => line.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** A compact text rendering for `?format=text`: one line per fact, control characters escaped. */
export function statusText(r: StatusReport): string {
  const lines = [`overall: ${r.overall}   (generated ${r.generatedAt}, last ${r.windowHours} h)`];
  for (const [s, c] of Object.entries(r.streams)) {
    const fwd = Object.entries(c.forwarded).map(([k, n]) => `${k}=${n}`).join(' ') || '-';
    const rej = Object.entries(c.rejected).map(([k, n]) => `${k}=${n}`).join(' ') || '-';
    lines.push(`${s.padEnd(14)} accepted ${c.accepted}  forwarded ${fwd}  duplicates ${c.duplicates}  parked ${c.parked}  rejected ${rej}  unauthenticated ${c.unauthenticated ?? 0}  last event ${c.lastEventAt ?? 'never'}`);
    for (const [m, mc] of Object.entries(c.munchkin)) lines.push(`  ${m.padEnd(12)} accepted ${mc.accepted}  last event ${mc.lastEventAt ?? 'never'}`);
    if (c.instances.rest.instances) lines.push(`  ${c.instances.rest.instances} more instance(s), accepted ${c.instances.rest.accepted} (instanceOffset, instanceLimit page them)`);
  }
  for (const [name, d] of Object.entries(r.destinations)) {
    lines.push(`destination ${name.padEnd(14)} delivered ${d.delivered}  parked ${d.parked}  failed ${d.failed}  last delivered ${d.lastDeliveredAt ?? 'never'}${d.lastError ? `  last error ${d.lastError.message} at ${d.lastError.time}` : ''}`);
  }
  lines.push(`parked backlog: ${r.parkedBacklog ?? 'unknown'}   quarantined: ${r.quarantined ?? 'unknown'}   stale: ${r.stale ? `${r.stale.count}${r.stale.oldestExpiresAt ? ` (oldest expires ${r.stale.oldestExpiresAt})` : ''}` : 'unknown'}`);
  for (const [m, c] of Object.entries(r.catalog)) {
    lines.push(`catalog ${m.padEnd(12)} ${c.version ? `version ${c.version} (${c.types} types, fetched ${c.fetchedAt})` : 'none stored'}  REST calls today ${c.callsToday}/${c.dailyBudget ?? '-'}  refused ${c.refused}  606 ${c.rateLimited}  607 ${c.quotaReached}${c.lastError ? `  last error ${c.lastError.code} at ${c.lastError.at}` : ''}`);
  }
  if (r.storeErrors.length) lines.push(`store errors: ${r.storeErrors.join(', ')}`);
  for (const w of r.warnings) lines.push(`${w.level.toUpperCase()}: ${w.message}`);
  return `${lines.map(printable).join('\n')}\n`;
}
