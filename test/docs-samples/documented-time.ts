/**
 * Documented samples carry the times their pages were written (2020–2026). A
 * relay receiving them today rightly sets them aside as stale (older than
 * idempotency remembers), so tests that deliver them live do so at the time the
 * page documents: Date is faked to one minute after the sample's newest time
 * (timers stay real, so sockets and timeouts behave as usual).
 */
type Obj = Record<string, unknown>;

/** The documented time in UTC, read independently of src/envelope/time.ts: zone-less means UTC (MARKETO_ZONELESS_TIME_ZONE's default). */
export function expectedUtc(time: unknown): string | undefined {
  if (typeof time !== 'string') return undefined;
  const m = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d(?::\d\d(?:\.\d+)?)?)\s*(Z|[+-]\d{1,2}(?::?\d\d)?)?$/i.exec(time.trim());
  if (!m) return undefined;
  let zone = m[3] ?? 'Z';
  const off = /^([+-])(\d{1,2}):?(\d\d)?$/.exec(zone);
  if (off) zone = `${off[1]}${off[2].padStart(2, '0')}:${off[3] ?? '00'}`;
  const ms = Date.parse(`${m[1]}T${m[2]}${zone.toUpperCase()}`);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every time a documented element states: its CloudEvent time and its activity's activityDate. */
function timesOf(element: Obj): unknown[] {
  const ce = isObj(element.event) ? (isObj(element.event.body) ? element.event.body : element.event) : element;
  const data = isObj(ce.data) ? ce.data : {};
  return [ce.time, data.activityDate, element.activityDate];
}

/** Fakes Date (only) to just after the newest documented time of `elements`; returns how to restore it. */
export function atDocumentedTime(elements: Obj[]): () => void {
  const times = elements.flatMap(timesOf).map(expectedUtc).filter((t): t is string => t !== undefined).map(Date.parse);
  if (times.length === 0) return () => undefined;
  jest.useFakeTimers({
    now: Math.max(...times) + 60_000,
    doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'],
  });
  return () => jest.useRealTimers();
}
