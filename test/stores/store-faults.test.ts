/**
 * Store trouble is loud and never a 200 (issue 12): the file store under a
 * full disk, a read-only or unwritable directory (faults injected at its
 * file-system boundary: tests run as root, where chmod does not refuse), crash
 * leftovers (0-byte and half-written claims, .tmp files); Redis down and hung
 * (a real redis-server, SIGSTOPped).
 */
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as userAudit } from '../../actions/user-audit/index';
import { auditEvent } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { createKeyPerEventDedupe, dedupeKey } from '../../src/stores/dedupe';
import { createFileKv, type FileSystem } from '../../src/stores/file-kv';
import { createRedisKv } from '../../src/stores/redis-kv';
import { hasRedisServer, startRedis } from '../support/redis-server';
import { CLIENT_ID, RelayHarness } from '../support/relay-harness';

const rng = seeded(7);
let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'msr-faults-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

type Fault = 'ENOSPC' | 'EROFS' | 'EACCES' | undefined;
/** node:fs/promises with writes failing as a full disk, a read-only or an unwritable directory would. */
function faultyFs(): FileSystem & { fault: Fault } {
  const f = { fault: undefined as Fault };
  const fail = (op: string) => {
    if (f.fault) throw Object.assign(new Error(`${f.fault}: ${op}`), { code: f.fault });
  };
  return Object.assign(f, {
    readFile: (p: string, e: 'utf8') => (f.fault === 'EACCES' ? Promise.reject(Object.assign(new Error('EACCES'), { code: 'EACCES' })) : fsp.readFile(p, e)),
    open: async (p: string, flags: string) => {
      fail('open');
      const fh = await fsp.open(p, flags);
      return { writeFile: (d: string) => (f.fault === 'ENOSPC' ? Promise.reject(Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' })) : fh.writeFile(d)), sync: () => fh.sync(), close: () => fh.close() };
    },
    rename: async (a: string, b: string) => (fail('rename'), fsp.rename(a, b)),
    link: async (a: string, b: string) => (fail('link'), fsp.link(a, b)),
    unlink: (p: string) => fsp.unlink(p),
    readdir: (d: string) => fsp.readdir(d),
  });
}

describe('file store: a write that fails is an error, never "already claimed"', () => {
  it.each(['ENOSPC', 'EROFS', 'EACCES'] as const)('%s: putIfAbsent and put throw; nothing half-written is left', async (fault) => {
    const fs = faultyFs();
    const kv = createFileKv(dir, { fs });
    fs.fault = fault;
    await expect(kv.putIfAbsent('k1', 'v', 60)).rejects.toMatchObject({ code: fault });
    await expect(kv.put('k2', 'v', 60)).rejects.toMatchObject({ code: fault });
    fs.fault = undefined;
    expect(readdirSync(dir)).toEqual([]);
    expect(await kv.putIfAbsent('k1', 'v', 60)).toBe(true);
  });
  it.each(['ENOSPC', 'EROFS', 'EACCES'] as const)('%s through the action: 503 and nothing forwarded; the retry once the disk is back forwards once', async (fault) => {
    const h = await new RelayHarness().start();
    try {
      const fs = faultyFs();
      h.reset({ kv: createFileKv(dir, { fs }) });
      const event = auditEvent(rng, { clientId: CLIENT_ID });
      fs.fault = fault;
      const res = await h.call(userAudit, h.signed([event]));
      expect(res.statusCode).toBe(503);
      expect(res.body).not.toHaveProperty('duplicates');
      expect(h.invoker.invocations).toHaveLength(0);
      fs.fault = undefined;
      expect(await h.call(userAudit, h.signed([event]))).toMatchObject({ statusCode: 200, body: { forwarded: { 'user-audit': 1 }, duplicates: 0 } });
      expect(await h.call(userAudit, h.signed([event]))).toMatchObject({ statusCode: 200, body: { duplicates: 1 } });
    } finally {
      await h.stop();
    }
  });
});

describe('file store: crash leftovers', () => {
  it('a 0-byte or half-written claim file is treated as absent (and reported), and claimed again', async () => {
    const corrupt: string[] = [];
    const kv = createFileKv(dir, { onCorrupt: (k) => corrupt.push(k) });
    writeFileSync(join(dir, 'zero.json'), '');
    writeFileSync(join(dir, 'half.json'), '{"v":"p.x.1","ex');
    expect(await kv.get('zero')).toBeUndefined();
    expect(await kv.putIfAbsent('zero', 'mine', 60)).toBe(true);
    expect(await kv.putIfAbsent('half', 'mine', 60)).toBe(true);
    expect(await kv.get('half')).toBe('mine');
    expect(corrupt).toEqual(expect.arrayContaining(['zero', 'half']));
  });
  it('a dedupe claim over a 0-byte file (a kill between create and write, old layout) is fresh, not duplicate', async () => {
    const kv = createFileKv(dir, { onCorrupt: () => undefined });
    const d = createKeyPerEventDedupe(kv, { ttlSeconds: 3600 });
    writeFileSync(join(dir, `${dedupeKey('r', 'user-audit\n\nid-1')}.json`), '');
    expect((await d.claim('r', [{ key: 'user-audit\n\nid-1' }])).fresh).toHaveLength(1);
  });
  it('an expired claim is replaced by the next claimant, once', async () => {
    let clock = Date.now();
    const kv = createFileKv(dir, { now: () => clock });
    expect(await kv.putIfAbsent('c', 'old', 1)).toBe(true);
    clock += 2000;
    const [a, b] = await Promise.all([kv.putIfAbsent('c', 'a', 60), kv.putIfAbsent('c', 'b', 60)]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect(await kv.get('c')).toBe(a ? 'a' : 'b');
  });
  it('an expired record is removed when read (the directory does not grow for ever), leaving no file aside', async () => {
    let clock = Date.now();
    const kv = createFileKv(dir, { now: () => clock });
    await kv.put('old', 'c', 1);
    await kv.put('young', 'c', 3600);
    clock += 2000;
    expect(await kv.get('old')).toBeUndefined();
    expect(readdirSync(dir)).toEqual(['young.json']);
  });
  it('.tmp files left by a killed writer are removed when the store opens; fresh ones are left alone', () => {
    writeFileSync(join(dir, 'k.json.123.abc.tmp'), '{"v":');
    utimesSync(join(dir, 'k.json.123.abc.tmp'), new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    writeFileSync(join(dir, 'k2.json.123.def.tmp'), '{"v":');
    createFileKv(dir);
    expect(readdirSync(dir)).toEqual(['k2.json.123.def.tmp']);
  });
  it('every write is whole: put leaves no .tmp behind and replaces atomically', async () => {
    const kv = createFileKv(dir);
    await Promise.all(Array.from({ length: 50 }, (_, i) => kv.put('same', `value-${i}`, 60)));
    expect(readdirSync(dir)).toEqual(['same.json']);
    expect(await kv.get('same')).toMatch(/^value-\d+$/);
  });
});

const redisIt = hasRedisServer() ? it : it.skip;
describe('Redis reloading its data (every command answered -LOADING)', () => {
  it('a claim fails and the delivery is 503, not forwarded without dedupe, not a duplicate', async () => {
    const net = await import('node:net');
    // a Redis that is loading its dataset answers every command with this error (RESP)
    const sockets = new Set<import('node:net').Socket>();
    const server = net.createServer((sock) => {
      sockets.add(sock);
      sock.on('data', (chunk) => {
        const commands = (chunk.toString().match(/^\*\d+\r$/gm) ?? ['']).length;
        for (let i = 0; i < commands; i++) sock.write('-LOADING Redis is loading the dataset in memory\r\n');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const h = await new RelayHarness().start();
    const kv = createRedisKv(`redis://127.0.0.1:${port}`, { timeoutMs: 500 });
    try {
      h.reset({ kv });
      const res = await h.call(userAudit, h.signed([auditEvent(rng, { clientId: CLIENT_ID })]));
      expect(res).toMatchObject({ statusCode: 503, body: { error: 'dedupe_unavailable' } });
      expect(h.invoker.invocations).toHaveLength(0);
    } finally {
      await kv.close?.();
      await h.stop();
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});
describe('Redis: every command bounded, down and hung alike', () => {
  redisIt('a stopped (SIGSTOP) redis-server: commands fail within the timeout, then work again after SIGCONT', async () => {
    const redis = await startRedis();
    const kv = createRedisKv(redis.url, { timeoutMs: 300 });
    try {
      await kv.put('a', '1', 60);
      process.kill(redis.pid, 'SIGSTOP');
      await expect(kv.putIfAbsent('b', '1', 60)).rejects.toMatchObject({ name: 'StoreTimeoutError' });
      await expect(kv.get('a')).rejects.toMatchObject({ name: 'StoreTimeoutError' });
      process.kill(redis.pid, 'SIGCONT');
      expect(await kv.get('a')).toBe('1');
    } finally {
      process.kill(redis.pid, 'SIGCONT');
      await kv.close?.();
      await redis.stop();
    }
  }, 20_000);
  redisIt('a redis-server that is down: commands fail at once (no offline queue), a delivery is 503, never 200 duplicates', async () => {
    const redis = await startRedis();
    const h = await new RelayHarness().start();
    const kv = createRedisKv(redis.url, { timeoutMs: 300 });
    try {
      h.reset({ kv });
      const event = auditEvent(rng, { clientId: CLIENT_ID });
      await redis.stop();
      const res = await h.call(userAudit, h.signed([event]));
      expect(res).toMatchObject({ statusCode: 503, body: { error: 'dedupe_unavailable' } });
      expect(h.invoker.invocations).toHaveLength(0);
    } finally {
      await kv.close?.();
      await h.stop();
    }
  }, 20_000);
});

describe('store trouble is loud: dedupeUnavailable logged and counted; status reports store errors', () => {
  it('DEDUPE_UNAVAILABLE=forward: forwarded without the duplicate check, answered with dedupeUnavailable, one log line', async () => {
    const h = await new RelayHarness().start({ DEDUPE_UNAVAILABLE: 'forward', LOG_LEVEL: 'warn' });
    try {
      const { flakyKv } = await import('../support/flaky-kv');
      const { createMemoryKv } = await import('../../src/stores/memory-kv');
      const kv = flakyKv(createMemoryKv());
      h.reset({ kv });
      kv.failWhen = (_op, k) => k.startsWith('dd-');
      const res = await h.call(userAudit, h.signed([auditEvent(rng, { clientId: CLIENT_ID })]));
      expect(res).toMatchObject({ statusCode: 200, body: { forwarded: { 'user-audit': 1 }, dedupeUnavailable: 1 } });
      expect(h.logs.text()).toMatch(/forwarded without idempotency \(dedupeUnavailable\)/);
    } finally {
      await h.stop();
    }
  });
  it('the counters sum dedupeUnavailable per stream', async () => {
    const { countRequest, emptyCounters } = await import('../../src/status/stats');
    const c = emptyCounters();
    countRequest(c, { stream: 'user-audit', at: Date.now(), status: 200, outcome: 'accepted', events: 3, munchkinIds: {}, dedupeUnavailable: 3 });
    expect(c.dedupeUnavailable).toBe(3);
  });
  it('status with a store that cannot be opened: a report with storeErrors and a critical warning, not a throw', async () => {
    const { statusReport } = await import('../../src/status/status');
    const r = await statusReport(() => Promise.reject(Object.assign(new Error('x'), { name: 'StoreTimeoutError' })), {}, Date.now());
    expect(r.storeErrors).toEqual(['open: StoreTimeoutError']);
    expect(r.overall).toBe('critical');
    expect(r.warnings.map((w) => w.code)).toContain('store_unavailable');
  });
  it('status with every store call failing: each failure listed', async () => {
    const { statusReport } = await import('../../src/status/status');
    const { flakyKv } = await import('../support/flaky-kv');
    const { createMemoryKv } = await import('../../src/stores/memory-kv');
    const { openRecordStore } = await import('../../src/stores/records');
    const { openDedupeStore } = await import('../../src/stores/open-dedupe');
    const kv = flakyKv(createMemoryKv());
    kv.failAll(true);
    const stores = { kv, dedupe: openDedupeStore(kv, { ttlSeconds: 60 }), parking: openRecordStore(kv, { prefix: 'park', ttlSeconds: 60 }), deadLetter: openRecordStore(kv, { prefix: 'dlq', ttlSeconds: 60 }), stale: openRecordStore(kv, { prefix: 'stale', ttlSeconds: 60 }) };
    const r = await statusReport(stores as never, {}, Date.now());
    expect(r.storeErrors).toEqual(expect.arrayContaining(['stats: StateStoreError', 'parking: StateStoreError', 'dead-letter: StateStoreError', 'stale: StateStoreError']));
  });
});
