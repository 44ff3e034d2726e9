/**
 * A fake at the Runtime-invoke boundary: records every invocation and answers
 * from a schedule (accept, 429, 5xx, network error, hang past the timeout).
 */
import type { Envelope } from '../../src/envelope/envelope';
import type { Json } from '../../src/envelope/fields';
import type { InvokeResult, Invoker } from '../../src/delivery/invoker';

export type Fault = 'ok' | '429' | '500' | '502' | '503' | '400' | 'network' | 'timeout';

export interface Invocation {
  action: string;
  route: string;
  events: Envelope[];
  bytes: number;
  result: InvokeResult;
}

export class FakeInvoker implements Invoker {
  invocations: Invocation[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** decides each attempt's fate; default: accept */
  fault: (action: string, params: Json) => Fault = () => 'ok';
  private n = 0;

  /** the accepted (handed-off) invocations only */
  get accepted(): Invocation[] {
    return this.invocations.filter((i) => i.result.ok);
  }

  async invoke(action: string, params: Json, timeoutMs: number): Promise<InvokeResult> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setImmediate(r));
      const fault = this.fault(action, params);
      const result = await this.answer(fault, timeoutMs);
      this.invocations.push({ action, route: String(params.route), events: params.events as Envelope[], bytes: Buffer.byteLength(JSON.stringify(params)), result });
      return result;
    } finally {
      this.inFlight--;
    }
  }

  private async answer(fault: Fault, timeoutMs: number): Promise<InvokeResult> {
    switch (fault) {
      case 'ok':
        return { ok: true, activationId: (++this.n).toString(16).padStart(32, '0') };
      case '429':
        return { ok: false, retryable: true, status: 429, reason: 'HTTP 429' };
      case '500':
      case '502':
      case '503':
        return { ok: false, retryable: true, status: Number(fault), reason: `HTTP ${fault}` };
      case '400':
        return { ok: false, retryable: false, status: 400, reason: 'HTTP 400' };
      case 'network':
        return { ok: false, retryable: true, reason: 'network: FetchError' };
      case 'timeout':
        await new Promise((r) => setTimeout(r, Math.min(timeoutMs, 5)));
        return { ok: false, retryable: true, reason: 'network: TimeoutError' };
    }
  }
}
