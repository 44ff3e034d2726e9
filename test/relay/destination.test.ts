/**
 * The destination action end to end: a receiver action with a route naming a
 * destination hands its events to the destination action (in-process invoke
 * boundary), which delivers them to a real local Standard Webhooks receiver
 * verifying every request with the reference library. What is not delivered
 * is parked under the route and replayed by the replay action through the
 * destination action again, with the same webhook-id; what the receiver
 * rejects is dead-lettered with its answer.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as destinationMain } from '../../actions/destination/index';
import { main as replayMain } from '../../actions/replay/index';
import { main as userAudit } from '../../actions/user-audit/index';
import { startWebhookReceiver, type WebhookReceiver } from '../../dev/webhook-receiver';
import { auditEvent } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { DESTINATION_ACTION } from '../../src/delivery/routes';
import type { ParkedPayload } from '../../src/delivery/deliver';
import type { DeadLetterPayload } from '../../src/delivery/dead-letters';
import { setRelayOverrides } from '../../src/relay/context';
import { DEAD_LETTER_RECORDS, PARKING_RECORDS } from '../../src/stores/key-families';
import { createMemoryKv } from '../../src/stores/memory-kv';
import { openRecordStore, type StoredRecord } from '../../src/stores/records';
import type { StatsHour } from '../../src/status/stats';
import { ActionInvoker } from '../support/action-invoker';
import { testEnvelope } from '../support/envelope';
import { CLIENT_ID, RelayHarness } from '../support/relay-harness';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const ROUTES = JSON.stringify({ routes: [{ name: 'crm-route', match: { stream: 'user-audit' }, destination: 'crm' }, { name: 'lost', match: { stream: 'notification' }, destination: 'nowhere' }] });

const h = new RelayHarness();
let receiver: WebhookReceiver;
let invoker: ActionInvoker;
let kv = createMemoryKv();
const inputs = (): Record<string, string> => ({ ...h.inputs, ROUTES, DESTINATIONS: JSON.stringify({ crm: { kind: 'webhook', url: receiver.url, secret: SECRET }, other: { kind: 'webhook', url: receiver.url, secret: SECRET } }) });

beforeAll(async () => {
  await h.start({ LOG_LEVEL: 'info' });
  receiver = await startWebhookReceiver({ secret: SECRET });
});
afterAll(async () => {
  await receiver.close();
  await h.stop();
});
beforeEach(() => {
  receiver.requests.length = 0;
  receiver.behave(() => ({ status: 200 }));
  kv = createMemoryKv();
  invoker = new ActionInvoker({ [DESTINATION_ACTION]: destinationMain }, inputs);
  setRelayOverrides({ invoker, kv });
  h.logs.lines.length = 0;
  delete process.env.__OW_DEADLINE;
});
afterEach(() => delete process.env.__OW_DEADLINE);

const parking = () => openRecordStore<ParkedPayload>(kv, { prefix: PARKING_RECORDS, ttlSeconds: 3600 });
const deadLetters = () => openRecordStore<DeadLetterPayload>(kv, { prefix: DEAD_LETTER_RECORDS, ttlSeconds: 3600 });
const all = async <T>(store: ReturnType<typeof openRecordStore<T>>): Promise<StoredRecord<T>[]> => {
  const out: StoredRecord<T>[] = [];
  for await (const r of store.scan()) out.push(r);
  return out;
};
const events = (n: number, prefix = 'ev') => Array.from({ length: n }, (_, i) => testEnvelope(`${prefix}-${i}`));
const run = (params: Record<string, unknown>) => destinationMain({ ...inputs(), STATS_FLUSH_SECONDS: '0', ...params });
const logLines = () => h.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.logger === 'marketo-stream-relay/destination');

describe('the destination action', () => {
  it('delivers every event, leaves nothing parked, logs one line and counts per destination', async () => {
    const r = await run({ route: 'crm-route', events: events(120) });
    expect(r).toEqual({ route: 'crm-route', destination: 'crm', events: 120, delivered: 120, parked: 0, deadLettered: 0, batches: 2, attempts: 2 });
    expect(receiver.unverified).toBe(0);
    expect(receiver.delivered().flatMap((d) => d.events.map((e) => e.id))).toEqual(events(120).map((e) => e.id));
    expect(await all(parking())).toEqual([]);
    expect(logLines()).toEqual([expect.objectContaining({ msg: 'destination delivery', route: 'crm-route', destination: 'crm', delivered: 120 })]);
    const stats: StatsHour[] = [];
    for await (const k of kv.keys('stats-')) stats.push(JSON.parse((await kv.get(k)) as string) as StatsHour);
    expect(stats.map((s) => s.destinations)).toEqual([{ crm: expect.objectContaining({ delivered: 120, parked: 0, failed: 0 }) }]);
  });

  it.each([
    [{ route: 'crm-route' }, 'events_invalid'],
    [{ route: 'crm-route', events: [{ id: 1 }] }, 'events_invalid'],
    [{ events: events(1) }, 'route_invalid'],
  ])('refuses bad params %j with an error and one log line', async (params, code) => {
    expect(await run(params)).toEqual({ error: { code, message: expect.any(String) } });
    expect(logLines()).toEqual([expect.objectContaining({ level: 'warn', error: code })]);
    expect(receiver.requests).toEqual([]);
  });

  it('DESTINATIONS invalid (a deployed rule broken, or unset): config_invalid, nothing sent', async () => {
    expect(await run({ route: 'crm-route', events: events(1), DESTINATIONS: '{"crm": {"kind": "webhook", "url": "http://example.com/x", "secret": "x"}}' })).toEqual({ error: expect.objectContaining({ code: 'config_invalid' }) });
    expect(await run({ route: 'crm-route', events: events(1), DESTINATIONS: undefined })).toEqual({ error: expect.objectContaining({ code: 'config_invalid' }) });
    expect(receiver.requests).toEqual([]);
  });

  it('a route naming an undefined destination: its events are dead-lettered, not lost', async () => {
    expect(await run({ route: 'lost', events: events(2) })).toEqual({ error: expect.objectContaining({ code: 'destination_unknown' }) });
    const dead = await all(deadLetters());
    expect(dead).toEqual([expect.objectContaining({ route: 'lost', reason: expect.stringMatching(/^destination_unknown/) })]);
    expect(await all(parking())).toEqual([]);
  });

  it('rejected (400): the batch is dead-lettered with the status and a bounded excerpt, never parked', async () => {
    receiver.behave(() => ({ status: 400, body: `bad ${'y'.repeat(2000)}` }));
    const r = await run({ route: 'crm-route', events: events(3) });
    expect(r).toEqual(expect.objectContaining({ delivered: 0, parked: 0, deadLettered: 3 }));
    const [dead] = await all(deadLetters());
    expect(dead.reason).toBe('rejected by crm: answered 400');
    const payload = dead.payload as ParkedPayload;
    expect(payload).toEqual(expect.objectContaining({ action: DESTINATION_ACTION, destination: 'crm', answer: { status: 400, excerpt: expect.stringMatching(/^bad y+…$/) } }));
    expect(payload.answer?.excerpt?.length).toBe(513);
    expect(await all(parking())).toEqual([]);
    expect(logLines()).toEqual([expect.objectContaining({ level: 'warn', deadLettered: 3, lastError: 'rejected by crm: answered 400' })]);
  });

  it('503 past the budget: the events stay parked with the last error; replay re-drives them through the action with the same webhook-id', async () => {
    receiver.behave(() => ({ status: 503 }));
    process.env.__OW_DEADLINE = String(Date.now() + 2600);
    const r = await run({ route: 'crm-route', events: events(3) });
    expect(r).toEqual(expect.objectContaining({ delivered: 0, parked: 3 }));
    const [rec] = await all(parking());
    expect(rec).toEqual(expect.objectContaining({ route: 'crm-route', reason: 'answered 503', attempts: 1 }));
    expect(rec.payload.inFlightUntil).toBeUndefined();
    expect(rec.payload.destination).toBe('crm');
    const failedIds = new Set(receiver.requests.map((q) => q.id));
    expect(failedIds.size).toBe(1);

    delete process.env.__OW_DEADLINE;
    receiver.behave(() => ({ status: 200 }));
    const replayed = (await replayMain({ ...inputs() })) as { ok: boolean; report: { replayed: number; removed: number } };
    await invoker.idle();
    expect(replayed.report).toEqual(expect.objectContaining({ replayed: 3, removed: 1 }));
    const delivered = receiver.delivered();
    expect(delivered.flatMap((d) => d.events.map((e) => e.id))).toEqual(['ev-0', 'ev-1', 'ev-2']);
    expect(delivered.map((d) => d.id)).toEqual([...failedIds]);
    expect(await all(parking())).toEqual([]);
  });
  it('a destination that keeps failing: its attempts travel through each replay, and at REPLAY_MAX_ATTEMPTS its events are dead-lettered', async () => {
    receiver.behave(() => ({ status: 503 }));
    process.env.__OW_DEADLINE = String(Date.now() + 2600);
    await run({ route: 'crm-route', events: events(2) });
    delete process.env.__OW_DEADLINE;
    expect((await all(parking())).map((r) => r.attempts)).toEqual([1]);
    invoker.activationEnv = () => ({ __OW_DEADLINE: String(Date.now() + 2600) });
    await replayMain({ ...inputs(), REPLAY_MAX_ATTEMPTS: '2' });
    await invoker.idle();
    expect((await all(parking())).map((r) => [r.attempts, r.reason])).toEqual([[2, 'answered 503']]);
    const sent = receiver.requests.length;
    const last = (await replayMain({ ...inputs(), REPLAY_MAX_ATTEMPTS: '2' })) as { report: { deadLettered: number } };
    await invoker.idle();
    invoker.activationEnv = () => ({});
    expect(last.report.deadLettered).toBe(2);
    expect(await all(parking())).toEqual([]);
    expect(await all(deadLetters())).toEqual([expect.objectContaining({ route: 'crm-route', attempts: 2, reason: 'max_attempts: 2 attempts failed; last: answered 503' })]);
    // not handed over once more
    expect(receiver.requests).toHaveLength(sent);
  });
});

describe('the destination action with a store it cannot open', () => {
  it('delivers all the same (the events exist nowhere else), and names what then fails in its log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'msr-dest-store-'));
    const dataDir = join(dir, 'data');
    writeFileSync(dataDir, 'not a directory'); // the file store cannot make its directory
    setRelayOverrides({});
    const noStore = (params: Record<string, unknown>) => destinationMain({ ...inputs(), STATE_STORE: 'file', LOCAL_DATA_DIR: dataDir, STATS_FLUSH_SECONDS: '0', ...params });
    try {
      const r = await noStore({ route: 'crm-route', events: events(3, 'nostore') });
      expect(r).toMatchObject({ delivered: 3, parked: 0 });
      expect(receiver.delivered().flatMap((d) => d.events.map((e) => e.id))).toEqual(['nostore-0', 'nostore-1', 'nostore-2']);
      receiver.behave(() => ({ status: 503 }));
      process.env.__OW_DEADLINE = String(Date.now() + 4000);
      await noStore({ route: 'crm-route', events: events(2, 'lost') });
      expect(logLines().filter((l) => l.msg === 'destination: not delivered and the store is unavailable: these events are not kept')).toEqual([expect.objectContaining({ eventIds: ['lost-0', 'lost-1'] })]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a receiver whose route names a destination', () => {
  it('hands the events to the destination action, which delivers them to the webhook (the receiver never gets DESTINATIONS)', async () => {
    const rng = seeded(7);
    const batch = Array.from({ length: 5 }, () => auditEvent(rng, { clientId: CLIENT_ID }));
    const res = await h.call(userAudit, h.signed(batch), { ROUTES });
    expect(res).toMatchObject({ statusCode: 200, body: { accepted: 5, forwarded: { 'crm-route': 5 } } });
    await invoker.idle();
    expect(receiver.unverified).toBe(0);
    expect(receiver.delivered().flatMap((d) => d.events.map((e) => e.id)).sort()).toEqual(batch.map((e) => e.eventid as string).sort());
    expect(invoker.results).toEqual([expect.objectContaining({ destination: 'crm', delivered: 5 })]);
  });
  it('what the destination action parks after the receiver handed it off (its claims committed) is replayed, not taken for duplicates', async () => {
    const rng = seeded(8);
    const batch = Array.from({ length: 4 }, () => auditEvent(rng, { clientId: CLIENT_ID }));
    receiver.behave(() => ({ status: 503 }));
    // the destination action's activation ends soon: its budget runs out on the 503s
    invoker.activationEnv = () => ({ __OW_DEADLINE: String(Date.now() + 2600) });
    expect(await h.call(userAudit, h.signed(batch), { ROUTES })).toMatchObject({ statusCode: 200, body: { forwarded: { 'crm-route': 4 } } });
    await invoker.idle();
    expect(invoker.results).toEqual([expect.objectContaining({ delivered: 0, parked: 4 })]);
    invoker.activationEnv = () => ({});
    receiver.behave(() => ({ status: 200 }));
    const replayed = (await replayMain({ ...inputs() })) as { report: { replayed: number; duplicates: number } };
    await invoker.idle();
    expect(replayed.report).toEqual(expect.objectContaining({ replayed: 4, duplicates: 0 }));
    expect(receiver.delivered().flatMap((d) => d.events.map((e) => e.id)).sort()).toEqual(batch.map((e) => e.eventid as string).sort());
    expect(await all(parking())).toEqual([]);
  });
});
