/**
 * One activation's platform values, read once, synchronously, when the
 * activation starts, and passed down from there.
 *
 * Apache OpenWhisk's Node.js runtime keeps them in the *shared* `process.env`:
 * for every /run it copies each string field of the run message except
 * `value` into `__OW_<FIELD>` and then calls main (apache/openwhisk-runtime-nodejs
 * core/nodejsActionBase/src/service.js `doRun`, commit d7baea73). The invoker
 * sends `api_key` (only with the `provide-api-key` annotation), `namespace`,
 * `action_name`, `action_version`, `activation_id`, `transaction_id` and
 * `deadline` (epoch ms, as a string); `__OW_API_HOST` is the container's own
 * env (apache/openwhisk core/invoker/.../containerpool/ContainerProxy.scala
 * `initializeAndRun`, DockerContainerFactory.scala, commit 1fae641a). With
 * `concurrency` > 1 the next activation overwrites them, so anything read after
 * the first `await` may be another activation's.
 */

export type Where =
  /** an OpenWhisk (I/O Runtime) activation */
  | 'runtime'
  /** an activation of this project's local runtime (dev/server.ts), which marks its process */
  | 'local-runtime'
  /** no activation at all: tests, scripts */
  | 'none';

export interface Activation {
  where: Where;
  apiHost?: string;
  apiKey?: string;
  namespace?: string;
  actionName?: string;
  activationId?: string;
  transactionId?: string;
  /** epoch ms at which the platform ends this activation */
  deadline?: number;
}

/** Set in its own process by the local runtime (dev/serve.ts); Runtime inputs arrive as params, never as env. */
export const LOCAL_RUNTIME_MARK = 'MARKETO_RELAY_LOCAL_RUNTIME';

const text = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);

/** Copies this activation's values out of the environment. Call it before the activation's first `await`. */
export function readActivation(env: Record<string, string | undefined> = process.env): Activation {
  const activationId = text(env.__OW_ACTIVATION_ID);
  const actionName = text(env.__OW_ACTION_NAME);
  const deadline = Number(env.__OW_DEADLINE);
  const isActivation = Boolean(activationId || actionName);
  return {
    where: !isActivation ? 'none' : env[LOCAL_RUNTIME_MARK] === '1' ? 'local-runtime' : 'runtime',
    apiHost: text(env.__OW_API_HOST),
    apiKey: text(env.__OW_API_KEY),
    namespace: text(env.__OW_NAMESPACE),
    actionName,
    activationId,
    transactionId: text(env.__OW_TRANSACTION_ID),
    ...(Number.isFinite(deadline) && deadline > 0 ? { deadline } : {}),
  };
}

/**
 * What a Runtime activation of an action that invokes others or uses the
 * platform's state store cannot do without: the API host and key. Empty when
 * nothing is missing (or when not in Runtime).
 */
export function missingRuntimeCredentials(a: Activation): string[] {
  if (a.where !== 'runtime') return [];
  return [...(a.apiHost ? [] : ['__OW_API_HOST']), ...(a.apiKey ? [] : ['__OW_API_KEY'])];
}

/** The time this activation can plan work until: `wanted` ms from `startedAt`, but never closer than `reserveMs` to the platform's deadline. */
export function planUntil(a: Activation, startedAt: number, wantedMs: number, reserveMs: number): number {
  const wanted = startedAt + wantedMs;
  return a.deadline === undefined ? wanted : Math.min(wanted, a.deadline - reserveMs);
}
