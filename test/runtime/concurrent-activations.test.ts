/**
 * Many activations in one container, run as Apache OpenWhisk's Node.js runtime
 * runs them (./nodejs-runtime.ts: each activation's `__OW_*` values written into
 * the shared process.env when it starts), the receiver's real code path, and the
 * real `openwhisk` client handing off to a local controller that records the
 * credentials and transaction id of every invoke. Only the store is replaced
 * at its boundary: in memory, answering each call in a later macrotask as a
 * network store (aio-lib-state, Redis) does — so activations interleave there.
 */
import { main as leadActivity } from '../../actions/lead-activity/index';
import { toRuntimeParams } from '../../dev/runtime-params';
import { legacyPush } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { setRelayOverrides } from '../../src/relay/context';
import type { KeyValueStore } from '../../src/stores/kv';
import { createMemoryKv } from '../../src/stores/memory-kv';
import { startFakeController, type FakeController } from './fake-controller';
import { clearOwEnv, initContainer, runConcurrently, type RunMessage } from './nodejs-runtime';

const TOKEN = 'push-token-0123456789abcdef';
const inputs = { LEAD_ACTIVITY_TOKENS: TOKEN, EVENTS_CLIENT_ID: 'test-client-id', LOG_LEVEL: 'off', STATS_FLUSH_SECONDS: '0' };
const rng = seeded(1211);
let controller: FakeController;

beforeAll(async () => {
  controller = await startFakeController();
  initContainer({ __OW_API_HOST: controller.url });
});
afterAll(async () => {
  setRelayOverrides({});
  clearOwEnv();
  await controller.close();
});
/** A store whose every answer arrives in a later macrotask, like a reply over the network. */
function overTheNetwork(inner: KeyValueStore): KeyValueStore {
  const later = <T>(p: () => Promise<T>): Promise<T> => new Promise((r) => setImmediate(r)).then(p);
  return {
    kind: inner.kind,
    atomicClaims: inner.atomicClaims,
    maxValueBytes: inner.maxValueBytes,
    get: (k) => later(() => inner.get(k)),
    put: (k, v, t) => later(() => inner.put(k, v, t)),
    putIfAbsent: (k, v, t) => later(() => inner.putIfAbsent(k, v, t)),
    delete: (k) => later(() => inner.delete(k)),
    keys: (p) => inner.keys(p),
  };
}

beforeEach(() => {
  controller.invokes.length = 0;
  setRelayOverrides({ kv: overTheNetwork(createMemoryKv()) });
});

interface Sent {
  msg: RunMessage;
  guids: string[];
}

function activation(i: number, o: { deadline?: number; activities?: number } = {}): Sent {
  const push = legacyPush(rng, o.activities ?? 3, { messageId: `m-${i}` });
  const guids = (push.activities as { marketoGUID: string }[]).map((a) => a.marketoGUID);
  const value = toRuntimeParams({ method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, query: '', body: Buffer.from(JSON.stringify(push)) }, inputs);
  return {
    guids,
    msg: {
      value,
      api_key: `uuid-${i}:key-${i}`,
      namespace: `ns-${i}`,
      action_name: `/ns-${i}/marketo-stream-relay/lead-activity`,
      action_version: '0.0.1',
      activation_id: `activation-${i}`.padEnd(32, '0'),
      transaction_id: `tid-${i}`,
      deadline: String(o.deadline ?? Date.now() + 60_000),
    },
  };
}

/** The activation whose events an invocation carries (every event names its marketoGUID somewhere in its JSON). */
function ownerOf(sent: Sent[], params: Record<string, unknown>): number[] {
  const text = JSON.stringify(params.events);
  return sent.flatMap((s, i) => (s.guids.some((g) => text.includes(g)) ? [i] : []));
}

describe('per-activation values under concurrency', () => {
  it('60 concurrent activations, each with its own API key, namespace and transaction id: 0 crossovers', async () => {
    const sent = Array.from({ length: 60 }, (_, i) => activation(i));
    const answers = (await runConcurrently(leadActivity, sent.map((s) => s.msg))) as { statusCode: number; body: string }[];
    expect(answers.map((a) => a.statusCode)).toEqual(sent.map(() => 200));
    for (const a of answers) expect(JSON.parse(a.body)).toMatchObject({ accepted: 3, parked: 0 });

    expect(controller.invokes.length).toBeGreaterThanOrEqual(sent.length);
    const crossovers = controller.invokes.filter((inv) => {
      const owners = ownerOf(sent, inv.params);
      if (owners.length !== 1) return true;
      const m = sent[owners[0]].msg;
      return inv.apiKey !== m.api_key || inv.transactionId !== m.transaction_id || inv.namespace !== m.namespace;
    });
    expect(crossovers.map((c) => ({ key: c.apiKey, tid: c.transactionId, ns: c.namespace, owners: ownerOf(sent, c.params) }))).toEqual([]);
    // every activity handed off exactly once, by its own activation
    const forwarded = controller.invokes.flatMap((inv) => (inv.params.events as unknown[]).map((e) => sent[ownerOf(sent, { events: [e] })[0]].msg.activation_id));
    expect(forwarded).toHaveLength(sent.length * 3);
  });

  it('plans no hand-off past __OW_DEADLINE: an activation about to end parks its events instead of starting an invoke it cannot finish', async () => {
    const late = activation(900, { deadline: Date.now() + 3000 });
    const [answer] = (await runConcurrently(leadActivity, [late.msg])) as { statusCode: number; body: string }[];
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ accepted: 3, parked: 3 });
    expect(controller.invokes).toEqual([]);
  });
});
