/** Chooses the key-value store from configuration; one instance per process and configuration. */
import type { StoreKind } from '../config';
import { createFileKv } from './file-kv';
import type { KeyValueStore } from './kv';
import { createMemoryKv } from './memory-kv';
import { createRedisKv } from './redis-kv';
import { createStateKv } from './state-kv';

export interface StoreSelection {
  store: StoreKind;
  redisUrl?: string;
  localDir: string;
  inRuntime: boolean;
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

export function openKeyValueStore(s: StoreSelection): KeyValueStore {
  const kind = resolveStoreKind(s);
  const id = `${kind}|${kind === 'redis' ? s.redisUrl : kind === 'file' ? s.localDir : ''}`;
  let kv = opened.get(id);
  if (!kv) {
    kv = kind === 'redis' ? createRedisKv(s.redisUrl ?? '') : kind === 'state' ? createStateKv() : kind === 'file' ? createFileKv(s.localDir) : createMemoryKv();
    opened.set(id, kv);
  }
  return kv;
}
