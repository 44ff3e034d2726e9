/**
 * Records and the store's value limit (issue 24 item 5): every record written
 * fits the store it is written to; one that cannot be split to fit keeps its
 * payload whole in overflow storage and is read back from it, checked; without
 * overflow storage it is refused, never cut down. Here on the real file store
 * (LOCAL_DATA_DIR's layout) with its overflow as files beside it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createFileKv } from '../../src/stores/file-kv';
import { STATE_MAX_VALUE_BYTES, type KeyValueStore } from '../../src/stores/kv';
import { createLocalBlobs } from '../../src/stores/local-blobs';
import { createMemoryKv } from '../../src/stores/memory-kv';
import { RecordTooLargeError, type BlobStore } from '../../src/stores/overflow';
import { openRecordStore, type StoredRecord } from '../../src/stores/records';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'msr-overflow-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** every value the store holds, by key */
async function values(kv: KeyValueStore, prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const k of kv.keys(prefix)) out.set(k, String(await kv.get(k)));
  return out;
}

type Payload = { deliveryId: string; element?: unknown; events?: { id: string; data: string }[] };
const big = (bytes: number): { id: string; data: string } => ({ id: 'big', data: 'é"\\\u0001'.repeat(Math.ceil(bytes / 8)) });

describe('records over the store value limit (file store, local overflow)', () => {
  const open = (o: { overflow?: boolean; kv?: KeyValueStore; now?: () => number } = {}) => {
    const kv = o.kv ?? createFileKv(join(dir, 'state'));
    const blobs = createLocalBlobs(join(dir, 'overflow'));
    const store = openRecordStore<Payload>(kv, { prefix: 'dlq', ttlSeconds: 3600, now: o.now, ...(o.overflow === false ? {} : { overflow: async () => blobs }) });
    return { kv, blobs, store };
  };

  it('the stores say their limit: aio-lib-state 1 MiB, and the local stand-ins the same', () => {
    expect(STATE_MAX_VALUE_BYTES).toBe(1024 * 1024);
    expect(createFileKv(join(dir, 'x')).maxValueBytes).toBe(STATE_MAX_VALUE_BYTES);
    expect(createMemoryKv().maxValueBytes).toBe(STATE_MAX_VALUE_BYTES);
  });

  it('a 1.8 MB element is kept whole: the blob holds it, the record its reference, and it reads back byte for byte', async () => {
    const { kv, blobs, store } = open();
    const element = big(1_800_000);
    const added = await store.add({ stream: 'lead-activity', reason: 'event_too_large', attempts: 0, payload: { deliveryId: 'd1', element } });
    expect(added.overflow).toMatchObject({ path: expect.stringMatching(/^dlq\/\d{10}\/dlq-\d{10}-.+\.json$/), bytes: Buffer.byteLength(JSON.stringify({ deliveryId: 'd1', element })) });
    expect(added.overflow?.bytes).toBeGreaterThan(1_800_000);
    const stored = await values(kv, 'dlq-');
    expect(stored.size).toBe(1);
    for (const v of stored.values()) expect(Buffer.byteLength(v)).toBeLessThanOrEqual(kv.maxValueBytes);
    expect(await blobs.list('dlq/')).toEqual([added.overflow?.path]);
    const back = await store.get(added.id);
    expect(JSON.stringify(back?.payload.element)).toBe(JSON.stringify(element));
    const scanned: StoredRecord<Payload>[] = [];
    for await (const r of store.scan()) scanned.push(r);
    expect(scanned.map((r) => JSON.stringify(r.payload))).toEqual([JSON.stringify({ deliveryId: 'd1', element })]);
  });

  it('events that fit together are split until every record fits the store; a single one over it goes to overflow', async () => {
    const { kv, blobs, store } = open();
    const events = [...Array.from({ length: 6 }, (_, i) => ({ id: `e${i}`, data: 'x'.repeat(300_000) })), big(1_200_000)];
    await store.add({ reason: 'forward failed', attempts: 1, route: 'r', payload: { deliveryId: 'd', events } });
    for (const v of (await values(kv, 'dlq-')).values()) expect(Buffer.byteLength(v)).toBeLessThanOrEqual(kv.maxValueBytes);
    expect(await blobs.list('dlq/')).toHaveLength(1);
    const back: string[] = [];
    for await (const r of store.scan()) back.push(...(r.payload.events ?? []).map((e) => `${e.id}:${e.data.length}`));
    expect(back.sort()).toEqual(events.map((e) => `${e.id}:${e.data.length}`).sort());
  });

  it('without overflow storage a record over the limit is refused (RecordTooLargeError), nothing cut down or half-stored', async () => {
    const { kv, store } = open({ overflow: false });
    await expect(store.add({ reason: 'r', attempts: 0, payload: { deliveryId: 'd', element: big(1_100_000) } })).rejects.toBeInstanceOf(RecordTooLargeError);
    expect((await values(kv, 'dlq-')).size).toBe(0);
  });

  it('a blob that is missing or altered is reported, never returned as the payload', async () => {
    const { store } = open();
    const added = await store.add({ reason: 'r', attempts: 0, payload: { deliveryId: 'd', element: big(1_100_000) } });
    const file = join(dir, 'overflow', ...(added.overflow?.path ?? '').split('/'));
    writeFileSync(file, readFileSync(file, 'utf8').replace('é', 'e'));
    await expect(store.get(added.id)).rejects.toMatchObject({ name: 'OverflowMismatchError' });
    const errors: string[] = [];
    for await (const r of store.scan({ onError: (op, err) => errors.push(`${op}:${(err as Error).name}`) })) void r;
    expect(errors).toEqual(['overflow:OverflowMismatchError']);
  });

  it('removing the record (as read, or by id) deletes its blob; an update that fits again brings the payload back into the record', async () => {
    const { blobs, store } = open();
    const a = await store.add({ reason: 'r', attempts: 0, payload: { deliveryId: 'a', element: big(1_100_000) } });
    const b = await store.add({ reason: 'r', attempts: 0, payload: { deliveryId: 'b', element: big(1_100_000) } });
    const c = await store.add({ reason: 'r', attempts: 0, payload: { deliveryId: 'c', element: big(1_100_000) } });
    expect(await blobs.list('dlq/')).toHaveLength(3);
    await store.remove((await store.get(a.id)) as StoredRecord<Payload>);
    await store.remove(b.id);
    expect(await blobs.list('dlq/')).toEqual([c.overflow?.path]);
    const rc = (await store.get(c.id)) as StoredRecord<Payload>;
    await store.update({ ...rc, payload: { deliveryId: 'c', element: 'small now' } });
    expect(await blobs.list('dlq/')).toEqual([]);
    expect((await store.get(c.id))?.payload.element).toBe('small now');
  });

  it('blobs of hours no scan reaches any more (their records expired) are deleted when the next blob is written', async () => {
    let t = Date.parse('2026-03-02T10:00:00Z');
    const { blobs, store } = open({ now: () => t });
    const old = await store.add({ reason: 'r', attempts: 0, payload: { deliveryId: 'old', element: big(1_100_000) } });
    t += 4 * 3600_000; // past the TTL (1 h), the hour scans still look at, and a margin of 2 h
    const fresh = await store.add({ reason: 'r', attempts: 0, payload: { deliveryId: 'new', element: big(1_100_000) } });
    expect(await blobs.list('dlq/')).toEqual([fresh.overflow?.path]);
    expect(old.overflow?.path).not.toBe(fresh.overflow?.path);
  });

  it('the store limit is the store’s own property: the same record fits a store with a larger limit and stays in it', async () => {
    const roomy = createMemoryKv(Date.now, { maxValueBytes: 4 * 1024 * 1024 });
    const blobs: BlobStore = createLocalBlobs(join(dir, 'unused'));
    const store = openRecordStore<Payload>(roomy, { prefix: 'dlq', ttlSeconds: 3600, overflow: async () => blobs });
    const added = await store.add({ reason: 'r', attempts: 0, payload: { deliveryId: 'd', element: big(1_100_000) } });
    expect(added.overflow).toBeUndefined();
    expect(await blobs.list('dlq/')).toEqual([]);
  });
});

describe('cold path', () => {
  it('the overflow code (aio-lib-files in Runtime, the local files otherwise) is loaded by the first oversized record, not before', () => {
    const root = resolve(__dirname, '../..');
    const script = `
      const { openRecordStore } = require('./src/stores/records');
      const { createMemoryKv } = require('./src/stores/memory-kv');
      const { openOverflow } = require('./src/stores/select');
      const loaded = () => [...new Set(Object.keys(require.cache).map((k) => /aio-lib-files|storage-blob|local-blobs|files-blobs/.exec(k)?.[0]).filter(Boolean))].sort();
      const add = (where, payload) => openRecordStore(createMemoryKv(), { prefix: 'dlq', ttlSeconds: 60, overflow: openOverflow({ store: 'memory', localDir: ${JSON.stringify(dir)}, ...where }, ${JSON.stringify(join(dir, 'overflow'))}) })
        .add({ reason: 'r', attempts: 0, payload }).then(() => 'stored', (e) => e.name);
      (async () => {
        const out = {};
        out.small = [await add({ inRuntime: true }, { element: 'small' }), loaded()];
        out.localBig = [await add({ inRuntime: false }, { element: 'x'.repeat(1100000) }), loaded()];
        // in Runtime, without its credentials here: the library is loaded, and its failure is the store's error
        out.runtimeBig = [await add({ inRuntime: true }, { element: 'x'.repeat(1100000) }), loaded()];
        process.stdout.write(JSON.stringify(out));
      })();`;
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, __OW_NAMESPACE: '', __OW_API_KEY: '' } });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      small: ['stored', []],
      localBig: ['stored', ['local-blobs']],
      runtimeBig: ['FilesStoreError', ['aio-lib-files', 'files-blobs', 'local-blobs', 'storage-blob']],
    });
  });
});
