/**
 * Overflow blobs as files under a directory (LOCAL_DATA_DIR/overflow): the
 * local stores' counterpart of App Builder's file storage. A blob is written to
 * a temp file, fsynced and renamed into place, so after a kill a path holds a
 * whole blob or none (a record is written only after its blob, records.ts).
 */
import type { Dirent } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { BlobStore } from './overflow';

const code = (err: unknown): string | undefined => (err as NodeJS.ErrnoException)?.code;

export function createLocalBlobs(root: string): BlobStore {
  const file = (path: string): string => join(root, ...path.split('/'));
  return {
    kind: 'local',
    async write(path, data) {
      const target = file(path);
      await mkdir(dirname(target), { recursive: true });
      const tmp = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      const fh = await open(tmp, 'wx');
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
      try {
        await rename(tmp, target);
      } catch (err) {
        await unlink(tmp).catch(() => undefined);
        throw err;
      }
    },
    async read(path) {
      try {
        return await readFile(file(path));
      } catch (err) {
        if (code(err) === 'ENOENT') return undefined;
        throw err;
      }
    },
    async delete(path) {
      try {
        await unlink(file(path));
      } catch (err) {
        if (code(err) !== 'ENOENT') throw err;
      }
    },
    async list(dir) {
      const top = file(dir);
      let entries: Dirent[];
      try {
        entries = await readdir(top, { recursive: true, withFileTypes: true });
      } catch (err) {
        if (code(err) === 'ENOENT') return [];
        throw err;
      }
      const base = dir.endsWith('/') ? dir : `${dir}/`;
      return entries
        .filter((e) => e.isFile() && !e.name.endsWith('.tmp'))
        .map((e) => `${base}${relative(top, join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)).split(sep).join('/')}`);
    },
  };
}
