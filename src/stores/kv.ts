/**
 * The key-value boundary every store is built on. Keys are limited to
 * aio-lib-state's alphabet `[A-Za-z0-9-_.]` (hashPart makes any text fit it).
 */
import { createHash } from 'node:crypto';
import { withTimeout } from '../timeout';

export interface KeyValueStore {
  readonly kind: 'memory' | 'file' | 'state' | 'redis';
  /** true where putIfAbsent is atomic (memory, file, redis); aio-lib-state has no compare-and-set */
  readonly atomicClaims: boolean;
  /** the largest value (UTF-8 bytes) the store takes: a longer one is refused before anything is sent (ValueTooLargeError) */
  readonly maxValueBytes: number;
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string, ttlSeconds: number): Promise<void>;
  putIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** every live key with this prefix, page by page */
  keys(prefix: string): AsyncIterable<string>;
  close?(): Promise<void>;
}

const SAFE = /^[A-Za-z0-9_.-]{1,1024}$/;

/** Whether every store takes `key` as it is (aio-lib-state 5's key rule: constants.js REGEX_PATTERN_STORE_KEY). */
export const isSafeKey = (key: string): boolean => SAFE.test(key);

export function assertSafeKey(key: string): void {
  if (!isSafeKey(key)) throw new Error(`invalid store key (allowed: [A-Za-z0-9-_.], 1-1024 chars)`);
}

/**
 * aio-lib-state's value limit: "Max state value size: 1MB" (AdobeDocs/app-builder
 * @da263cf, src/pages/guides/app_builder_guides/storage/application-state.md,
 * Constraints); the library's own e2e test (adobe/aio-lib-state @295659c,
 * e2e/e2e.js "error value bigger than 1MB") sees 1024 * 1024 + 1 bytes refused
 * with ERROR_PAYLOAD_TOO_LARGE (HTTP 413). The local stores (memory, files) are
 * its stand-ins and take no more, so what is kept whole elsewhere in Runtime is
 * kept so locally too.
 */
export const STATE_MAX_VALUE_BYTES = 1024 * 1024;

/** A value over the store's limit: refused before it is sent (the store would refuse it too). */
export class ValueTooLargeError extends Error {
  constructor(readonly bytes: number, readonly limit: number) {
    super(`value of ${bytes} bytes is over the store's limit of ${limit}`);
    this.name = 'ValueTooLargeError';
  }
}

/** Whether `value` takes at most `limit` bytes as UTF-8 (counted only when it could be over: at most 3 bytes per UTF-16 unit). */
export const fitsIn = (value: string, limit: number): boolean => value.length * 3 <= limit || Buffer.byteLength(value) <= limit;

/** Throws ValueTooLargeError when `value` does not fit the store's limit. */
export function assertFits(value: string, limit: number): void {
  if (!fitsIn(value, limit)) throw new ValueTooLargeError(Buffer.byteLength(value), limit);
}

/** A short, stable, store-safe name for arbitrary text (route names, event ids). */
export const hashPart = (text: string, length = 16): string => createHash('sha256').update(text).digest('base64url').slice(0, length);

/** A store call that did not answer in time (the store is hanging: answer retry-later, never guess). */
export class StoreTimeoutError extends Error {
  constructor(op: string, ms: number) {
    super(`store ${op} did not answer within ${ms} ms`);
    this.name = 'StoreTimeoutError';
  }
}

/** Rejects with StoreTimeoutError when `promise` has not settled within `ms`. */
export const withStoreTimeout = <T>(promise: Promise<T>, ms: number, op: string, onTimeout?: () => void): Promise<T> =>
  withTimeout(promise, ms, () => {
    onTimeout?.();
    return new StoreTimeoutError(op, ms);
  });

/** Default bound of one store call: well inside the senders' deadlines (I/O Events 10 s, Marketo 20 s). */
export const DEFAULT_STORE_TIMEOUT_MS = 1500;

/**
 * Calls on a library's client (aio-lib-state, aio-lib-files) opened on first use, each
 * bounded by `timeoutMs`; any failure is rethrown as `wrap(op, err)`, since the
 * libraries' errors carry request details. An open that failed, or that has not
 * settled when a call's time is up, is not kept: the next call starts another.
 */
export function boundedClient<C>(open: () => Promise<C>, timeoutMs: number, label: string, wrap: (op: string, err: unknown) => Error): <T>(op: string, f: (c: C) => Promise<T>) => Promise<T> {
  let opening: Promise<C> | undefined;
  let ready: C | undefined;
  const connect = (): Promise<C> => {
    if (ready) return Promise.resolve(ready);
    if (opening) return opening;
    const mine = open();
    opening = mine;
    mine.then(
      (c) => void (opening === mine && (ready = c)),
      () => void (opening === mine && (opening = undefined)),
    );
    return mine;
  };
  const dropPendingOpen = (): void => {
    if (!ready) opening = undefined;
  };
  return async (op, f) => {
    try {
      return await withStoreTimeout(connect().then(f), timeoutMs, `${label} ${op}`, dropPendingOpen);
    } catch (err) {
      throw wrap(op, err);
    }
  };
}
