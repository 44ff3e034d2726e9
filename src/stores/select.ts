/** Chooses the key-value store from configuration; one instance per process and configuration. */
import type { StoreKind } from '../config';
import type { KeyValueStore } from './kv';
import type { BlobStore } from './overflow';
import { createMemoryKv } from './memory-kv';
import { createRedisKv } from './redis-kv';
import { createStateKv } from './state-kv';

export interface StoreSelection {
  store: StoreKind;
  redisUrl?: string;
  localDir: string;
  inRuntime: boolean;
  /** bound of one Redis / aio-lib-state call */
  timeoutMs?: number;
}

const opened = new Map<string, KeyValueStore>();

/**
 * auto = Redis when REDIS_URL is set, else aio-lib-state in Runtime, else files under localDir.
 * `inRuntime` is whether this is an I/O Runtime activation (src/runtime/activation.ts), not whether an API key is set.
 */
export function resolveStoreKind(s: StoreSelection): Exclude<StoreKind, 'auto'> {
  if (s.store !== 'auto') return s.store;
  return s.redisUrl ? 'redis' : s.inRuntime ? 'state' : 'file';
}

/**
 * Why the selected store cannot serve a Runtime activation, if it cannot: files
 * and memory live in one container, and whatever they hold (claims, parked
 * events) vanishes with it.
 */
export function runtimeStoreProblem(s: StoreSelection): string | undefined {
  if (!s.inRuntime) return undefined;
  const kind = resolveStoreKind(s);
  return kind === 'file' || kind === 'memory'
    ? `STATE_STORE=${kind} keeps events on one container's ${kind === 'file' ? 'disk' : 'memory'}, which Runtime discards: use auto (aio-lib-state), state or redis`
    : undefined;
}

/** The file store is required when chosen: its fs/promises costs every Runtime cold start ≈ 1.5 ms, and Runtime never uses it. */
function createFileKvNow(dir: string): KeyValueStore {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./file-kv') as typeof import('./file-kv')).createFileKv(dir);
}

export function openKeyValueStore(s: StoreSelection): KeyValueStore {
  const kind = resolveStoreKind(s);
  const id = `${kind}|${kind === 'redis' ? s.redisUrl : kind === 'file' ? s.localDir : ''}`;
  let kv = opened.get(id);
  if (!kv) {
    kv = kind === 'redis' ? createRedisKv(s.redisUrl ?? '', { timeoutMs: s.timeoutMs }) : kind === 'state' ? createStateKv(undefined, { timeoutMs: s.timeoutMs }) : kind === 'file' ? createFileKvNow(s.localDir) : createMemoryKv();
    opened.set(id, kv);
  }
  return kv;
}

/**
 * Where records too large for the key-value store are kept (src/stores/overflow.ts):
 * App Builder's file storage in Runtime and wherever aio-lib-state is the store
 * (it takes the same namespace credentials), otherwise files under `dir`
 * (LOCAL_DATA_DIR/overflow). Nothing is loaded until the first oversized record.
 */
export function openOverflow(s: StoreSelection, dir: string): () => Promise<BlobStore> {
  let blobs: BlobStore | undefined;
  return async () => {
    if (!blobs) {
      /* eslint-disable @typescript-eslint/no-require-imports */
      blobs =
        s.inRuntime || resolveStoreKind(s) === 'state'
          ? (require('./files-blobs') as typeof import('./files-blobs')).createFilesBlobs()
          : (require('./local-blobs') as typeof import('./local-blobs')).createLocalBlobs(dir);
      /* eslint-enable @typescript-eslint/no-require-imports */
    }
    return blobs;
  };
}
