/**
 * aio-lib-state with its HTTP calls faked: the REAL library runs, and its fetch
 * is answered by an in-memory model of the State service (get/put/delete/list
 * with cursor paging, TTL), counting keys, bytes and calls against the quotas.
 *
 * It refuses what the service refuses, at its documented limits
 * (AdobeDocs/app-builder @da263cf, storage/application-state.md, Constraints:
 * "Max state value size: 1MB", "Max state key size: 1024 bytes", keys
 * alphanumeric with `-`, `_`, `.`): a value over 1024 * 1024 bytes is 413 (what
 * adobe/aio-lib-state @295659c e2e/e2e.js expects of 1024 * 1024 + 1 bytes:
 * ERROR_PAYLOAD_TOO_LARGE), a key outside the alphabet or over 1,024 bytes 400.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StateClient } from '../../src/stores/state-kv';

export const STATE_SERVICE_MAX_VALUE_BYTES = 1024 * 1024;
const STATE_SERVICE_KEY = /^[a-zA-Z0-9-_.]{1,1024}$/;

export interface FakeStateStats {
  calls: number;
  bytesIn: number;
  bytesOut: number;
  peakKeys: number;
  maxValueBytes: number;
  /** bytes in + out per minute of the service's clock */
  bytesByMinute: Map<number, number>;
}

export class FakeStateService {
  data = new Map<string, { v: string; exp: number }>();
  stats: FakeStateStats = { calls: 0, bytesIn: 0, bytesOut: 0, peakKeys: 0, maxValueBytes: 0, bytesByMinute: new Map() };
  private keyCount = 0;
  private count(bytes: number): void {
    const m = Math.floor(this.now() / 60_000);
    this.stats.bytesByMinute.set(m, (this.stats.bytesByMinute.get(m) ?? 0) + bytes);
  }
  down = false;
  pageSize = 1000;
  constructor(public now: () => number = Date.now) {}

  private live(): [string, { v: string; exp: number }][] {
    const t = this.now();
    for (const [k, e] of this.data) if (e.exp <= t) this.data.delete(k);
    return [...this.data];
  }

  /** A fetch answering the State service's REST API (what @adobe/aio-lib-state 5 calls). */
  fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    this.stats.calls++;
    if (this.down) return new Response('{"error":"unavailable"}', { status: 503 });
    const url = new URL(String(input instanceof Request ? input.url : input));
    const method = (init?.method ?? 'GET').toUpperCase();
    const m = /\/data\/?(.*)$/.exec(url.pathname);
    const key = m?.[1] ? decodeURIComponent(m[1]) : '';
    if (key && !STATE_SERVICE_KEY.test(key)) return new Response('{"error":"invalid key"}', { status: 400 });
    if (method === 'PUT') {
      const raw = typeof init?.body === 'string' ? Buffer.from(init.body) : Buffer.from(init?.body as ArrayBuffer);
      if (raw.length > STATE_SERVICE_MAX_VALUE_BYTES) return new Response('{"error":"payload too large"}', { status: 413 });
      const body = raw.toString('utf8');
      const ttl = Number(url.searchParams.get('ttl') ?? 86400);
      this.stats.bytesIn += raw.length + key.length;
      this.count(raw.length + key.length);
      this.stats.maxValueBytes = Math.max(this.stats.maxValueBytes, raw.length);
      if (!this.data.has(key)) this.keyCount++;
      this.data.set(key, { v: body, exp: this.now() + ttl * 1000 });
      this.stats.peakKeys = Math.max(this.stats.peakKeys, this.keyCount);
      return new Response(null, { status: 200 });
    }
    if (method === 'DELETE') {
      const had = this.data.delete(key);
      if (had) this.keyCount--;
      return new Response(null, { status: had ? 200 : 404 });
    }
    if (key) {
      const e = this.data.get(key);
      if (!e || e.exp <= this.now()) return new Response(null, { status: 404 });
      this.stats.bytesOut += e.v.length;
      this.count(e.v.length + key.length);
      return new Response(e.v, { status: 200, headers: { 'x-key-expires-ms': String(e.exp) } });
    }
    const match = url.searchParams.get('match') ?? '*';
    const re = new RegExp(`^${match.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    const keys = this.live().map(([k]) => k).filter((k) => re.test(k)).sort();
    const cursor = Number(url.searchParams.get('cursor') ?? 0);
    const page = keys.slice(cursor, cursor + this.pageSize);
    const next = cursor + this.pageSize >= keys.length ? 0 : cursor + this.pageSize;
    return new Response(JSON.stringify({ keys: page, cursor: next }), { status: 200, headers: { 'content-type': 'application/json' } });
  };
}

/** The State service model behind a real HTTP listener on loopback (aio-lib-state reaches it through AIO_STATE_ENDPOINT). */
export async function startStateServer(service: FakeStateService): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      void service.fetch(`http://state.local${req.url ?? '/'}`, { method: req.method, body }).then(async (r) => {
        const data = Buffer.from(await r.arrayBuffer());
        res.writeHead(r.status, Object.fromEntries(r.headers)).end(data);
      });
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A StateClient object with the same return shapes, for the unit-level contract tests. */
export function fakeStateClient(service: FakeStateService): StateClient {
  const call = async (path: string, init?: RequestInit) => service.fetch(`https://state.test/v1/data${path}`, init);
  return {
    async get(key) {
      const r = await call(`/${key}`);
      if (r.status === 404) return undefined;
      if (!r.ok) throw Object.assign(new Error('state error'), { code: `ERROR_${r.status}` });
      return { value: await r.text() };
    },
    async put(key, value, o) {
      const r = await call(`/${key}?ttl=${o?.ttl ?? 86400}`.replace('/data/', '/data/'), { method: 'PUT', body: value });
      if (!r.ok) throw Object.assign(new Error('state error'), { code: `ERROR_${r.status}` });
      return key;
    },
    async delete(key) {
      const r = await call(`/${key}`, { method: 'DELETE' });
      if (!r.ok && r.status !== 404) throw Object.assign(new Error('state error'), { code: `ERROR_${r.status}` });
      return key;
    },
    list(o) {
      return (async function* () {
        let cursor = 0;
        do {
          const r = await service.fetch(`https://state.test/v1/data?match=${encodeURIComponent(o?.match ?? '*')}&cursor=${cursor}`);
          if (!r.ok) throw Object.assign(new Error('state error'), { code: `ERROR_${r.status}` });
          const page = (await r.json()) as { keys: string[]; cursor: number };
          cursor = page.cursor;
          yield { keys: page.keys };
        } while (cursor !== 0);
      })();
    },
  };
}
