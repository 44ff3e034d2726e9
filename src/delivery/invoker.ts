/**
 * The boundary to I/O Runtime: a non-blocking invocation of a downstream action.
 * "Handed off" means the platform accepted it and answered with an activation id.
 */
import type { Json } from '../envelope/fields';

export type InvokeResult =
  | { ok: true; activationId: string }
  /** retryable: throttled (429), server error (5xx), network error or timeout */
  | { ok: false; retryable: boolean; status?: number; reason: string };

export interface Invoker {
  invoke(action: string, params: Json, timeoutMs: number): Promise<InvokeResult>;
  /** Loads what the first invocation needs (the openwhisk client: ≈ 20 ms in a fresh container). */
  prepare?(): void;
}

type OwClient = { actions: { invoke(o: { name: string; params: Json; blocking: false }): Promise<{ activationId?: string }> } };
type OwFactory = (o: { apihost: string; api_key: string }) => OwClient;

/** Classifies an OpenWhiskError (or anything thrown) as an InvokeResult. */
export function invokeFailure(err: unknown): InvokeResult {
  const e = err as { statusCode?: number; name?: string; message?: string };
  const status = typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  if (status === undefined) return { ok: false, retryable: true, reason: `network: ${e?.name ?? 'Error'}` };
  const retryable = status === 429 || status >= 500 || status === 408;
  return { ok: false, retryable, status, reason: `HTTP ${status}` };
}

/** Rejects after `ms` with a timeout marker (the openwhisk client has no timeout of its own). */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('invoke timed out'), { name: 'TimeoutError' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The Runtime invoker. The `openwhisk` client is provided by the nodejs:20 image
 * (a webpack external) and is loaded on first use; credentials are read from
 * `__OW_API_HOST`/`__OW_API_KEY` per activation (one container serves many).
 */
export function openwhiskInvoker(env: NodeJS.ProcessEnv = process.env, factory?: OwFactory): Invoker {
  const clients = new Map<string, OwClient>();
  const clientFor = (apihost: string, apiKey: string): OwClient => {
    const cacheKey = `${apihost}\0${apiKey}`;
    let client = clients.get(cacheKey);
    if (!client) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const make = factory ?? (require('openwhisk') as OwFactory);
      client = make({ apihost, api_key: apiKey });
      clients.set(cacheKey, client);
    }
    return client;
  };
  return {
    async invoke(action, params, timeoutMs) {
      const apihost = env.__OW_API_HOST ?? '';
      const apiKey = env.__OW_API_KEY ?? '';
      if (!apihost || !apiKey) return { ok: false, retryable: true, reason: 'no Runtime credentials (__OW_API_HOST/__OW_API_KEY)' };
      const client = clientFor(apihost, apiKey);
      try {
        const res = await withTimeout(client.actions.invoke({ name: action, params, blocking: false }), timeoutMs);
        if (typeof res?.activationId === 'string' && res.activationId) return { ok: true, activationId: res.activationId };
        return { ok: false, retryable: true, reason: 'no activation id in the answer' };
      } catch (err) {
        return invokeFailure(err);
      }
    },
    prepare() {
      if (env.__OW_API_HOST && env.__OW_API_KEY) clientFor(env.__OW_API_HOST, env.__OW_API_KEY);
    },
  };
}
