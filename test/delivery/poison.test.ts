/**
 * Poison is isolated, not contagious (issue 12): an event that can never be
 * handed off (too deep to serialize, larger alone than an invocation, routed
 * nowhere) is quarantined with its reason; the rest of its batch proceeds and
 * the delivery is answered 200 with the counts. Never parked.
 */
import { main as leadActivity } from '../../actions/lead-activity/index';
import { legacyPush } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { payloadBound } from '../../src/delivery/param-size';
import { deeperThan, jsonDepthBound, maxJsonDepth, screenEvents, storableEvent } from '../../src/delivery/poison';
import { testEnvelope } from '../support/envelope';
import { flakyKv } from '../support/flaky-kv';
import type { BlobStore } from '../../src/stores/overflow';
import { createMemoryKv } from '../../src/stores/memory-kv';
import { PUSH_TOKEN, RelayHarness } from '../support/relay-harness';

const rng = seeded(3);
const h = new RelayHarness();
beforeAll(() => h.start());
afterAll(() => h.stop());
beforeEach(() => h.reset());

const headers = { 'content-type': 'application/json', authorization: `Bearer ${PUSH_TOKEN}` };
const pushOf = (activities: unknown[]) => JSON.stringify({ ...legacyPush(rng, 0), activities });
const activities = (n: number) => legacyPush(rng, n).activities as Record<string, unknown>[];
const keysOf = async (prefix: string) => {
  const out: string[] = [];
  for await (const k of h.kv.keys(prefix)) out.push(k);
  return out.filter((k) => /^[a-z]+-\d{10}-/.test(k));
};

describe('screenEvents', () => {
  it('measures nesting on the body text, strings (and escaped quotes) skipped', () => {
    expect(maxJsonDepth('{"a":[{"b":"[[[{{{\\"[["}]}')).toBe(3);
    expect(maxJsonDepth('[]')).toBe(1);
  });
  it('bounds nesting by the opening brackets, and scans for the exact depth only above the limit', () => {
    const text = '{"a":[{"b":"[[[{{{\\"[["}]}';
    expect(jsonDepthBound(text, 498)).toBeGreaterThanOrEqual(maxJsonDepth(text));
    const wide = JSON.stringify(Array.from({ length: 600 }, () => ({ a: [1] })));
    expect(jsonDepthBound(wide, 498)).toBe(3);
    const deep = '['.repeat(499) + ']'.repeat(499);
    expect(jsonDepthBound(deep, 498)).toBe(499);
    expect(jsonDepthBound('{"s":"' + '{'.repeat(600) + '"}', 498)).toBe(1);
  });
  it('deeperThan walks without recursion (a 100,000-deep value does not overflow)', () => {
    let v: unknown = 1;
    for (let i = 0; i < 100_000; i++) v = { a: v };
    expect(deeperThan(v, 500)).toBe(true);
    expect(deeperThan({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(deeperThan({ a: [{ b: {} }] }, 3)).toBe(true);
  });
  it('a shallow body that provably fits: nothing walked, nothing serialized', () => {
    const events = [testEnvelope('a'), testEnvelope('b')];
    const text = JSON.stringify(events.map((e) => e.data));
    const trap = events.map((e) => ({ ...e, toJSON: () => { throw new Error('serialized'); } }));
    expect(screenEvents(trap as never, { maxParamBytes: 1_000_000, payloads: payloadBound({ bytes: text.length, text }) }).poisoned).toEqual([]);
  });
  it('too large alone: event_too_large; too deep: event_too_deep, stored without its data', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 600; i++) deep = { a: deep };
    const r = screenEvents([testEnvelope('ok'), testEnvelope('big', { data: { pad: 'x'.repeat(20_000) } }), testEnvelope('deep', { data: { deep } as never })], { maxParamBytes: 10_000 });
    expect(r.clean.map((e) => e.id)).toEqual(['ok']);
    expect(r.poisoned.map((p) => [p.event.id, p.reason.split(':')[0]])).toEqual([['big', 'event_too_large'], ['deep', 'event_too_deep']]);
    expect(JSON.stringify(storableEvent(r.poisoned[1]))).toMatch(/not stored: event_too_deep/);
  });
});

describe('through the push action', () => {
  it('one activity too large for an invocation in a push: quarantined, the rest forwarded, 200 with counts, nothing parked', async () => {
    const clean = activities(20);
    const big = { ...activities(1)[0], primaryAttributeValue: 'x'.repeat(30_000) };
    const res = await h.call(leadActivity, { headers, body: pushOf([...clean, big]) }, { MAX_INVOKE_PARAM_BYTES: '20000' });
    expect(res).toMatchObject({ statusCode: 200, body: { accepted: 21, quarantined: 1, parked: 0, forwarded: { 'lead-activity': 20 } } });
    expect(await keysOf('park-')).toEqual([]);
    const dlq = await keysOf('dlq-');
    expect(dlq).toHaveLength(1);
    expect(await h.kv.get(dlq[0])).toMatch(/event_too_large/);
  });
  it('unrouted events (routes without a default): quarantined with their reason, never silently dropped', async () => {
    const routes = JSON.stringify({ routes: [{ name: 'forms', match: { activityTypeId: 2 }, action: 'p/forms' }] });
    const res = await h.call(leadActivity, { headers, body: pushOf(activities(3).map((a) => ({ ...a, activityTypeId: 1 }))) }, { ROUTES: routes });
    expect(res).toMatchObject({ statusCode: 200, body: { unrouted: 3, quarantined: 3 } });
    const dlq = await keysOf('dlq-');
    expect(dlq).toHaveLength(3);
    expect(await h.kv.get(dlq[0])).toMatch(/unrouted/);
  });
  it('an event over the store value limit is quarantined whole in overflow storage, nothing omitted; 503 when overflow cannot take it either', async () => {
    const blobs = new Map<string, Buffer>();
    let overflowDown = false;
    const overflow: BlobStore = {
      kind: 'local',
      write: async (p, d) => {
        if (overflowDown) throw Object.assign(new Error('down'), { name: 'FilesStoreError' });
        blobs.set(p, d);
      },
      read: async (p) => blobs.get(p),
      delete: async (p) => void blobs.delete(p),
      list: async (d) => [...blobs.keys()].filter((k) => k.startsWith(d)),
    };
    // a store whose values are limited to 25,000 bytes
    const kv = createMemoryKv(Date.now, { maxValueBytes: 25_000 });
    h.reset({ kv, overflow });
    const big = { ...activities(1)[0], primaryAttributeValue: 'x'.repeat(30_000) };
    const res = await h.call(leadActivity, { headers, body: pushOf([big]) }, { MAX_INVOKE_PARAM_BYTES: '20000' });
    expect(res).toMatchObject({ statusCode: 200, body: { quarantined: 1 } });
    const dlq = await keysOf('dlq-');
    expect(dlq).toHaveLength(1);
    const stored = JSON.parse(String(await kv.get(dlq[0])));
    expect(stored).not.toHaveProperty('payload');
    expect(stored.overflow.bytes).toBeGreaterThan(30_000);
    const whole = JSON.parse(String(blobs.get(stored.overflow.path))).element;
    expect(whole.data).toMatchObject({ primaryAttributeValue: big.primaryAttributeValue });
    expect(JSON.stringify(stored)).not.toMatch(/dataOmittedBytes/);

    overflowDown = true;
    const again = await h.call(leadActivity, { headers, body: pushOf([{ ...big, id: 987654 }]) }, { MAX_INVOKE_PARAM_BYTES: '20000' });
    expect(again).toMatchObject({ statusCode: 503, body: { error: 'dead_letter_unavailable' } });
  });
  it('the dead-letter store down: 503 (the sender retries), nothing claimed for the poison', async () => {
    const kv = flakyKv(createMemoryKv());
    h.reset({ kv });
    kv.failWhen = (op, k) => op === 'put' && k.startsWith('dlq');
    const big = { ...activities(1)[0], primaryAttributeValue: 'x'.repeat(30_000) };
    const res = await h.call(leadActivity, { headers, body: pushOf([big]) }, { MAX_INVOKE_PARAM_BYTES: '20000' });
    expect(res).toMatchObject({ statusCode: 503, body: { error: 'dead_letter_unavailable' } });
  });
});

describe('bounded work per delivery (MAX_EVENTS_PER_DELIVERY)', () => {
  it('an I/O delivery over the cap is refused whole with 413 before anything is claimed, forwarded or parked', async () => {
    const { main: userAudit } = await import('../../actions/user-audit/index');
    const { auditEvent } = await import('../../dev/traffic/events');
    const { CLIENT_ID } = await import('../support/relay-harness');
    const batch = (n: number) => Array.from({ length: n }, () => auditEvent(rng, { clientId: CLIENT_ID }));
    const over = await h.call(userAudit, h.signed(batch(6)), { MAX_EVENTS_PER_DELIVERY: '5' });
    expect(over).toMatchObject({ statusCode: 413, body: { error: 'batch_too_large' } });
    expect(h.invoker.invocations).toHaveLength(0);
    const keys: string[] = [];
    for await (const k of h.kv.keys('')) keys.push(k);
    expect(keys.filter((k) => /^(dd|park|dlq)-/.test(k))).toEqual([]);
    expect((await h.call(userAudit, h.signed(batch(5)), { MAX_EVENTS_PER_DELIVERY: '5' })).statusCode).toBe(200);
  });
  it('10,000 tiny events with the default cap (500): 413, nothing half-parked', async () => {
    const { main: userAudit } = await import('../../actions/user-audit/index');
    const { auditEvent } = await import('../../dev/traffic/events');
    const { CLIENT_ID } = await import('../support/relay-harness');
    const one = auditEvent(rng, { clientId: CLIENT_ID });
    const res = await h.call(userAudit, h.signed(Array.from({ length: 10_000 }, (_, i) => ({ ...one, eventid: `e-${i}` }))));
    expect(res).toMatchObject({ statusCode: 413 });
    expect(h.invoker.invocations).toHaveLength(0);
  });
});
