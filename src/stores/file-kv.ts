/**
 * A store of files under a directory (the local default, `.local/state`): one
 * file per key holding `{ v, exp }`, so it survives restarts. `putIfAbsent`
 * relies on O_EXCL (`wx`), atomic on local file systems.
 */
import { mkdirSync } from 'node:fs';
import { open, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertSafeKey, type KeyValueStore } from './kv';

type Entry = { v: string; exp: number };

export function createFileKv(dir: string, now: () => number = Date.now): KeyValueStore {
  mkdirSync(dir, { recursive: true });
  const path = (key: string): string => join(dir, `${key}.json`);
  const read = async (key: string): Promise<Entry | undefined> => {
    try {
      const e = JSON.parse(await readFile(path(key), 'utf8')) as Entry;
      if (e.exp > now()) return e;
      await unlink(path(key)).catch(() => undefined);
    } catch {
      // absent or half-written: treated as absent
    }
    return undefined;
  };
  const write = async (key: string, value: string, ttlSeconds: number): Promise<void> => {
    const tmp = `${path(key)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, JSON.stringify({ v: value, exp: now() + ttlSeconds * 1000 }));
    await rename(tmp, path(key));
  };
  return {
    kind: 'file',
    atomicClaims: true,
    async get(key) {
      assertSafeKey(key);
      return (await read(key))?.v;
    },
    put: async (key, value, ttlSeconds) => (assertSafeKey(key), write(key, value, ttlSeconds)),
    async putIfAbsent(key, value, ttlSeconds) {
      assertSafeKey(key);
      if (await read(key)) return false;
      try {
        const fh = await open(path(key), 'wx');
        await fh.writeFile(JSON.stringify({ v: value, exp: now() + ttlSeconds * 1000 }));
        await fh.close();
        return true;
      } catch {
        return false;
      }
    },
    async delete(key) {
      assertSafeKey(key);
      await unlink(path(key)).catch(() => undefined);
    },
    async *keys(prefix) {
      const names = (await readdir(dir)).filter((n) => n.startsWith(prefix) && n.endsWith('.json')).sort();
      for (const name of names) {
        const key = name.slice(0, -5);
        if (await read(key)) yield key;
      }
    },
  };
}
