/**
 * Overflow blobs in App Builder's file storage, `@adobe/aio-lib-files` 4.1.4:
 * its `init()` takes the namespace and key Runtime gives an action
 * (__OW_NAMESPACE, __OW_API_KEY, as aio-lib-state does), asks Adobe's token
 * vending machine for the app's container SAS URLs and talks Azure Blob with
 * them (lib/init.js, lib/impl/AzureBlobFiles.js). Blobs go under
 * `relay-overflow/`, in the private container (a path starting `public/`
 * would be readable by URL).
 *
 * Loaded on first use only: the library with @azure/storage-blob and its TVM
 * client is a 1.2 MB chunk of its own in a receiver's bundle (webpack, minified:
 * lead-activity's main bundle 119 KB, this chunk 1,195 KB), read by nothing
 * before the first record over the store's value limit. Its errors carry request details (SAS URLs among
 * them), so only the error's code is ever surfaced. Each call is bounded by
 * `timeoutMs` (default 5 s: a megabyte or two each way, inside the senders'
 * deadlines).
 */
import { boundedClient, StoreTimeoutError } from './kv';
import type { BlobStore } from './overflow';

/** The part of aio-lib-files' `Files` (its own types) this store uses; tests run the real library. */
export interface FilesClient {
  write(path: string, content: Buffer): Promise<number>;
  read(path: string): Promise<Buffer>;
  delete(path: string): Promise<string[]>;
  list(path: string): Promise<{ name: string }[]>;
}

export class FilesStoreError extends Error {
  constructor(op: string, cause: unknown) {
    const c = cause as { name?: string; code?: string };
    super(`aio-lib-files ${op} failed: ${c?.code ?? c?.name ?? 'error'}`);
    this.name = cause instanceof StoreTimeoutError ? 'StoreTimeoutError' : 'FilesStoreError';
  }
}

const ROOT = 'relay-overflow/';

export function createFilesBlobs(client?: () => Promise<FilesClient>, o: { timeoutMs?: number } = {}): BlobStore {
  const open = client ?? (async (): Promise<FilesClient> => (await import('@adobe/aio-lib-files')).init() as Promise<FilesClient>);
  const call = boundedClient(open, o.timeoutMs ?? 5000, 'aio-lib-files', (op, err) => new FilesStoreError(op, err));
  return {
    kind: 'files',
    write: (path, data) => call('write', async (c) => void (await c.write(ROOT + path, data))),
    read: (path) =>
      call('read', async (c) => {
        try {
          return await c.read(ROOT + path);
        } catch (err) {
          if ((err as { code?: string })?.code === 'ERROR_FILE_NOT_EXISTS') return undefined;
          throw err;
        }
      }),
    delete: (path) => call('delete', async (c) => void (await c.delete(ROOT + path))),
    list: (dir) => call('list', async (c) => (await c.list(ROOT + (dir.endsWith('/') ? dir : `${dir}/`))).map((f) => f.name.slice(ROOT.length))),
  };
}
