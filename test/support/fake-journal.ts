/**
 * A local fake of the I/O Events Journaling API: N events in pages of `pageSize`
 * with `Link: <…>; rel="next"`, 204 + retry-after past the end, 410 for an
 * expired position, one 500 on a chosen page, 401 for a wrong token; `seek`
 * (ISO 8601 duration back from `now`, by each event's journal time) and
 * `latest=true` as journaling-api.md documents them; a page whose body is not
 * JSON; entries as `{ header, body }` unless `entry` shapes them otherwise.
 * Every request's URL and headers are recorded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeJournal {
  url: string;
  requests: number;
  /** every request, in order */
  seen: { url: URL; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

export interface FakeJournalOptions {
  events: unknown[];
  pageSize: number;
  token: string;
  failOncePage?: number;
  expiredPositions?: string[];
  /** epoch ms each event was written to the journal (for seek); default: all at `now` */
  writtenAt?: number[];
  now?: number;
  /** this page (0-based) answers 200 with an HTML body */
  notJsonPage?: number;
  /** the journal entry's `event` for event i (default `{ header: {}, body: e }`) */
  entry?: (e: unknown, i: number) => unknown;
}

/** -P2DT3H4M5S / -PT2H → ms */
function durationMs(iso: string): number | undefined {
  const m = /^-P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso);
  if (!m) return undefined;
  return ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000 + Number(m[4] ?? 0) * 1000;
}

export async function startFakeJournal(o: FakeJournalOptions): Promise<FakeJournal> {
  const fake = { requests: 0, seen: [] } as unknown as FakeJournal;
  let failed = false;
  const now = o.now ?? Date.now();
  const server = http.createServer((req, res) => {
    fake.requests++;
    const u = new URL(req.url ?? '/', 'http://x');
    fake.seen.push({ url: u, headers: req.headers });
    if (req.headers.authorization !== `Bearer ${o.token}` || !req.headers['x-api-key']) return void res.writeHead(401).end();
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${u.pathname}`;
    const since = u.searchParams.get('since');
    const seek = u.searchParams.get('seek');
    if (since && seek) return void res.writeHead(400).end('seek and since cannot be used together');
    if (since && o.expiredPositions?.includes(since)) return void res.writeHead(410).end();
    let start = since ? Number(since.replace('pos-', '')) + 1 : 0;
    if (seek) {
      const back = durationMs(seek);
      if (back === undefined) return void res.writeHead(400).end('bad seek');
      const written = o.writtenAt ?? o.events.map(() => now);
      start = written.findIndex((t) => t >= now - back);
      if (start < 0) start = o.events.length;
    }
    if (u.searchParams.get('latest') === 'true') start = o.events.length;
    if (start >= o.events.length) {
      const last = `pos-${start - 1}`;
      return void res.writeHead(204, { 'retry-after': '10', link: `<${base}?since=${last}>; rel="next"` }).end();
    }
    const page = Math.floor(start / o.pageSize);
    if (page === o.failOncePage && !failed) {
      failed = true;
      return void res.writeHead(500).end();
    }
    const slice = o.events.slice(start, start + o.pageSize).map((e, i) => ({ position: `pos-${start + i}`, event: o.entry ? o.entry(e, start + i) : { header: {}, body: e } }));
    const last = slice[slice.length - 1].position;
    res.writeHead(200, {
      'content-type': page === o.notJsonPage ? 'text/html' : 'application/json',
      link: `<${base}?latest=true>; rel="latest", <${base}?since=${last}>; rel="next", <${base}/count?since=${last}>; rel="count"`,
    });
    res.end(page === o.notJsonPage ? '<html><body>502 Bad Gateway</body></html>' : JSON.stringify({ events: slice, _page: { last, count: slice.length } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events/org/journal/abc`;
  fake.close = () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
  return fake;
}
