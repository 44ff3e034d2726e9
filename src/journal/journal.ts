/**
 * The I/O Events Journaling API, page by page: follow `Link: <…>; rel="next"`,
 * stop (or wait) on 204 + `retry-after`, report 410 (the position is older than
 * the journal's 7-day retention) and auth failures clearly, retry 5xx a little.
 * Plain fetch rather than aio-lib-events' journal client: that client does not
 * expose the 204 retry-after or the 410 distinctly, which catch-up must report.
 */
import { findLink } from './link-header';

export interface JournalPage {
  position?: string;
  events: unknown[];
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
  /** a journal position to continue from */
  since?: string;
  maxEvents: number;
  maxPages: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/** The rel="next" target of a Link header (several links, any order, quoted parameters, rel lists). */
export const nextLink = (header: string | null, base: string): string | undefined => findLink(header, base, 'next');

type Entry = { position?: string; event?: { body?: unknown } | unknown };

async function getPage(url: string, o: PullOptions): Promise<Response | JournalEnd> {
  const doFetch = o.fetch ?? fetch;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await doFetch(url, { headers: { authorization: `Bearer ${o.token}`, 'x-api-key': o.apiKey, accept: 'application/json' }, signal: AbortSignal.timeout(15_000) });
    } catch (err) {
      if (attempt < 2) { await sleep(500 * 2 ** attempt); continue; }
      return { reason: 'error', message: `the journal could not be reached: ${(err as Error).name}` };
    }
    if (res.status >= 500 && attempt < 2) { await sleep(500 * 2 ** attempt); continue; }
    return res;
  }
}

export async function* pullJournal(o: PullOptions): AsyncGenerator<JournalPage, JournalEnd> {
  let url = o.since ? `${o.url}${o.url.includes('?') ? '&' : '?'}since=${encodeURIComponent(o.since)}` : o.url;
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
    const body = (await res.json().catch(() => ({}))) as { events?: Entry[] };
    const entries = Array.isArray(body.events) ? body.events : [];
    const out = entries.map((e) => {
      const ev = e.event as { body?: unknown } | undefined;
      return ev && typeof ev === 'object' && 'body' in ev && ev.body && typeof ev.body === 'object' ? ev.body : e.event;
    });
    if (entries.length) lastPosition = entries[entries.length - 1].position ?? lastPosition;
    events += out.length;
    yield { position: lastPosition, events: out.filter((e) => e !== undefined) };
    const next = nextLink(res.headers.get('link'), url);
    if (!next) return { reason: 'caught-up', lastPosition, message: 'the journal has no next page' };
    // the token goes only to the journal's own origin
    if (new URL(next).origin !== new URL(o.url).origin) return { reason: 'error', lastPosition, message: `refused a next link to another origin (${new URL(next).origin})` };
    if (events >= o.maxEvents) return { reason: 'limit', lastPosition, message: `stopped after ${events} events; continue with --position ${lastPosition}` };
    url = next;
  }
  return { reason: 'limit', lastPosition, message: `stopped after ${o.maxPages} pages; continue with --position ${lastPosition}` };
}
