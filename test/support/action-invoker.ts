/**
 * The Runtime-invoke boundary played in-process: an invocation of a named action
 * is accepted at once (an activation id, as a non-blocking invoke answers) and
 * the action's `main` runs with the deployed inputs merged under the params, as
 * Runtime merges them, and with `activationEnv` written into process.env while
 * its synchronous start reads it (as the Node.js runtime writes `__OW_*` before
 * main); `idle()` waits for every run started so far.
 */
import type { Json } from '../../src/envelope/fields';
import type { InvokeResult, Invoker } from '../../src/delivery/invoker';
import type { ActionMain } from './relay-harness';

export class ActionInvoker implements Invoker {
  results: unknown[] = [];
  /** `__OW_*` values of the next activations (e.g. `__OW_DEADLINE`) */
  activationEnv: () => Record<string, string> = () => ({});
  private running = new Set<Promise<unknown>>();
  private n = 0;

  constructor(
    private readonly actions: Record<string, ActionMain>,
    private readonly inputs: () => Record<string, unknown>,
  ) {}

  async invoke(action: string, params: Json): Promise<InvokeResult> {
    const main = this.actions[action];
    if (!main) return { ok: false, retryable: false, status: 404, reason: 'HTTP 404' };
    const env = this.activationEnv();
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    let started: Promise<unknown>;
    try {
      started = main({ ...this.inputs(), ...params });
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    const run = started.then((r) => void this.results.push(r));
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return { ok: true, activationId: (++this.n).toString(16).padStart(32, '0') };
  }

  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }
}
