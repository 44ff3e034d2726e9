/**
 * The per-instance lists of the status report and the console's series, a page at
 * a time: the stats records together may name thousands of munchkinIds (each record
 * at most MAX_INSTANCES per stream, src/status/stats.ts), and an answer must stay
 * far below Runtime's 1 MB result limit. A page holds the buckets `invalid` and
 * `other` whenever they counted anything, then the instances by accepted events
 * (most first, ties by id), `instanceLimit` of them from `instanceOffset`; what the
 * page leaves out is summed in `rest`, so the page and the rest add up to the
 * stream's accepted events that named an instance.
 */
import { isInstanceBucket } from './stats';

export interface InstancePage {
  offset: number;
  limit: number;
}

export const DEFAULT_INSTANCE_LIMIT = 20;
/** 100 instances with their 24 hourly counts, per stream: ≈ 20 KB of the console's answer each. */
export const MAX_INSTANCE_LIMIT = 100;
export const DEFAULT_INSTANCE_PAGE: InstancePage = { offset: 0, limit: DEFAULT_INSTANCE_LIMIT };

/** What a page says about the whole list. */
export interface InstancesSummary {
  /** instances named (buckets aside) */
  total: number;
  offset: number;
  limit: number;
  /** the instances this page leaves out, and their accepted events */
  rest: { instances: number; accepted: number };
}

/** `instanceOffset` and `instanceLimit` from a request (`param` reads one by name), or what is wrong with them. */
export function instancePageOf(param: (name: string) => unknown): { ok: true; page: InstancePage } | { ok: false; message: string } {
  const read = (name: string, fallback: number): number => {
    const v = param(name);
    return v === undefined || v === '' ? fallback : typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : NaN;
  };
  const offset = read('instanceOffset', 0);
  const limit = read('instanceLimit', DEFAULT_INSTANCE_LIMIT);
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(limit) || limit < 1 || limit > MAX_INSTANCE_LIMIT) {
    return { ok: false, message: `instanceOffset must be an integer ≥ 0 and instanceLimit one from 1 to ${MAX_INSTANCE_LIMIT}` };
  }
  return { ok: true, page: { offset, limit } };
}

/** The page of `all` (instance → count), `accepted` reading a count's events. */
export function pageInstances<T>(all: Record<string, T>, accepted: (v: T) => number, page: InstancePage): { page: Record<string, T>; summary: InstancesSummary } {
  const out = Object.create(null) as Record<string, T>;
  const named: [string, number][] = [];
  for (const k in all) {
    if (isInstanceBucket(k)) out[k] = all[k];
    else named.push([k, accepted(all[k])]);
  }
  named.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const end = page.offset + page.limit;
  const rest = { instances: 0, accepted: 0 };
  named.forEach(([k, n], i) => {
    if (i >= page.offset && i < end) out[k] = all[k];
    else {
      rest.instances++;
      rest.accepted += n;
    }
  });
  return { page: out, summary: { total: named.length, offset: page.offset, limit: page.limit, rest } };
}
