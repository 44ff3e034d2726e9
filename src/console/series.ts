/**
 * The console's charts: per stream, the last 24 hours hour by hour — accepted,
 * forwarded, duplicates, parked, quarantined, refused by reason — summed over
 * the containers' stats records (src/status/stats.ts), and the same per
 * munchkinId (accepted events). Hours with no record are zeros, so every chart
 * has 24 bars, oldest first.
 */
import type { Stream } from '../envelope/envelope';
import { hourKey } from '../envelope/time';
import { DEFAULT_INSTANCE_PAGE, pageInstances, type InstancePage, type InstancesSummary } from '../status/instances';
import { dict, storedInstance, type StatsHour } from '../status/stats';

export interface HourPoint {
  /** yyyymmddhh (UTC) */
  hour: string;
  accepted: number;
  forwarded: number;
  duplicates: number;
  parked: number;
  quarantined: number;
  /** requests refused, by `<status> <reason>` (401s included: they are refused too) */
  refused: Record<string, number>;
}

export interface StreamSeries {
  hours: HourPoint[];
  /** accepted events per instance and hour (same hours as `hours`): a page of the instances, as the status report's */
  munchkin: Record<string, { accepted: number[]; lastEventAt?: string }>;
  /** what the page leaves out */
  instances: InstancesSummary;
  lastEventAt?: string;
}

const HOUR = 3_600_000;

export function streamSeries(stats: StatsHour[], now: number, o: { hours?: number; instances?: InstancePage } = {}): Partial<Record<Stream, StreamSeries>> {
  const hours = o.hours ?? 24;
  const keys = Array.from({ length: hours }, (_, i) => hourKey(now - (hours - 1 - i) * HOUR));
  const index = new Map(keys.map((k, i) => [k, i]));
  const out: Partial<Record<Stream, StreamSeries>> = {};
  for (const rec of stats) {
    const at = index.get(rec.hour);
    if (at === undefined) continue;
    for (const [stream, c] of Object.entries(rec.streams) as [Stream, NonNullable<StatsHour['streams'][Stream]>][]) {
      const s = (out[stream] ??= { hours: keys.map((hour) => ({ hour, accepted: 0, forwarded: 0, duplicates: 0, parked: 0, quarantined: 0, refused: dict<number>() })), munchkin: dict(), instances: { total: 0, offset: 0, limit: 0, rest: { instances: 0, accepted: 0 } } });
      const p = s.hours[at];
      p.accepted += c.accepted;
      p.forwarded += Object.values(c.forwarded).reduce((n, x) => n + x, 0);
      p.duplicates += c.duplicates;
      p.parked += c.parked;
      p.quarantined += c.quarantined;
      for (const [reason, n] of Object.entries(c.rejected)) p.refused[reason] = (p.refused[reason] ?? 0) + n;
      if (c.lastEventAt && (!s.lastEventAt || c.lastEventAt > s.lastEventAt)) s.lastEventAt = c.lastEventAt;
      for (const [m, mc] of Object.entries(c.munchkin)) {
        const t = (s.munchkin[storedInstance(m)] ??= { accepted: keys.map(() => 0) });
        t.accepted[at] += mc.accepted;
        if (mc.lastEventAt && (!t.lastEventAt || mc.lastEventAt > t.lastEventAt)) t.lastEventAt = mc.lastEventAt;
      }
    }
  }
  const sum = (c: { accepted: number[] }): number => c.accepted.reduce((n, x) => n + x, 0);
  for (const s of Object.values(out)) {
    const paged = pageInstances(s.munchkin, sum, o.instances ?? DEFAULT_INSTANCE_PAGE);
    s.munchkin = paged.page;
    s.instances = paged.summary;
  }
  return out;
}
