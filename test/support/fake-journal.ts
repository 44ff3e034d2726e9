/**
 * A local fake of the I/O Events Journaling API: N events in pages of `pageSize`
 * with `Link: <…>; rel="next"`, 204 + retry-after past the end, 410 for an
 * expired position, one 500 on a chosen page, 401 for a wrong token.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeJournal {
  url: string;
  requests: number;
  close(): Promise<void>;
}

export async function startFakeJournal(o: { events: unknown[]; pageSize: number; token: string; failOncePage?: number; expiredPositions?: string[] }): Promise<FakeJournal> {
  const fake = { requests: 0 } as FakeJournal;
  let failed = false;
  const server = http.createServer((req, res) => {
    fake.requests++;
    const u = new URL(req.url ?? '/', 'http://x');
    if (req.headers.authorization !== `Bearer ${o.token}` || !req.headers['x-api-key']) return void res.writeHead(401).end();
    const since = u.searchParams.get('since');
    if (since && o.expiredPositions?.includes(since)) return void res.writeHead(410).end();
    const start = since ? Number(since.replace('pos-', '')) + 1 : 0;
    if (start >= o.events.length) return void res.writeHead(204, { 'retry-after': '10' }).end();
    const page = Math.floor(start / o.pageSize);
    if (page === o.failOncePage && !failed) {
      failed = true;
      return void res.writeHead(500).end();
    }
    const slice = o.events.slice(start, start + o.pageSize).map((e, i) => ({ position: `pos-${start + i}`, event: { header: {}, body: e } }));
    const last = slice[slice.length - 1].position;
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${u.pathname}`;
    res.writeHead(200, {
      'content-type': 'application/json',
      link: `<${base}?latest=true>; rel="latest", <${base}?since=${last}>; rel="next", <${base}/count?since=${last}>; rel="count"`,
    });
    res.end(JSON.stringify({ events: slice, _page: { last, count: slice.length } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events/org/journal/abc`;
  fake.close = () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
  return fake;
}
