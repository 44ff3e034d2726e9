/**
 * Event times arrive as RFC 3339 ("2026-03-02T10:20:42.755Z"), as Marketo's
 * zone-less form with a space ("2026-03-02 10:20:42.755", which is UTC), or as
 * epoch milliseconds. All become ISO 8601 UTC; anything else is undefined.
 */
const ZONELESS = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const MIN_MS = Date.UTC(1990, 0, 1);
const MAX_MS = Date.UTC(2200, 0, 1);

const inRange = (ms: number): boolean => Number.isFinite(ms) && ms >= MIN_MS && ms < MAX_MS;
/**
 * JavaScript's parser rolls impossible dates over (2026-02-30 becomes 2 March,
 * 24:00 the next day): the calendar date and hour written must exist.
 */
function realDate(s: string): boolean {
  const [y, m, d] = [Number(s.slice(0, 4)), Number(s.slice(5, 7)), Number(s.slice(8, 10))];
  const hour = s.length > 10 ? Number(s.slice(11, 13)) : 0;
  return m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate() && hour <= 23;
}

/** JavaScript's parser takes at most milliseconds: cut longer fractions. */
const trimFraction = (s: string): string => s.replace(/(\.\d{3})\d+/, '$1');

export function toIsoUtc(value: unknown): string | undefined {
  let ms: number;
  if (typeof value === 'number') {
    ms = value;
  } else if (typeof value === 'string') {
    const s = value.trim();
    if (!realDate(s)) return undefined;
    const zoneless = ZONELESS.exec(s);
    if (zoneless) ms = Date.parse(trimFraction(`${zoneless[1]}T${zoneless[2]}Z`));
    else if (RFC3339.test(s)) ms = Date.parse(trimFraction(s.replace(' ', 'T')).replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    else if (DATE_ONLY.test(s)) ms = Date.parse(`${s}T00:00:00Z`);
    else return undefined;
  } else {
    return undefined;
  }
  return inRange(ms) ? new Date(ms).toISOString() : undefined;
}

/** The UTC hour of an epoch-ms time as `yyyymmddhh` (store keys that sort by time). */
export const hourKey = (ms: number): string => new Date(ms).toISOString().slice(0, 13).replace(/[-T]/g, '');

/** The epoch ms at which an `yyyymmddhh` hour key starts. */
export const hourKeyStart = (hour: string): number => Date.parse(`${hour.slice(0, 4)}-${hour.slice(4, 6)}-${hour.slice(6, 8)}T${hour.slice(8, 10)}:00:00Z`);
