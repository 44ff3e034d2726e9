/**
 * Event times → ISO 8601 UTC. They arrive as RFC 3339 ("2026-03-02T10:20:42.755Z"),
 * with offsets Marketo writes without the leading zero ("2021-05-27T10:22:37.489-5:00",
 * "+5:30", with or without seconds and fractions), zone-less with a space or a "T"
 * ("2024-07-11 13:20:42.755": Adobe does not document its zone; it is read in the zone
 * configured as MARKETO_ZONELESS_TIME_ZONE, UTC by default), as a date alone, or as
 * epoch milliseconds. Anything else is undefined: the caller keeps it verbatim.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*([Zz]|[+-](?:\d{2}(?::?\d{2})?|\d:\d{2}))?)?$/;
const MIN_MS = Date.UTC(1990, 0, 1);
const MAX_MS = Date.UTC(2200, 0, 1);
export const DEFAULT_ZONELESS_TIME_ZONE = 'UTC';

const inRange = (ms: number): boolean => Number.isFinite(ms) && ms >= MIN_MS && ms < MAX_MS;

/** Minutes east of UTC written as `Z`, `+05:30`, `+0530`, `+05`, `-5:00`; undefined when impossible. */
function offsetMinutes(zone: string): number | undefined {
  if (zone === 'Z' || zone === 'z') return 0;
  const m = /^([+-])(\d\d?)(?::?(\d\d))?$/.exec(zone);
  if (!m) return undefined;
  const h = Number(m[2]);
  const min = m[3] === undefined ? 0 : Number(m[3]);
  if (h > 23 || min > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (h * 60 + min);
}

/** Zones that are UTC by definition: no Intl, whose first formatter loads ICU's zone data (≈ 10 ms of a cold start). */
const isUtc = (timeZone: string): boolean => timeZone === 'UTC' || timeZone === 'Etc/UTC';

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is an IANA zone name this runtime knows (Intl, no library). */
export function isTimeZone(timeZone: string): boolean {
  if (isUtc(timeZone)) return true;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at the instant `ms`, in ms (wall clock there − UTC). */
function zoneOffsetMs(timeZone: string, ms: number): number {
  const p: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant a wall-clock time in `timeZone` denotes. Near a DST change the two
 * offsets in play are tried: a time that occurs twice is its first occurrence,
 * one the change skipped is read with the offset before the change (02:30 → 03:30).
 */
function zonedToUtc(wallMs: number, timeZone: string): number {
  if (isUtc(timeZone)) return wallMs;
  const first = zoneOffsetMs(timeZone, wallMs);
  const second = zoneOffsetMs(timeZone, wallMs - first);
  if (first === second) return wallMs - first;
  const valid = [first, second].filter((o) => zoneOffsetMs(timeZone, wallMs - o) === o);
  return wallMs - (valid.length ? Math.max(...valid) : Math.min(first, second));
}

/** `value` as ISO 8601 UTC, or undefined when it is not a time this reads. */
export function toIsoUtc(value: unknown, zonelessTimeZone: string = DEFAULT_ZONELESS_TIME_ZONE): string | undefined {
  let ms: number;
  if (typeof value === 'number') {
    ms = value;
  } else if (typeof value === 'string') {
    const m = DATE_TIME.exec(value.trim());
    if (!m) return undefined;
    const [y, mo, d, h = 0, mi = 0, s = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => (v === undefined ? undefined : Number(v)));
    // JavaScript's own parser rolls impossible dates over (2026-02-30 becomes 2 March): the date and time written must exist
    if (mo! < 1 || mo! > 12 || d! < 1 || d! > new Date(Date.UTC(y!, mo!, 0)).getUTCDate() || h! > 23 || mi! > 59 || s! > 59) return undefined;
    const fraction = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
    const wall = Date.UTC(y!, mo! - 1, d!, h, mi, s, fraction);
    if (m[8] !== undefined) {
      const offset = offsetMinutes(m[8]);
      if (offset === undefined) return undefined;
      ms = wall - offset * 60_000;
    } else {
      ms = zonedToUtc(wall, zonelessTimeZone);
    }
  } else {
    return undefined;
  }
  return inRange(ms) ? new Date(ms).toISOString() : undefined;
}

/** Where an envelope's `time` came from when not from the event's own time field. */
export type TimeSource = 'cloudevent' | 'received';

/** An envelope's time: the first candidate that parses; else the receipt time, said so, with the unreadable text kept. */
export function eventTime(
  candidates: readonly { value: unknown; source?: TimeSource }[],
  receivedAt: string,
  zonelessTimeZone: string | undefined,
): { time: string; timeSource?: TimeSource; timeText?: string } {
  let timeText: string | undefined;
  for (const c of candidates) {
    if (c.value === undefined || c.value === null) continue;
    const time = toIsoUtc(c.value, zonelessTimeZone);
    if (time) return { time, ...(c.source ? { timeSource: c.source } : {}), ...(timeText !== undefined ? { timeText } : {}) };
    timeText ??= typeof c.value === 'string' ? c.value : JSON.stringify(c.value);
  }
  return { time: receivedAt, timeSource: 'received', ...(timeText !== undefined ? { timeText } : {}) };
}

/** The UTC hour of an epoch-ms time as `yyyymmddhh` (store keys that sort by time). */
export const hourKey = (ms: number): string => new Date(ms).toISOString().slice(0, 13).replace(/[-T]/g, '');

/** The epoch ms at which an `yyyymmddhh` hour key starts. */
export const hourKeyStart = (hour: string): number => Date.parse(`${hour.slice(0, 4)}-${hour.slice(4, 6)}-${hour.slice(6, 8)}T${hour.slice(8, 10)}:00:00Z`);
