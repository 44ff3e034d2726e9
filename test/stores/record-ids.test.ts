/**
 * A record store never looks up an id it cannot hold (issue 24 item 8): the
 * console's `id=park-/etc/passwd` reached the store, whose key check threw, and
 * was answered 503. `holds` is the store's own rule: its prefix, and a key every
 * store takes (aio-lib-state's alphabet and 1 KB).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileKv } from '../../src/stores/file-kv';
import { openRecordStore } from '../../src/stores/records';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'record-ids-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('record ids', () => {
  it('ids of other stores, outside the key alphabet, or over 1,024 characters are held by no store: get finds nothing, remove removes nothing', async () => {
    const parking = openRecordStore<{ n: number }>(createFileKv(dir), { prefix: 'park', ttlSeconds: 3600 });
    const rec = await parking.add({ attempts: 0, reason: 'r', payload: { n: 1 } });
    expect(parking.holds(rec.id)).toBe(true);
    for (const id of ['park-/etc/passwd', 'park-ä', `park-${'a'.repeat(1100)}`, 'dlq-2026120412-x', 'park', '../park-x']) {
      expect({ id: id.slice(0, 20), holds: parking.holds(id) }).toEqual({ id: id.slice(0, 20), holds: false });
      await expect(parking.get(id)).resolves.toBeUndefined();
      await expect(parking.remove(id)).resolves.toBeUndefined();
    }
    expect(await parking.get(rec.id)).toMatchObject({ payload: { n: 1 } });
  });
});
