/**
 * End-to-end harness for the receiver actions: real RSA keys served by a local
 * key server, Runtime raw-http params, a fake invoker at the openwhisk boundary
 * and an in-memory store behind the real store code.
 */
import { setRelayOverrides } from '../../src/relay/context';
import type { KeyValueStore } from '../../src/stores/kv';
import type { BlobStore } from '../../src/stores/overflow';
import { createMemoryKv } from '../../src/stores/memory-kv';
import { toRuntimeParams } from '../../dev/runtime-params';
import { adobeDeliveryHeaders, generateSigningKey, startKeyServer, type DeliveryHeadersOptions, type KeyServer, type SigningKey } from '../../dev/traffic/signing';
import { FakeInvoker } from './fake-invoker';
import { captureLogs } from './logs';

export const CLIENT_ID = 'test-client-id';
export const PUSH_TOKEN = 'push-token-0123456789abcdef';

export interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

export type ActionMain = (params: Record<string, unknown>) => Promise<unknown>;

export class RelayHarness {
  keys!: [SigningKey, SigningKey];
  keyServer!: KeyServer;
  invoker = new FakeInvoker();
  kv: KeyValueStore = createMemoryKv();
  logs = captureLogs();
  inputs: Record<string, string> = {};

  async start(inputs: Record<string, string> = {}): Promise<this> {
    this.keys = [generateSigningKey(), generateSigningKey()];
    this.keyServer = await startKeyServer(this.keys);
    this.inputs = { EVENTS_CLIENT_ID: CLIENT_ID, EVENTS_PUBLIC_KEY_BASE_URL: this.keyServer.baseUrl, LEAD_ACTIVITY_TOKENS: PUSH_TOKEN, LOG_LEVEL: 'off', STATS_FLUSH_SECONDS: '0', ...inputs };
    this.reset();
    return this;
  }

  /** fresh invoker, store and overrides (keeps the keys and key server) */
  reset(o: { kv?: KeyValueStore; overflow?: BlobStore } = {}): void {
    this.invoker = new FakeInvoker();
    this.kv = o.kv ?? createMemoryKv();
    setRelayOverrides({ invoker: this.invoker, kv: this.kv, ...(o.overflow ? { overflow: o.overflow } : {}) });
  }

  async stop(): Promise<void> {
    this.logs.stop();
    setRelayOverrides({});
    await this.keyServer.close();
  }

  params(req: { method?: string; headers?: Record<string, string>; query?: string; body?: Buffer | string }, inputs: Record<string, unknown> = {}): Record<string, unknown> {
    const body = req.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
    return toRuntimeParams({ method: req.method ?? 'POST', headers: req.headers ?? {}, query: req.query ?? '', body }, { ...this.inputs, ...inputs });
  }

  async call(main: ActionMain, req: Parameters<RelayHarness['params']>[0], inputs: Record<string, unknown> = {}): Promise<Answer> {
    const res = (await main(this.params(req, inputs))) as { statusCode: number; headers: Record<string, string>; body: string };
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(res.body) as Record<string, unknown>;
    } catch {
      body = { text: res.body };
    }
    return { statusCode: res.statusCode, headers: res.headers, body };
  }

  /** a signed I/O Events delivery of `payload` */
  signed(payload: unknown, o: DeliveryHeadersOptions = {}): { headers: Record<string, string>; body: string } {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    return { headers: adobeDeliveryHeaders(body, this.keys, o), body };
  }

  forwardedIds(route?: string): string[] {
    return this.invoker.accepted.filter((i) => route === undefined || i.route === route).flatMap((i) => i.events.map((e) => e.id));
  }
}
