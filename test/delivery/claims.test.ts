/**
 * Claims settle, whatever happens (issue 12): a kill between claim and
 * hand-off, a throw after the claim, a claim still pending on a retry.
 * Through the real actions (RelayHarness: fake invoker at the openwhisk
 * boundary, memory store with its own clock).
 */
import { main as leadActivity } from '../../actions/lead-activity/index';
import { main as userAudit } from '../../actions/user-audit/index';
import { auditEvent, legacyPush } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { parseConfig, pendingBoundSeconds } from '../../src/config';
import { deliver } from '../../src/delivery/deliver';
import type { Invoker } from '../../src/delivery/invoker';
import { parseRoutes } from '../../src/delivery/routes';
import { silentLog } from '../../src/log';
import { setRelayOverrides } from '../../src/relay/context';
import { createKeyPerEventDedupe, dedupeKey, eventIdentity } from '../../src/stores/dedupe';
import { createMemoryKv } from '../../src/stores/memory-kv';
import { testEnvelope } from '../support/envelope';
import { FakeInvoker } from '../support/fake-invoker';
import { CLIENT_ID, PUSH_TOKEN, RelayHarness } from '../support/relay-harness';

const h = new RelayHarness();
const rng = seeded(12);
let clock = Date.now();
const kv = () => createMemoryKv(() => clock);

beforeAll(() => h.start());
afterAll(() => h.stop());
beforeEach(() => {
  clock = Date.now();
  h.reset({ kv: kv() });
});

const push = (activities: Record<string, unknown>[]) => ({
  headers: { 'content-type': 'application/json', authorization: `Bearer ${PUSH_TOKEN}` },
  body: JSON.stringify({ ...legacyPush(rng, 0), activities }),
});
const activity = () => legacyPush(rng, 1).activities as Record<string, unknown>[];

/** Nests a value `depth` levels deep (JSON.parse takes it; JSON.stringify overflows). */
const deep = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('the pending bound', () => {
  it('is the owner deadline: budget + forward timeout + 2 store calls (+1 s), 14 s by default, far inside the first retries (60 s, 180 s)', () => {
    const c = parseConfig({});
    if (!c.ok) throw new Error(c.errors.join());
    expect(c.config.stores.pendingSeconds).toBe(pendingBoundSeconds({ budgetMs: 7000, forwardTimeoutMs: 2500, storeTimeoutMs: 1500 }));
    expect(c.config.stores.pendingSeconds).toBe(14);
  });
  it('refuses a configured bound shorter than a live owner can still hand off', () => {
    const c = parseConfig({ DEDUPE_PENDING_SECONDS: '5' });
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.errors.join()).toMatch(/DEDUPE_PENDING_SECONDS/);
  });
  it('a claim stores its owner and deadline', async () => {
    const store = kv();
    const d = createKeyPerEventDedupe(store, { ttlSeconds: 3600, pendingTtlSeconds: 14, owner: 'container1', now: () => clock });
    const e = testEnvelope('e-1');
    await d.claim('r', [{ key: eventIdentity(e) }]);
    const value = await store.get(dedupeKey('r', eventIdentity(e)));
    expect(value).toMatch(/^p\.container1[0-9a-z]*\.(\d+)$/);
    expect(Number(value?.split('.').pop())).toBe(clock + 14_000);
  });
});

describe('a kill between claim and hand-off', () => {
  it('the retry finds the claim pending: 503 retry-later, never 200 duplicates; after the bound it is forwarded once', async () => {
    const event = auditEvent(rng, { clientId: CLIENT_ID });
    // the owner claimed, then its process died before forwarding
    const claimKey = { key: `user-audit\n\n${String(event.eventid).toLowerCase()}` };
    expect((await createKeyPerEventDedupe(h.kv, { ttlSeconds: 3600, pendingTtlSeconds: 14 }).claim('user-audit', [claimKey])).fresh).toHaveLength(1);
    const retry = await h.call(userAudit, h.signed([event]));
    expect(retry).toMatchObject({ statusCode: 503, body: { error: 'claim_pending' } });
    expect(h.invoker.invocations).toHaveLength(0);
    clock += 15_000;
    const later = await h.call(userAudit, h.signed([event]));
    expect(later).toMatchObject({ statusCode: 200, body: { duplicates: 0, forwarded: { 'user-audit': 1 } } });
    expect(h.forwardedIds()).toEqual([event.eventid]);
    const again = await h.call(userAudit, h.signed([event]));
    expect(again).toMatchObject({ statusCode: 200, body: { duplicates: 1, forwarded: {} } });
  });
  it('a commit that fails after the hand-off: the claim expires, the event may be forwarded again, never lost', async () => {
    const store = kv();
    const d = createKeyPerEventDedupe(store, { ttlSeconds: 3600, pendingTtlSeconds: 14, now: () => clock });
    const e = testEnvelope('e-2');
    const routes = parseRoutes({ routes: [{ name: 'a', match: { stream: '*' }, action: 'p/a' }] });
    if (!routes.ok) throw new Error();
    const invoker = new FakeInvoker();
    const failingCommit = { ...d, commit: async () => Promise.reject(Object.assign(new Error('x'), { name: 'StoreTimeoutError' })) };
    const deps = { routes: routes.value, invoker, dedupe: failingCommit, log: silentLog(), forward: { concurrency: 1, timeoutMs: 50, maxParamBytes: 1e6, deadline: Number.MAX_SAFE_INTEGER } };
    const r1 = await deliver([e], { stream: 'user-audit', transport: 'io-events', deliveryId: 'd' }, deps);
    expect(r1).toMatchObject({ forwarded: { a: 1 }, dedupeUnavailable: 1 });
    expect((await deliver([e], { stream: 'user-audit', transport: 'io-events', deliveryId: 'd' }, { ...deps, dedupe: d })).pending).toBe(1);
    clock += 15_000;
    expect((await deliver([e], { stream: 'user-audit', transport: 'io-events', deliveryId: 'd' }, { ...deps, dedupe: d })).forwarded).toEqual({ a: 1 });
  });
});

describe('a throw after the claim', () => {
  it('an invoker that throws: every claim is released, the retry forwards (not "duplicate")', async () => {
    const real = h.invoker;
    let throwing = true;
    const invoker: Invoker = { invoke: async (a, p, t) => (throwing ? Promise.reject(new RangeError('Maximum call stack size exceeded')) : real.invoke(a, p, t)) };
    setRelayOverrides({ invoker, kv: h.kv });
    const events = [auditEvent(rng, { clientId: CLIENT_ID }), auditEvent(rng, { clientId: CLIENT_ID })];
    const first = await h.call(userAudit, h.signed(events));
    // a throw is a failed hand-off: parked, answered 200 parked
    expect(first).toMatchObject({ statusCode: 200, body: { parked: 2, forwarded: {} } });
    throwing = false;
    const retry = await h.call(userAudit, h.signed(events));
    expect(retry).toMatchObject({ statusCode: 200, body: { forwarded: { 'user-audit': 2 }, duplicates: 0 } });
  });
  it('one event nested 5,000 levels deep: quarantined; the other 499 of the push forwarded; re-sent alone they are duplicates, and the poison is not', async () => {
    const clean = Array.from({ length: 499 }, () => activity()[0]);
    const poison = { ...activity()[0], attributes: 'DEEP' };
    const body = JSON.stringify({ ...legacyPush(rng, 0), activities: [...clean, poison] }).replace('"DEEP"', deep(5000));
    const res = await h.call(leadActivity, { headers: push([]).headers, body });
    expect(res).toMatchObject({ statusCode: 200, body: { quarantined: 1, forwarded: { 'lead-activity': 499 }, duplicates: 0 } });
    const dlq: string[] = [];
    for await (const k of h.kv.keys('dlq-')) dlq.push(String(await h.kv.get(k)));
    expect(dlq).toHaveLength(1);
    expect(dlq[0]).toMatch(/event_too_deep/);
    const again = await h.call(leadActivity, push(clean));
    expect(again).toMatchObject({ statusCode: 200, body: { duplicates: 499, forwarded: {} } });
    expect(new Set(h.forwardedIds()).size).toBe(499);
  });
  it('a single 5,000-deep I/O event: 200 quarantined, never 503 forever', async () => {
    const event = auditEvent(rng, { clientId: CLIENT_ID, version: 'V2' }) as { event: { body: { data: Record<string, unknown> } } };
    event.event.body.data.extra = 'DEEP';
    const body = JSON.stringify([event]).replace('"DEEP"', deep(5000));
    const res = await h.call(userAudit, h.signed(body));
    expect(res).toMatchObject({ statusCode: 200, body: { quarantined: 1 } });
    expect(h.invoker.invocations).toHaveLength(0);
  });
});
