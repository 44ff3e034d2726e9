/**
 * The I/O Events Journaling API (journaling-api.md), page by page: the first
 * request starts at a position (`since`), a point in time (`seek`, an ISO 8601
 * duration such as -PT2H) or the end (`latest=true`) — never both `seek` and
 * `since` — and every later one follows `Link: <…>; rel="next"`; each carries
 * `Authorization`, `x-api-key` and `x-ims-org-id`. 204 + `retry-after` is the
 * end, 410 a position older than the 7-day retention, 401/403 refused
 * credentials, 5xx retried a little; a 200 whose body is not a JSON page is an
 * error, never "caught up".
 *
 * Plain fetch rather than aio-lib-events' getEventsFromJournal: that client takes
 * only latest / since / limit (no seek), reports 401, 403 and 410 alike as one
 * error whose message holds the status, and turns a body that is not JSON into an
 * exception of its JSON parser — catch-up must tell each of these apart.
 */
import type { Json } from '../envelope/fields';
import { elementOfJournalEntry } from './entry';
import { findLink } from './link-header';

export interface JournalPage {
  position?: string;
  /** the elements as their live delivery carries them (see entry.ts) */
  events: Json[];
  /** entries that held no event object */
  skipped: number;
}

export interface JournalEnd {
  reason: 'caught-up' | 'limit' | 'expired' | 'auth' | 'error';
  lastPosition?: string;
  retryAfterSeconds?: number;
  message: string;
}

export interface PullOptions {
  url: string;
  token: string;
  apiKey: string;
  /** the IMS org id (`…@AdobeOrg`), sent as x-ims-org-id */
  orgId: string;
  /** a journal position to continue from (exclusive) */
  since?: string;
  /** without a position: an ISO 8601 duration to seek back to, e.g. -PT2H */
  seek?: string;
  /** without a position or seek: start at the end of the journal */
  latest?: boolean;
  maxEvents: number;
  maxPages: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/** The rel="next" target of a Link header (several links, any order, quoted parameters, rel lists). */
export const nextLink = (header: string | null, base: string): string | undefined => findLink(header, base, 'next');

type Entry = { position?: string; event?: unknown };

/** The first request: position, else seek, else latest, else the oldest available event. */
export function firstPageUrl(o: Pick<PullOptions, 'url' | 'since' | 'seek' | 'latest'>): string {
  const u = new URL(o.url);
  for (const p of ['since', 'seek', 'latest']) u.searchParams.delete(p);
  if (o.since) u.searchParams.set('since', o.since);
  else if (o.seek) u.searchParams.set('seek', o.seek);
  else if (o.latest) u.searchParams.set('latest', 'true');
  return u.toString();
}

async function getPage(url: string, o: PullOptions): Promise<Response | JournalEnd> {
  const doFetch = o.fetch ?? fetch;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await doFetch(url, { headers: { authorization: `Bearer ${o.token}`, 'x-api-key': o.apiKey, 'x-ims-org-id': o.orgId, accept: 'application/json' }, signal: AbortSignal.timeout(15_000) });
    } catch (err) {
      if (attempt < 2) { await sleep(500 * 2 ** attempt); continue; }
      return { reason: 'error', message: `the journal could not be reached: ${(err as Error).name}` };
    }
    if (res.status >= 500 && attempt < 2) { await sleep(500 * 2 ** attempt); continue; }
    return res;
  }
}

const isPage = (v: unknown): v is { events: Entry[] } =>
  typeof v === 'object' && v !== null && Array.isArray((v as { events?: unknown }).events);

export async function* pullJournal(o: PullOptions): AsyncGenerator<JournalPage, JournalEnd> {
  let url = firstPageUrl(o);
  let events = 0;
  let lastPosition = o.since;
  for (let page = 0; page < o.maxPages; page++) {
    const res = await getPage(url, o);
    if (!(res instanceof Response)) return { ...res, lastPosition };
    if (res.status === 204) {
      const retry = Number(res.headers.get('retry-after') ?? 0);
      return { reason: 'caught-up', lastPosition, retryAfterSeconds: retry || undefined, message: 'no newer events in the journal' };
    }
    if (res.status === 410) return { reason: 'expired', lastPosition, message: 'the journal position is older than the 7-day retention; restart with --since <a time within 7 days> (or latest)' };
    if (res.status === 401 || res.status === 403) return { reason: 'auth', lastPosition, message: `the journal refused the credentials (HTTP ${res.status})` };
    if (!res.ok) return { reason: 'error', lastPosition, message: `the journal answered HTTP ${res.status}` };
    const text = await res.text().catch(() => undefined);
    let body: unknown;
    try {
      body = text === undefined ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    const entries = isPage(body) ? body.events : undefined;
    if (!entries) {
      return { reason: 'error', lastPosition, message: `the journal answered ${res.status} with a body that is not a page of events (${(text ?? '').length} bytes); rerun from ${lastPosition ? `--position ${lastPosition}` : 'the same start'}` };
    }
    const out: Json[] = [];
    let skipped = 0;
    for (const entry of entries) {
      const element = elementOfJournalEntry(entry);
      if (element) out.push(element);
      else skipped++;
    }
    if (entries.length) lastPosition = entries[entries.length - 1].position ?? lastPosition;
    events += out.length;
    yield { position: lastPosition, events: out, skipped };
    const next = nextLink(res.headers.get('link'), url);
    if (!next) return { reason: 'caught-up', lastPosition, message: 'the journal has no next page' };
    // the token goes only to the journal's own origin
    if (new URL(next).origin !== new URL(o.url).origin) return { reason: 'error', lastPosition, message: `refused a next link to another origin (${new URL(next).origin})` };
    if (events >= o.maxEvents) return { reason: 'limit', lastPosition, message: `stopped after ${events} events; continue with --position ${lastPosition}` };
    url = next;
  }
  return { reason: 'limit', lastPosition, message: `stopped after ${o.maxPages} pages; continue with --position ${lastPosition}` };
}
