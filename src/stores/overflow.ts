/**
 * Overflow: where a record that fits no value of its key-value store is kept
 * whole (src/stores/records.ts), instead of being cut down or refused. The
 * record in the key-value store then holds a reference — path, bytes, sha256 —
 * and reading the record reads the payload back from here, checked against both.
 *
 * Two backends, chosen with the key-value store (select.ts `openOverflow`):
 *  - `files`: App Builder's own file storage, @adobe/aio-lib-files (a blob
 *    store, files up to 200 GB: AdobeDocs/app-builder @da263cf,
 *    storage/application-state.md, Feature matrix), in Runtime and wherever
 *    aio-lib-state is the store. Its library (with @azure/storage-blob) is
 *    loaded by the first oversized record, never on a receiver's cold path;
 *  - `local`: files under LOCAL_DATA_DIR/overflow, for the local stores.
 */
import { createHash } from 'node:crypto';

/** Where a record's payload is kept, and what it must read back as. */
export interface OverflowRef {
  path: string;
  bytes: number;
  sha256: string;
}

/** The blob-store calls the records make. `list` names every blob under a `dir/` prefix. */
export interface BlobStore {
  readonly kind: 'files' | 'local';
  write(path: string, data: Buffer): Promise<void>;
  /** undefined when there is no such blob */
  read(path: string): Promise<Buffer | undefined>;
  /** deleting what is not there is not an error */
  delete(path: string): Promise<void>;
  list(dir: string): Promise<string[]>;
}

/** An overflowed payload that is missing or does not match its reference: reported, never used. */
export class OverflowMismatchError extends Error {
  constructor(what: string) {
    super(`overflow blob ${what}`);
    this.name = 'OverflowMismatchError';
  }
}

/** A record too large for its store, with no overflow storage to take it: the caller answers retry-later. */
export class RecordTooLargeError extends Error {
  constructor(bytes: number, limit: number) {
    super(`a record of ${bytes} bytes is over the store's value limit (${limit}) and no overflow storage takes it`);
    this.name = 'RecordTooLargeError';
  }
}

const SAFE_PATH = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*\/?$/;

/** Blob paths are built from record ids: `[A-Za-z0-9-_.]` segments, none starting with a dot (no `..`, no hidden files). */
export function assertSafePath(path: string): void {
  if (!SAFE_PATH.test(path)) throw new Error('invalid overflow path');
}

const digest = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

export async function writeBlob(store: BlobStore, path: string, data: Buffer): Promise<OverflowRef> {
  assertSafePath(path);
  await store.write(path, data);
  return { path, bytes: data.length, sha256: digest(data) };
}

/** The blob a reference names, exactly as written (length and sha256 checked). */
export async function readBlob(store: BlobStore, ref: OverflowRef): Promise<Buffer> {
  assertSafePath(ref.path);
  const data = await store.read(ref.path);
  if (!data) throw new OverflowMismatchError('is missing');
  if (data.length !== ref.bytes || digest(data) !== ref.sha256) throw new OverflowMismatchError('does not match its reference');
  return data;
}
