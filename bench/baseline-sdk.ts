/**
 * The baseline: Adobe's own SDK path. `@adobe/aio-lib-events` verifies a
 * delivery by opening `@adobe/aio-lib-state` (`init()`), reading both public
 * keys from it (a remote store in Runtime), fetching a key with node-fetch on
 * a miss and storing it, parsing the PEMs and verifying.
 *
 * Variant `real`: the REAL aio-lib-events and aio-lib-state code, with only
 * their network endpoints local — aio-lib-state talks HTTP to a local model
 * of the State service (its own `AIO_STATE_ENDPOINT` switch), and the key
 * fetch of https://static.adobeioevents.com is rewritten to the local key
 * server. Nothing else is replaced: aio-lib-state's per-call credential and
 * key validation (a fresh Ajv schema compile each call), its retrying fetch
 * and the loopback HTTP round trips are all in the figure.
 *
 * Variant `stub`: aio-lib-state replaced by an in-memory map — a lower bound
 * that no deployment reaches (what remains is aio-lib-events' PEM parsing).
 *
 * The public `verifyDigitalSignatureForEvent` refuses arrays (it reads only
 * `recipient_client_id` of one object), so batches go through the function it
 * calls after that check, `signatureUtils.verifyDigitalSignature`.
 */
import Module from 'node:module';
import { FakeStateService, startStateServer } from '../test/support/fake-state';

type Load = (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown;
const mod = Module as unknown as { _load: Load };
const KEY_DOMAIN = 'https://static.adobeioevents.com';

export type BaselineMode = 'real' | 'stub';

export interface BaselineVerifier {
  verify(rawBody: string, headers: Record<string, string>, clientId: string): Promise<boolean>;
  /** HTTP calls the State service model answered */
  stateCalls(): number;
  close(): Promise<void>;
}

/** aio-lib-state's stand-in for the `stub` variant. */
function memoryState(): unknown {
  const data = new Map<string, string>();
  const client = {
    get: async (k: string) => (data.has(k) ? { value: data.get(k) } : undefined),
    put: async (k: string, v: string) => (data.set(k, v), k),
  };
  return { init: async () => client };
}

/** aio-lib-state reads AIO_STATE_ENDPOINT when it loads: forget it so the next load sees the current one. */
export function forgetAioLibs(): void {
  for (const k of Object.keys(require.cache)) if (/@adobe[\\/]aio-lib-(state|events)[\\/]/.test(k)) delete require.cache[k];
}

/** Loads signatureUtils afresh with the given module substitutions. */
function loadSignatureUtils(substitute: (request: string, parent?: string) => unknown): SignatureUtils {
  forgetAioLibs();
  const original = mod._load;
  mod._load = function (request, parent, isMain) {
    return substitute(request, parent?.filename) ?? original.call(this, request, parent, isMain);
  };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('@adobe/aio-lib-events/src/signatureUtils.js') as { exportFunctions: SignatureUtils }).exportFunctions;
  } finally {
    mod._load = original;
  }
}

interface SignatureUtils {
  verifyDigitalSignature(o: object, id: string, raw: string): Promise<boolean | undefined>;
}

export async function loadBaseline(keyServerUrl: string, mode: BaselineMode): Promise<BaselineVerifier> {
  const service = new FakeStateService();
  const state = mode === 'real' ? await startStateServer(service) : undefined;
  // what Runtime gives every action, and aio-lib-state's documented endpoint override (read when it loads)
  const saved = { AIO_STATE_ENDPOINT: process.env.AIO_STATE_ENDPOINT, __OW_NAMESPACE: process.env.__OW_NAMESPACE, __OW_API_KEY: process.env.__OW_API_KEY, LOG_LEVEL: process.env.LOG_LEVEL };
  // LOG_LEVEL warn: the libraries' loggers are created at load; at their default (info) aio-lib-events prints the fetched PEM on the first miss
  const setEnv = (): void => void Object.assign(process.env, { AIO_STATE_ENDPOINT: state?.url ?? '', __OW_NAMESPACE: 'bench-namespace', __OW_API_KEY: 'bench-uuid:bench-key', LOG_LEVEL: 'warn' });
  const restoreEnv = (): void => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  };
  setEnv();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodeFetch = require('node-fetch') as (url: string, init?: object) => Promise<unknown>;
  const keyFetch = (url: string, init?: object): Promise<unknown> => nodeFetch(url.replace(KEY_DOMAIN, keyServerUrl), init);
  const utils = loadSignatureUtils((request, parent) => {
    if (request === 'node-fetch' && parent?.endsWith('signatureUtils.js')) return Object.assign(keyFetch, { default: keyFetch });
    if (request === '@adobe/aio-lib-state' && mode === 'stub') return memoryState();
    return undefined;
  });
  restoreEnv();
  return {
    async verify(raw, h, clientId) {
      setEnv(); // aio-lib-state's init() reads the namespace and key on every call
      try {
        const o = { digiSignature1: h['x-adobe-digital-signature-1'], digiSignature2: h['x-adobe-digital-signature-2'], publicKeyPath1: h['x-adobe-public-key1-path'], publicKeyPath2: h['x-adobe-public-key2-path'] };
        return Boolean(await utils.verifyDigitalSignature(o, clientId, raw));
      } finally {
        restoreEnv();
      }
    },
    stateCalls: () => service.stats.calls,
    close: async () => void (await state?.close()),
  };
}
