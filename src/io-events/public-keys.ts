/**
 * Adobe's signing public keys: fetched only from the configured host and only
 * for paths of the form /prod/keys/pub-key-<id>.pem, cached as parsed
 * KeyObjects in memory (per container) and, when a shared cache is given
 * (aio-lib-state in Runtime), as PEM text across containers — never longer
 * than 24 h, since Adobe rotates keys and sends no cache headers.
 *
 * A path the host said does not exist is remembered for `missingTtlSeconds`,
 * and fetches for paths not cached are bounded per container
 * (`maxFetchesPerMinute`): forged requests with fresh, well-formed key paths
 * cannot make the container a relay of load onto the key host. Beyond the
 * bound a lookup is `unavailable` (503, retried): a real key rotation during a
 * flood costs Adobe one retry, never a refusal.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createCallBudget } from '../http/budget';
import { getText, type GetText } from '../http/get-text';

const KEY_PATH = /^\/prod\/keys\/pub-key-[A-Za-z0-9-]{1,64}\.pem$/;
const MAX_PEM_BYTES = 16 * 1024;

export const isAllowedKeyPath = (path: string): boolean => KEY_PATH.test(path);

/** A cross-container cache of PEM text (aio-lib-state in Runtime). */
export interface SharedKeyCache {
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string, ttlSeconds: number): Promise<void>;
}

export type KeyLookup =
  | { ok: true; key: KeyObject }
  /** `missing`: the host answered that no such key exists (4xx but 408 and 429) — the signature cannot be valid.
   *  `unavailable`: network error, timeout, 408, 429, 5xx or garbage — try again later. */
  | { ok: false; reason: 'missing' | 'unavailable'; detail: string };

export interface KeyProviderOptions {
  baseUrl: string;
  timeoutMs: number;
  ttlSeconds: number;
  shared?: SharedKeyCache;
  /** the HTTP GET used for the key host (tests replace it) */
  get?: GetText;
  now?: () => number;
  /** how long a path the host answered 4xx for is not asked again (default 300 s) */
  missingTtlSeconds?: number;
  /** key-host fetches per minute and container for paths not cached (default 30) */
  maxFetchesPerMinute?: number;
}

export interface KeyProvider {
  lookup(path: string): Promise<KeyLookup>;
}

const sharedKeyName = (path: string): string => `pubkey.${path.replace(/[^A-Za-z0-9-]/g, '_')}`;

function parsePem(pem: string): KeyObject | undefined {
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === 'rsa' ? key : undefined;
  } catch {
    return undefined;
  }
}

export function createKeyProvider(opts: KeyProviderOptions): KeyProvider {
  const memory = new Map<string, { key: KeyObject; until: number }>();
  const missing = new Map<string, { detail: string; until: number }>();
  const inflight = new Map<string, Promise<KeyLookup>>();
  const now = opts.now ?? Date.now;
  const get = opts.get ?? getText;
  const budget = createCallBudget(opts.maxFetchesPerMinute ?? 30, now);
  const missingTtlMs = (opts.missingTtlSeconds ?? 300) * 1000;
  const MAX_MISSING = 1000;

  async function fromShared(path: string): Promise<KeyObject | undefined> {
    if (!opts.shared) return undefined;
    try {
      const pem = await opts.shared.get(sharedKeyName(path));
      return pem ? parsePem(pem) : undefined;
    } catch {
      return undefined; // the shared cache is an optimisation; the key host is the source
    }
  }

  async function fromHost(path: string): Promise<KeyLookup> {
    const known = missing.get(path);
    if (known && known.until > now()) return { ok: false, reason: 'missing', detail: `${known.detail} (remembered)` };
    if (!budget.take()) return { ok: false, reason: 'unavailable', detail: 'key fetch budget exhausted' };
    let res: { status: number; text: string };
    try {
      res = await get(opts.baseUrl + path, opts.timeoutMs);
    } catch (err) {
      return { ok: false, reason: 'unavailable', detail: (err as Error).name };
    }
    // 408 and 429 say "not now", not "no such key": retried (503), never remembered as missing
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
      if (missing.size >= MAX_MISSING) missing.delete(missing.keys().next().value as string);
      missing.set(path, { detail: `HTTP ${res.status}`, until: now() + missingTtlMs });
      return { ok: false, reason: 'missing', detail: `HTTP ${res.status}` };
    }
    // a redirect is not followed: only the configured host serves keys
    if (res.status < 200 || res.status >= 300) return { ok: false, reason: 'unavailable', detail: `HTTP ${res.status}` };
    const pem = res.text;
    const key = pem.length <= MAX_PEM_BYTES ? parsePem(pem) : undefined;
    if (!key) return { ok: false, reason: 'unavailable', detail: 'not an RSA public key PEM' };
    opts.shared?.put(sharedKeyName(path), pem, opts.ttlSeconds).catch(() => undefined);
    return { ok: true, key };
  }

  async function load(path: string): Promise<KeyLookup> {
    const shared = await fromShared(path);
    const found: KeyLookup = shared ? { ok: true, key: shared } : await fromHost(path);
    if (found.ok) memory.set(path, { key: found.key, until: now() + opts.ttlSeconds * 1000 });
    return found;
  }

  return {
    async lookup(path) {
      const hit = memory.get(path);
      if (hit && hit.until > now()) return { ok: true, key: hit.key };
      let pending = inflight.get(path);
      if (!pending) {
        pending = load(path).finally(() => inflight.delete(path));
        inflight.set(path, pending);
      }
      const result = await pending;
      // a key host outage does not evict a key we still hold: Adobe keeps signing with it
      if (!result.ok && result.reason === 'unavailable' && hit) return { ok: true, key: hit.key };
      return result;
    },
  };
}
