/**
 * The boundary to I/O Runtime: a non-blocking invocation of a downstream action.
 * "Handed off" means the platform accepted it and answered with an activation id.
 */
import type { Json } from '../envelope/fields';
import { readActivation, type Activation } from '../runtime/activation';
import { withTimeout } from '../timeout';

export type InvokeResult =
  | { ok: true; activationId: string }
  /** retryable: throttled (429), server error (5xx), network error or timeout */
  | { ok: false; retryable: boolean; status?: number; reason: string };

export interface Invoker {
  invoke(action: string, params: Json, timeoutMs: number): Promise<InvokeResult>;
  /** Loads what the first invocation needs (the openwhisk client: ≈ 20 ms in a fresh container). */
  prepare?(): void;
}

/** The invokers of one container: one per activation, each with that activation's credentials and transaction id. */
export interface InvokerPool {
  forActivation(activation: Activation): Invoker;
}

type InvokeOptions = { name: string; params: Json; blocking: false; namespace?: string; headers?: Record<string, string> };
type RequestParts = { headers: Record<string, string | undefined> };
/** What we use of an openwhisk@3 client; `actions.client` is the Client every resource shares. */
type OwClient = {
  actions: {
    invoke(o: InvokeOptions): Promise<{ activationId?: string }>;
    client?: { params?: (method: string, path: string, options?: { headers?: Record<string, string> }) => Promise<RequestParts> };
  };
};
export type OwFactory = (o: { apihost: string; api_key: string }) => OwClient;

/** The header the controller takes an incoming request's transaction id from (apache/openwhisk application.conf `whisk.transactions.header`). */
export const TRANSACTION_HEADER = 'x-request-id';

/** Classifies an OpenWhiskError (or anything thrown) as an InvokeResult. */
export function invokeFailure(err: unknown): InvokeResult {
  const e = err as { statusCode?: number; name?: string; message?: string };
  const status = typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  if (status === undefined) return { ok: false, retryable: true, reason: `network: ${e?.name ?? 'Error'}` };
  const retryable = status === 429 || status >= 500 || status === 408;
  return { ok: false, retryable, status, reason: `HTTP ${status}` };
}


/**
 * openwhisk@3's Client builds each request a microtask after the call and then
 * sets `x-request-id` from `process.env.__OW_TRANSACTION_ID` over whatever
 * header the call passed (node_modules/openwhisk/lib/client.js `params`): under
 * concurrency, another activation's id. Here the call's own header is put back
 * once the request is built; a call without one sends none rather than a
 * neighbour's. Only the header is touched, on this client instance.
 */
function sendEachCallsTransactionId(client: OwClient): void {
  const c = client.actions.client;
  const build = c?.params;
  if (!c || typeof build !== 'function') return;
  c.params = (method, path, options) =>
    build.call(c, method, path, options).then((req) => {
      const own = options?.headers?.[TRANSACTION_HEADER];
      if (own) req.headers[TRANSACTION_HEADER] = own;
      else delete req.headers[TRANSACTION_HEADER];
      return req;
    });
}

/**
 * The openwhisk client as far as we use it: its Client and the actions resource
 * (openwhisk@3 `lib/client.js`, `lib/actions.js`, what the package's main wires
 * together). The main also loads and builds the seven resources never called here
 * (feeds, triggers, rules, …): ≈ 5 ms of a cold start. Both modules are bundled
 * (webpack-config.js), so a release that moves them fails the build, not a
 * delivery; the invoker test checks they send what the main sends.
 */
export function loadOpenwhisk(): OwFactory {
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded on the first hand-off, not with the bundle */
  const Client = require('openwhisk/lib/client.js') as new (o: object) => unknown;
  const Actions = require('openwhisk/lib/actions.js') as new (client: unknown) => OwClient['actions'];
  /* eslint-enable @typescript-eslint/no-require-imports */
  return (o) => ({ actions: new Actions(new Client(o)) });
}

/**
 * The Runtime invokers. The `openwhisk` client is loaded on first use; one client per API host
 * and key, shared by the activations that carry that key. Nothing here reads
 * `process.env`: each activation's credentials, namespace and transaction id
 * come from its Activation, read when it started.
 */
export function openwhiskInvokers(factory?: OwFactory): InvokerPool {
  const clients = new Map<string, OwClient>();
  const clientFor = (apihost: string, apiKey: string): OwClient => {
    const cacheKey = `${apihost}\0${apiKey}`;
    let client = clients.get(cacheKey);
    if (!client) {
      const make = factory ?? loadOpenwhisk();
      client = make({ apihost, api_key: apiKey });
      sendEachCallsTransactionId(client);
      clients.set(cacheKey, client);
    }
    return client;
  };
  return {
    forActivation(a) {
      const { apiHost, apiKey, transactionId } = a;
      // the openwhisk client's own default namespace is process.env.__OW_NAMESPACE || '_', read at the call
      const namespace = a.namespace ?? '_';
      return {
        async invoke(action, params, timeoutMs) {
          if (!apiHost || !apiKey) return { ok: false, retryable: true, reason: 'no Runtime credentials (__OW_API_HOST/__OW_API_KEY)' };
          const client = clientFor(apiHost, apiKey);
          const options: InvokeOptions = { name: action, params, blocking: false, namespace, ...(transactionId ? { headers: { [TRANSACTION_HEADER]: transactionId } } : {}) };
          try {
            const res = await withTimeout(client.actions.invoke(options), timeoutMs, 'invoke timed out');
            if (typeof res?.activationId === 'string' && res.activationId) return { ok: true, activationId: res.activationId };
            return { ok: false, retryable: true, reason: 'no activation id in the answer' };
          } catch (err) {
            return invokeFailure(err);
          }
        },
        prepare() {
          if (apiHost && apiKey) clientFor(apiHost, apiKey);
        },
      };
    },
  };
}

/** One invoker for the activation described by `env` (read now, once): scripts, benchmarks, tests. */
export function openwhiskInvoker(env: Record<string, string | undefined> = process.env, factory?: OwFactory): Invoker {
  return openwhiskInvokers(factory).forActivation(readActivation(env));
}
