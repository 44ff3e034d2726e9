/**
 * A store of files under a directory (the local default, `.local/state`): one
 * file per key holding `{ v, exp }`, so it survives restarts.
 *
 * Crash safety — after a kill at any instant a key holds its old or its new
 * value, never a part of one:
 *  - put: write `<key>.json.<pid>.<rand>.tmp`, fsync, rename over `<key>.json`;
 *  - putIfAbsent: the same temp file (complete and fsynced), then `link()` to
 *    `<key>.json` — link is an exclusive create that publishes a whole file at
 *    once, so no 0-byte or half-written claim can appear (O_EXCL + write could);
 *  - a file that does not parse (a disk fault, or one left by an older version)
 *    is treated as absent, logged, and replaced by the next putIfAbsent;
 *  - `.tmp` files older than a minute (a writer killed before its rename) are
 *    removed when the store is opened.
 * Only ENOENT means "absent": any other error (read-only, full disk, EACCES,
 * EIO) is thrown, so a caller answers retry-later instead of guessing.
 *
 * Replacing an expired or unparseable claim is done under a per-key lock in this
 * process, and checked: the old file is renamed aside and compared with what was
 * read before it is dropped. (The file store serves one relay process; Redis is
 * the store for several.)
 */
import * as nodeFs from 'node:fs';
import * as nodeFsp from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { assertFits, assertSafeKey, STATE_MAX_VALUE_BYTES, type KeyValueStore } from './kv';

type Entry = { v: string; exp: number };

/** The file-system calls this store makes: the boundary tests inject faults at (ENOSPC, EROFS, EACCES). */
export interface FileSystem {
  readFile(path: string, enc: 'utf8'): Promise<string>;
  open(path: string, flags: string): Promise<{ writeFile(data: string): Promise<void>; sync(): Promise<void>; close(): Promise<void> }>;
  rename(from: string, to: string): Promise<void>;
  link(existing: string, path: string): Promise<void>;
  unlink(path: string): Promise<void>;
  readdir(dir: string): Promise<string[]>;
}

export interface FileKvOptions {
  now?: () => number;
  fs?: FileSystem;
  /** told about a record that cannot be parsed (treated as absent) */
  onCorrupt?: (key: string) => void;
  /** temp files older than this are leftovers of a killed writer (default 60 s) */
  staleTmpMs?: number;
}

/**
 * The file store stands in for aio-lib-state locally and takes no larger value
 * (STATE_MAX_VALUE_BYTES); its own ceiling is far above (a file holds the value
 * JSON-escaped, at most 6 characters per character, and is read back as one
 * string: buffer.constants.MAX_STRING_LENGTH / 6 ≈ 89 MB on Node 20).
 */
const FILE_MAX_VALUE_BYTES = STATE_MAX_VALUE_BYTES;

const code = (err: unknown): string | undefined => (err as NodeJS.ErrnoException)?.code;

/** Removes `.tmp` leftovers of writers killed before their rename; returns how many. */
export function sweepTempFiles(dir: string, olderThanMs: number, now = Date.now()): number {
  let removed = 0;
  let names: string[];
  try {
    names = nodeFs.readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.endsWith('.tmp')) continue;
    try {
      const p = join(dir, name);
      if (now - nodeFs.statSync(p).mtimeMs >= olderThanMs) {
        nodeFs.unlinkSync(p);
        removed++;
      }
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}

export function createFileKv(dir: string, options: FileKvOptions | (() => number) = {}): KeyValueStore {
  const o: FileKvOptions = typeof options === 'function' ? { now: options } : options;
  const now = o.now ?? Date.now;
  const fs: FileSystem = o.fs ?? (nodeFsp as unknown as FileSystem);
  const onCorrupt =
    o.onCorrupt ?? ((key: string) => process.stderr.write(`${JSON.stringify({ level: 'warn', msg: 'file store: unparseable record treated as absent', key })}\n`));
  nodeFs.mkdirSync(dir, { recursive: true });
  sweepTempFiles(dir, o.staleTmpMs ?? 60_000);

  const path = (key: string): string => join(dir, `${key}.json`);
  const tmpPath = (key: string): string => `${path(key)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;

  type Read = { state: 'absent' } | { state: 'live'; raw: string; entry: Entry } | { state: 'stale'; raw: string };
  const readRaw = async (key: string): Promise<Read> => {
    let raw: string;
    try {
      raw = await fs.readFile(path(key), 'utf8');
    } catch (err) {
      if (code(err) === 'ENOENT') return { state: 'absent' };
      throw err;
    }
    let entry: Entry | undefined;
    try {
      const e = JSON.parse(raw) as Entry;
      if (e && typeof e.v === 'string' && typeof e.exp === 'number') entry = e;
    } catch {
      // below
    }
    if (!entry) {
      onCorrupt(key);
      return { state: 'stale', raw };
    }
    return entry.exp > now() ? { state: 'live', raw, entry } : { state: 'stale', raw };
  };

  /** A complete, fsynced temp file holding the entry. */
  const writeTemp = async (key: string, value: string, ttlSeconds: number): Promise<string> => {
    const tmp = tmpPath(key);
    const fh = await fs.open(tmp, 'wx');
    try {
      await fh.writeFile(JSON.stringify({ v: value, exp: now() + ttlSeconds * 1000 }));
      await fh.sync();
    } catch (err) {
      await fh.close().catch(() => undefined);
      await fs.unlink(tmp).catch(() => undefined);
      throw err;
    }
    await fh.close();
    return tmp;
  };

  /** Drops the file at `key` only if it still holds `raw` (an expired or unparseable record). */
  const dropIfUnchanged = async (key: string, raw: string): Promise<void> => {
    const aside = `${path(key)}.${randomBytes(6).toString('hex')}.dead.tmp`;
    try {
      await fs.rename(path(key), aside);
    } catch (err) {
      if (code(err) === 'ENOENT') return;
      throw err;
    }
    const moved = await fs.readFile(aside, 'utf8').catch(() => undefined);
    if (moved !== raw) {
      // someone else's new record: put it back (link fails only if yet another took the key)
      await fs.link(aside, path(key)).catch(() => undefined);
    }
    await fs.unlink(aside).catch(() => undefined);
  };

  const locks = new Map<string, Promise<unknown>>();
  const locked = <T>(key: string, f: () => Promise<T>): Promise<T> => {
    const prev = locks.get(key) ?? Promise.resolve();
    const run = prev.then(f, f);
    const tail = run.catch(() => undefined);
    locks.set(key, tail);
    void tail.then(() => locks.get(key) === tail && locks.delete(key));
    return run;
  };

  /** Reads a key; an expired or unparseable file is removed (checked, under the key's lock) as the old store did. */
  const readLive = async (key: string): Promise<Entry | undefined> => {
    const r = await readRaw(key);
    if (r.state === 'live') return r.entry;
    if (r.state === 'stale') await locked(key, () => dropIfUnchanged(key, r.raw)).catch(() => undefined);
    return undefined;
  };

  return {
    kind: 'file',
    atomicClaims: true,
    maxValueBytes: FILE_MAX_VALUE_BYTES,
    async get(key) {
      assertSafeKey(key);
      return (await readLive(key))?.v;
    },
    async put(key, value, ttlSeconds) {
      assertSafeKey(key);
      assertFits(value, FILE_MAX_VALUE_BYTES);
      const tmp = await writeTemp(key, value, ttlSeconds);
      try {
        await fs.rename(tmp, path(key));
      } catch (err) {
        await fs.unlink(tmp).catch(() => undefined);
        throw err;
      }
    },
    putIfAbsent(key, value, ttlSeconds) {
      assertSafeKey(key);
      assertFits(value, FILE_MAX_VALUE_BYTES);
      return locked(key, async () => {
        const r = await readRaw(key);
        if (r.state === 'live') return false;
        if (r.state === 'stale') await dropIfUnchanged(key, r.raw);
        const tmp = await writeTemp(key, value, ttlSeconds);
        try {
          await fs.link(tmp, path(key));
          return true;
        } catch (err) {
          if (code(err) === 'EEXIST') return false;
          throw err;
        } finally {
          await fs.unlink(tmp).catch(() => undefined);
        }
      });
    },
    async delete(key) {
      assertSafeKey(key);
      try {
        await fs.unlink(path(key));
      } catch (err) {
        if (code(err) !== 'ENOENT') throw err;
      }
    },
    async *keys(prefix) {
      const names = (await fs.readdir(dir)).filter((n) => n.startsWith(prefix) && n.endsWith('.json')).sort();
      for (const name of names) {
        const key = name.slice(0, -5);
        if (await readLive(key)) yield key;
      }
    },
  };
}
