/**
 * P1: a signed 20-event I/O batch through verify → recipient → normalize →
 * route → forward, warm, in-process (the openwhisk client faked at its
 * boundary), against the same deliveries with Adobe's SDK verification.
 * P2: a 500-activity legacy push accepted and routed in-process; and with
 * the activity catalog warm against the same pushes without it.
 */
import { main as leadActivity } from '../actions/lead-activity/index';
import { main as userAudit } from '../actions/user-audit/index';
import { toRuntimeParams } from '../dev/runtime-params';
import { auditEvent, legacyActivity, legacyPush } from '../dev/traffic/events';
import { seeded } from '../dev/traffic/rng';
import { adobeDeliveryHeaders, generateSigningKey, startKeyServer, type SigningKey } from '../dev/traffic/signing';
import { openwhiskInvoker } from '../src/delivery/invoker';
import { decodeRequest, parseJsonBody } from '../src/http/request';
import { checkRecipients } from '../src/io-events/recipient';
import { deliveryMetaOf, eventsOfBody, normalizeElements } from '../src/io-events/receive';
import { relayContext, setRelayOverrides } from '../src/relay/context';
import { handOff } from '../src/relay/hand-off';
import type { KeyValueStore } from '../src/stores/kv';
import { createMemoryKv } from '../src/stores/memory-kv';
import { createStateKv, type StateClient } from '../src/stores/state-kv';
import { FakeStateService, fakeStateClient, startStateServer } from '../test/support/fake-state';
import { forgetAioLibs, loadBaseline, type BaselineMode } from './baseline-sdk';
import { timeIt, type Timing } from './measure';
import { startMarketoRestStandIn } from '../dev/traffic/marketo-rest';
import { MUNCHKIN_IDS } from '../dev/traffic/events';
import { resetCatalogs } from '../src/relay/catalog';

const CLIENT = 'bench-client';
const TOKEN = 'bench-push-token';

export interface InProcessResults {
  p1: Timing & { eventsPerSecond: number };
  /** aio-lib-events + aio-lib-state, real code, network endpoints local */
  p1Baseline: Timing & { eventsPerSecond: number; stateCallsPerDelivery: number };
  /** aio-lib-state replaced by a map: a lower bound */
  p1BaselineStub: Timing & { eventsPerSecond: number; stateCallsPerDelivery: number };
  /** the Runtime default store: aio-lib-state (client faked), grouped idempotency */
  p2: Timing;
  /** STATE_STORE=memory, one key per event */
  p2Memory: Timing;
  /** the real aio-lib-state library against a local State service */
  p2RealState: Timing & { stateCallsPerPush: number };
  /** as p2, with both instances' activity catalogs configured and warm (custom activities named, attributes typed) */
  p2Catalog: Timing;
  /** p2 again, measured right beside p2Catalog (the ratio's denominator) */
  p2Without: Timing;
}

/**
 * P2 with and without the activity catalog, interleaved in blocks so the machine's
 * drift falls on both alike: the same pushes (half of them custom activities),
 * the same store, the catalog served warm from the local Marketo REST stand-in.
 */
export async function runCatalogP2(o: { pushRuns: number }): Promise<{ p2Catalog: Timing; p2Without: Timing }> {
  const rng = seeded(2);
  const rest = await startMarketoRestStandIn(MUNCHKIN_IDS.map((munchkinId) => ({ munchkinId })));
  const fakeOpenwhisk = () => ({ actions: { invoke: async () => ({ activationId: 'f'.repeat(32) }) } });
  const inputs = { LEAD_ACTIVITY_TOKENS: TOKEN, LOG_LEVEL: 'off', STATS_FLUSH_SECONDS: '3600', EVENTS_CLIENT_ID: CLIENT };
  const withCatalog = { ...inputs, MARKETO_INSTANCES: rest.instancesJson() };
  const start = Date.now() - 3_600_000;
  let n = 0;
  const push = (extra: Record<string, string>) => () => {
    const batch = legacyPush(rng, 500, { time: new Date(start + n++ * 43_200) });
    for (const [i, a] of (batch.activities as Record<string, unknown>[]).entries()) if (i % 2 === 0) Object.assign(a, legacyActivity(rng, { typeId: i % 4 === 0 ? 100001 : 100002, time: new Date(start + n * 43_200) }));
    const body = Buffer.from(JSON.stringify(batch));
    return toRuntimeParams({ method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, query: '', body }, extra);
  };
  const run = async (params: Record<string, unknown>) => {
    const r = (await leadActivity(params)) as { statusCode: number };
    if (r.statusCode !== 200) throw new Error(`P2 catalog push answered ${r.statusCode}`);
  };
  setRelayOverrides({ invoker: openwhiskInvoker({ __OW_API_HOST: 'https://bench', __OW_API_KEY: 'bench:key' }, fakeOpenwhisk), kv: createStateKv(async () => fakeStateClient(new FakeStateService())) });
  resetCatalogs();
  const blocks = 6;
  const per = Math.max(1, Math.round(o.pushRuns / blocks));
  const a: Timing[] = [];
  const b: Timing[] = [];
  // ABBA: which of the two runs first alternates, so neither always inherits the other's garbage
  for (let i = 0; i < blocks; i++) {
    const warm = i < 2 ? 50 : 5;
    if (i % 2 === 0) {
      b.push(await timeIt(per, warm, push(inputs), run));
      a.push(await timeIt(per, warm, push(withCatalog), run));
    } else {
      a.push(await timeIt(per, warm, push(withCatalog), run));
      b.push(await timeIt(per, warm, push(inputs), run));
    }
  }
  setRelayOverrides({});
  resetCatalogs();
  await rest.close();
  const merge = (ts: Timing[]): Timing => ({ runs: ts.reduce((s, t) => s + t.runs, 0), p50: median(ts.map((t) => t.p50)), p99: Math.max(...ts.map((t) => t.p99)), mean: ts.reduce((s, t) => s + t.mean * t.runs, 0) / ts.reduce((s, t) => s + t.runs, 0) });
  return { p2Catalog: merge(a), p2Without: merge(b) };
}

const median = (v: number[]): number => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];

export async function runInProcess(o: { runs: number; pushRuns: number }): Promise<InProcessResults> {
  const rng = seeded(1);
  const keys: [SigningKey, SigningKey] = [generateSigningKey(), generateSigningKey()];
  const keyServer = await startKeyServer(keys);
  const fakeOpenwhisk = () => ({ actions: { invoke: async () => ({ activationId: 'f'.repeat(32) }) } });
  setRelayOverrides({ invoker: openwhiskInvoker({ __OW_API_HOST: 'https://bench', __OW_API_KEY: 'bench:key' }, fakeOpenwhisk), kv: createMemoryKv() });
  const inputs = { EVENTS_CLIENT_ID: CLIENT, EVENTS_PUBLIC_KEY_BASE_URL: keyServer.baseUrl, LEAD_ACTIVITY_TOKENS: TOKEN, LOG_LEVEL: 'off', STATS_FLUSH_SECONDS: '3600' };
  const warm = 100;
  const batch = () => {
    const body = Buffer.from(JSON.stringify(Array.from({ length: 20 }, () => auditEvent(rng, { clientId: CLIENT }))));
    return toRuntimeParams({ method: 'POST', headers: adobeDeliveryHeaders(body, keys), query: '', body }, inputs);
  };
  const p1 = await timeIt(o.runs, warm, batch, async (params) => {
    const r = (await userAudit(params)) as { statusCode: number };
    if (r.statusCode !== 200) throw new Error(`P1 delivery answered ${r.statusCode}`);
  });

  const baselineRun = async (mode: BaselineMode) => {
    const sdk = await loadBaseline(keyServer.baseUrl, mode);
    const t = await timeIt(o.runs, warm, batch, async (params) => {
      const c = relayContext(params, 'baseline');
      if (!c.ok) throw new Error('config');
      const req = decodeRequest(params, 1024 * 1024);
      if (!req.ok) throw new Error('decode');
      if (!(await sdk.verify(req.value.rawBody.toString('utf8'), req.value.headers, CLIENT))) throw new Error('baseline: signature not verified');
      const body = parseJsonBody(req.value.rawBody);
      const events = body.ok ? eventsOfBody(body.value) : body;
      if (!events.ok || checkRecipients(events.value, [CLIENT])) throw new Error('baseline: shape/recipient');
      const received = normalizeElements(events.value, deliveryMetaOf(req.value.headers, 'user-audit', 'io-events'), undefined, Date.now());
      const res = await handOff(received, c.ctx);
      if (res.outcome.kind !== 'accepted') throw new Error('baseline: hand-off');
    });
    const stateCallsPerDelivery = sdk.stateCalls() / (o.runs + warm);
    await sdk.close();
    return { ...t, stateCallsPerDelivery };
  };
  const p1Baseline = await baselineRun('real');
  const p1BaselineStub = await baselineRun('stub');

  // P2, three times: the store Runtime uses by default (aio-lib-state, grouped idempotency; its
  // client faked at the boundary), the memory store, and the real library. Activity times advance 43.2 s per
  // push — the pace of 1,000,000 activities a day — so idempotency buckets fill as they would.
  const pushRun = async (kv: KeyValueStore): Promise<Timing> => {
    setRelayOverrides({ invoker: openwhiskInvoker({ __OW_API_HOST: 'https://bench', __OW_API_KEY: 'bench:key' }, fakeOpenwhisk), kv });
    const start = Date.now() - 3_600_000;
    const push = (i: number) => {
      const body = Buffer.from(JSON.stringify(legacyPush(rng, 500, { time: new Date(start + i * 43_200) })));
      return toRuntimeParams({ method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, query: '', body }, inputs);
    };
    return timeIt(o.pushRuns, 50, push, async (params) => {
      const r = (await leadActivity(params)) as { statusCode: number };
      if (r.statusCode !== 200) throw new Error(`P2 push answered ${r.statusCode}`);
    });
  };
  const p2 = await pushRun(createStateKv(async () => fakeStateClient(new FakeStateService())));
  const p2Memory = await pushRun(createMemoryKv());
  // and the real aio-lib-state library against the local State service: what its own code costs
  const service = new FakeStateService();
  const stateServer = await startStateServer(service);
  const saved = { ...process.env };
  Object.assign(process.env, { AIO_STATE_ENDPOINT: stateServer.url, __OW_NAMESPACE: 'bench-namespace', __OW_API_KEY: 'bench-uuid:bench-key', LOG_LEVEL: 'warn' });
  forgetAioLibs();
  const calls0 = service.stats.calls;
  // require, not the store's own import(): it honours forgetAioLibs (the P1 baseline loaded the library with another endpoint)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const realClient = async (): Promise<StateClient> => (require('@adobe/aio-lib-state') as { init(): Promise<StateClient> }).init();
  const p2RealState = { ...(await pushRun(createStateKv(realClient))), stateCallsPerPush: 0 };
  if (service.stats.calls === calls0) throw new Error('P2: the real aio-lib-state never reached the local State service');
  p2RealState.stateCallsPerPush = (service.stats.calls - calls0) / (o.pushRuns + 50);
  for (const k of ['AIO_STATE_ENDPOINT', '__OW_NAMESPACE', '__OW_API_KEY', 'LOG_LEVEL']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await stateServer.close();
  setRelayOverrides({});
  await keyServer.close();
  const { p2Catalog, p2Without } = await runCatalogP2({ pushRuns: o.pushRuns });
  const eps = <T extends Timing>(t: T) => ({ ...t, eventsPerSecond: 20_000 / t.mean });
  return { p1: eps(p1), p1Baseline: eps(p1Baseline), p1BaselineStub: eps(p1BaselineStub), p2, p2Memory, p2RealState, p2Catalog, p2Without };
}
