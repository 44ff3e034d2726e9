/**
 * `npm run bench:memory`: the heap a worst-case delivery keeps alive, to size an
 * action's `memorySize` × `concurrency` (app.config.yaml; arithmetic in the README).
 *
 * Worst case: a Lead Activity push as large as the relay accepts (MAX_BODY_BYTES,
 * 1 MiB) and a signed I/O Events batch of the same size, each arriving as Runtime
 * hands it over (the activation's JSON parsed into raw-http params, the body base64).
 * K deliveries run at once through the real action code; the invoker (faked at the
 * openwhisk boundary) serializes each invocation's params as the client would and
 * holds every one until all K deliveries have one in flight, so all K are live
 * together. There the heap is read after a full GC (what cannot be freed) and
 * before it (what the collector had not yet freed). Prints JSON.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { main as leadActivity } from '../actions/lead-activity/index';
import { main as userAudit } from '../actions/user-audit/index';
import { toRuntimeParams } from '../dev/runtime-params';
import { auditEvent, legacyPush } from '../dev/traffic/events';
import { seeded } from '../dev/traffic/rng';
import { adobeDeliveryHeaders, generateSigningKey, startKeyServer, type SigningKey } from '../dev/traffic/signing';
import type { InvokeResult, Invoker } from '../src/delivery/invoker';
import type { Json } from '../src/envelope/fields';
import { setRelayOverrides } from '../src/relay/context';
import { createMemoryKv } from '../src/stores/memory-kv';

const MAX_BODY = 1024 * 1024;
const CLIENT = 'bench-client';
const TOKEN = 'bench-push-token';
const MB = 2 ** 20;

const maybeGc = (globalThis as { gc?: () => void }).gc;
if (!maybeGc) throw new Error('run with node --expose-gc (npm run bench:memory does)');
const gc: () => void = maybeGc;
/** which of the K deliveries an invocation belongs to */
const delivery = new AsyncLocalStorage<number>();

/** The largest body `make(n)` gives that still fits in MAX_BODY. */
function largest(make: (n: number) => string): { body: string; count: number } {
  let lo = 1;
  let hi = 8192;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (Buffer.byteLength(make(mid)) <= MAX_BODY) lo = mid;
    else hi = mid - 1;
  }
  return { body: make(lo), count: lo };
}

/** Holds every invocation until `expected` deliveries have one in flight. */
class BarrierInvoker implements Invoker {
  held: string[] = [];
  private waiting: (() => void)[] = [];
  private seen = new Set<number | undefined>();
  private reached?: () => void;
  readonly allInFlight: Promise<void>;
  constructor(private expected: number) {
    this.allInFlight = new Promise((r) => (this.reached = r));
  }
  async invoke(_action: string, params: Json): Promise<InvokeResult> {
    this.held.push(JSON.stringify(params)); // the request body the openwhisk client sends
    this.seen.add(delivery.getStore());
    const released = new Promise<void>((r) => this.waiting.push(r));
    if (this.seen.size >= this.expected) this.reached?.();
    await released;
    return { ok: true, activationId: 'a'.repeat(32) };
  }
  release(): void {
    for (const r of this.waiting.splice(0)) r();
    this.held = [];
  }
}

interface Sample {
  concurrent: number;
  heapLiveMiB: number;
  heapUsedMiB: number;
  rssMiB: number;
}

async function measure(kind: string, concurrent: number, activation: () => string, main: (p: Record<string, unknown>) => Promise<unknown>): Promise<Sample> {
  const invoker = new BarrierInvoker(concurrent);
  setRelayOverrides({ invoker, kv: createMemoryKv() });
  // the activations' JSON as the Runtime proxy receives it (made before the baseline: it is the platform's)
  const incoming = Array.from({ length: concurrent }, activation);
  gc();
  const before = process.memoryUsage();
  const runs = incoming.map(async (json, i) => {
    const params = JSON.parse(json) as Record<string, unknown>;
    incoming[i] = '';
    const r = (await delivery.run(i, () => main(params))) as { statusCode: number };
    if (r.statusCode !== 200) throw new Error(`${kind} answered ${r.statusCode} ${JSON.stringify(r).slice(0, 300)}`);
  });
  await invoker.allInFlight;
  const used = process.memoryUsage();
  gc();
  const live = process.memoryUsage();
  invoker.release();
  await Promise.all(runs);
  return {
    concurrent,
    heapLiveMiB: (live.heapUsed + live.external - before.heapUsed - before.external) / MB,
    heapUsedMiB: (used.heapUsed + used.external - before.heapUsed - before.external) / MB,
    rssMiB: used.rss / MB,
  };
}

async function run(): Promise<void> {
  const keys: [SigningKey, SigningKey] = [generateSigningKey(), generateSigningKey()];
  const keyServer = await startKeyServer(keys);
  const inputs = { EVENTS_CLIENT_ID: CLIENT, EVENTS_PUBLIC_KEY_BASE_URL: keyServer.baseUrl, LEAD_ACTIVITY_TOKENS: TOKEN, LOG_LEVEL: 'off', STATS_FLUSH_SECONDS: '3600', STATE_STORE: 'memory' };
  const push = largest((n) => JSON.stringify(legacyPush(seeded(n), n, { messageId: '00000000' })));
  const batch = largest((n) => JSON.stringify(Array.from({ length: n }, (_, i) => auditEvent(seeded(i), { clientId: CLIENT }))));
  let m = 0;
  const leadActivation = () => {
    // a new delivery of new activities (ids of the same length: the same size), so none is a duplicate
    const tag = (++m).toString(16).padStart(8, '0');
    const parsed = JSON.parse(push.body) as { activities: { marketoGUID: string }[] };
    const activities = parsed.activities.map((a) => ({ ...a, marketoGUID: `${tag}${a.marketoGUID.slice(8)}` }));
    const body = JSON.stringify({ ...parsed, messageId: tag, activities });
    return JSON.stringify(toRuntimeParams({ method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, query: '', body: Buffer.from(body) }, inputs));
  };
  let n = 0;
  const auditActivation = () => {
    const events = (JSON.parse(batch.body) as Record<string, unknown>[]).map((e) => ({ ...e, eventid: `${(++n).toString(16).padStart(8, '0')}${String(e.eventid).slice(8)}` })); // same length: same size
    const body = Buffer.from(JSON.stringify(events));
    return JSON.stringify(toRuntimeParams({ method: 'POST', headers: adobeDeliveryHeaders(body, keys), query: '', body }, inputs));
  };
  // warm: code loaded, caches filled, once each
  await measure('lead-activity', 1, leadActivation, leadActivity);
  await measure('user-audit', 1, auditActivation, userAudit);
  gc();
  const baseline = process.memoryUsage();
  const results: Record<string, unknown> = {
    node: process.version,
    baselineAfterWarmUp: { rssMiB: baseline.rss / MB, heapUsedMiB: baseline.heapUsed / MB },
    leadActivity: { bodyBytes: Buffer.byteLength(push.body), activities: push.count, samples: [] as Sample[] },
    userAudit: { bodyBytes: Buffer.byteLength(batch.body), events: batch.count, samples: [] as Sample[] },
  };
  for (const k of [1, 10, 25]) {
    (results.leadActivity as { samples: Sample[] }).samples.push(await measure('lead-activity', k, leadActivation, leadActivity));
    (results.userAudit as { samples: Sample[] }).samples.push(await measure('user-audit', k, auditActivation, userAudit));
  }
  setRelayOverrides({});
  await keyServer.close();
  console.log(JSON.stringify(results, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 10) / 10 : v), 2));
}

run().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
