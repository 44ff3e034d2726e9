/**
 * An action run the way Apache OpenWhisk's Node.js runtime runs it, built from
 * apache/openwhisk-runtime-nodejs at commit d7baea73101058021d4b389521be7b761571a31b:
 *
 * - core/nodejsActionBase/src/service.js `doInit`: the init message's `env`
 *   (the invoker's `__OW_*` values, `__OW_API_HOST` among them) goes into process.env once.
 * - `doRun`: for each /run, every string field of the message except `value`
 *   is written to the **shared** `process.env` as `__OW_` + the field's name
 *   upper-cased, then the action runs; nothing restores them afterwards.
 * - core/nodejsActionBase/runner.js `NodeActionRunner.run`: main(value) is called
 *   synchronously inside a Promise executor, its result (or promise) resolved;
 *   undefined becomes {}.
 * - The message fields are those apache/openwhisk core/invoker ContainerProxy.scala
 *   `initializeAndRun` sends (commit 1fae641a2b30bccb7ddc69d2d215866d899a8510):
 *   api_key (with provide-api-key), namespace, action_name, action_version,
 *   activation_id, transaction_id, deadline (epoch ms as a string).
 *
 * Each /run reaches the runtime as its own HTTP request, i.e. its own macrotask:
 * `runConcurrently` starts each activation in a separate setImmediate, so
 * activations interleave at their awaits as they do in a container with
 * `concurrency` > 1.
 */
export type ActionMain = (params: Record<string, unknown>) => unknown;

export interface RunMessage {
  value: Record<string, unknown>;
  api_key?: string;
  namespace: string;
  action_name: string;
  action_version?: string;
  activation_id: string;
  transaction_id: string;
  deadline: string;
}

/** The container's init: what the invoker passes as the init message's env. */
export function initContainer(env: Record<string, string>): void {
  for (const [k, v] of Object.entries(env)) process.env[k] = v;
}

/** One /run, as doRun + NodeActionRunner.run do it. */
export function runActivation(main: ActionMain, msg: RunMessage): Promise<unknown> {
  for (const [k, v] of Object.entries(msg)) {
    if (typeof v === 'string' && k !== 'value') process.env[`__OW_${k.toUpperCase()}`] = v;
  }
  return new Promise((resolve, reject) => {
    let result: unknown;
    try {
      result = main(msg.value);
    } catch (e) {
      reject(e);
    }
    Promise.resolve(result).then((r) => resolve(r === undefined ? {} : r), reject);
  });
}

/** Many /run requests arriving at one container: each starts in its own macrotask. */
export function runConcurrently(main: ActionMain, messages: RunMessage[]): Promise<unknown[]> {
  return Promise.all(messages.map((m) => new Promise<unknown>((resolve, reject) => setImmediate(() => runActivation(main, m).then(resolve, reject)))));
}

/** The `__OW_*` names a run may have left in process.env (for cleanup). */
export const OW_NAMES = ['__OW_API_HOST', '__OW_API_KEY', '__OW_NAMESPACE', '__OW_ACTION_NAME', '__OW_ACTION_VERSION', '__OW_ACTIVATION_ID', '__OW_TRANSACTION_ID', '__OW_DEADLINE'];
export function clearOwEnv(): void {
  for (const k of OW_NAMES) delete process.env[k];
}
