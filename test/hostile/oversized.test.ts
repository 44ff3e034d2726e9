/**
 * Hostile family: oversized elements (issue 24 item 5). An element no store
 * value can hold is kept whole — never cut down — and stays replayable; the
 * delivery is answered 503 (retry) when it cannot be kept at all.
 *
 * Runtime's stores run as they do there: the REAL @adobe/aio-lib-state 5.3.1
 * against a local model of the State service on loopback HTTP (its own
 * AIO_STATE_ENDPOINT switch) that refuses what the service refuses (values
 * over 1 MiB: 413; keys outside [a-zA-Z0-9-_.] or over 1,024 bytes: 400), and
 * the REAL @adobe/aio-lib-files 4.1.4 against a local token vending machine and
 * Azure Blob API (test/support/fake-files.ts), reached through the library's
 * documented init option `tvm.apiUrl`. Nothing in between is replaced.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as leadActivity } from '../../actions/lead-activity/index';
import { main as replay } from '../../actions/replay/index';
import { ioActivityEvent, legacyActivity, legacyPush } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import type { Json } from '../../src/envelope/fields';
import { normalizeElements } from '../../src/io-events/receive';
import { relayContext, setRelayOverrides } from '../../src/relay/context';
import { handOff } from '../../src/relay/hand-off';
import { createFilesBlobs, type FilesClient } from '../../src/stores/files-blobs';
import { createStateKv } from '../../src/stores/state-kv';
import type { DeadLetterPayload } from '../../src/delivery/dead-letters';
import type { StoredRecord } from '../../src/stores/records';
import { FakeFilesService } from '../support/fake-files';
import { FakeStateService, STATE_SERVICE_MAX_VALUE_BYTES, startStateServer } from '../support/fake-state';
import { CLIENT_ID, PUSH_TOKEN, RelayHarness } from '../support/relay-harness';

const NAMESPACE = '1234567-relaytest';
const API_KEY = 'uuid-relay:key-relay';
const rng = seeded(24);
const h = new RelayHarness();
const files = new FakeFilesService(NAMESPACE, API_KEY);
let state: FakeStateService;
let stateServer: { url: string; close(): Promise<void> };
const saved = { AIO_STATE_ENDPOINT: process.env.AIO_STATE_ENDPOINT, __OW_NAMESPACE: process.env.__OW_NAMESPACE, __OW_API_KEY: process.env.__OW_API_KEY };

beforeAll(async () => {
  await h.start({ PARKING_TTL_HOURS: '24' });
  await files.start();
  state = new FakeStateService();
  stateServer = await startStateServer(state);
  // read by aio-lib-state when it loads (first use), and by both libraries' init
  Object.assign(process.env, { AIO_STATE_ENDPOINT: stateServer.url, __OW_NAMESPACE: NAMESPACE, __OW_API_KEY: API_KEY });
});
afterAll(async () => {
  await h.stop();
  await files.close();
  await stateServer.close();
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
});

/** the relay's stores as Runtime has them: aio-lib-state, overflow in App Builder's file storage */
function runtimeStores(): void {
  state.data.clear();
  state.stats.maxValueBytes = 0;
  files.blobs.clear();
  files.failWith = undefined;
  const lib = async (): Promise<FilesClient> => (await import('@adobe/aio-lib-files')).init({ tvm: files.tvm }) as Promise<FilesClient>;
  // timeouts far above a loopback round trip on a loaded machine: this test is not about them
  h.reset({ kv: createStateKv(undefined, { timeoutMs: 20_000 }), overflow: createFilesBlobs(lib, { timeoutMs: 20_000 }) });
}

/** An I/O lead activity whose one attribute makes it `bytes` long (as JSON). */
function bigActivityEvent(bytes: number): Record<string, unknown> {
  const activity = { ...legacyActivity(rng, { typeId: 2 }), primaryAttributeValue: '' };
  const event = ioActivityEvent(rng, activity, { clientId: CLIENT_ID });
  // every kind of character JSON writes escaped or multi-byte, so "byte for byte" is tested where it can go wrong
  const unit = 'Referrer "q=é✓\\\u0001" ';
  const unitBytes = Buffer.byteLength(JSON.stringify(unit)) - 2;
  const pad = unit.repeat(Math.ceil((bytes - Buffer.byteLength(JSON.stringify(event))) / unitBytes));
  const data = event.data as Record<string, unknown>;
  return { ...event, data: { ...data, pad } };
}

/** The dead letters, read back through the relay's own store (aio-lib-state, then aio-lib-files). */
async function deadLetters(): Promise<StoredRecord<DeadLetterPayload>[]> {
  const c = relayContext({ ...h.inputs }, 'test');
  if (!c.ok) throw new Error(c.errors.join('; '));
  const out: StoredRecord<DeadLetterPayload>[] = [];
  for await (const r of (await c.ctx.stores()).deadLetter.scan({ onError: (op, err) => out.push({ error: `${op}:${(err as Error).name}` } as never) })) out.push(r);
  return out;
}

/** What a catch-up run does with a journal page (src/relay/catch-up.ts): normalize, then the shared hand-off. */
async function catchUpPage(events: unknown[], inputs: Record<string, string> = {}) {
  const c = relayContext({ ...h.inputs, ...inputs }, 'catch-up');
  if (!c.ok) throw new Error(c.errors.join('; '));
  const received = normalizeElements(events as Json[], { stream: 'lead-activity', transport: 'journal', deliveryId: 'journal-1' }, undefined, c.ctx.now());
  return { received, result: await handOff(received, c.ctx) };
}

describe('oversized elements (real aio-lib-state and aio-lib-files, HTTP faked at the services’ limits)', () => {
  it('the State model refuses what the service refuses: a value over 1 MiB (413), a key outside its alphabet (400)', async () => {
    runtimeStores();
    const kv = createStateKv();
    await expect(kv.put('k', 'x'.repeat(STATE_SERVICE_MAX_VALUE_BYTES + 1), 60)).rejects.toMatchObject({ name: 'ValueTooLargeError' });
    const r = await fetch(`${stateServer.url}/v1/ns/data/k?ttl=60`, { method: 'PUT', body: 'x'.repeat(STATE_SERVICE_MAX_VALUE_BYTES + 1) });
    expect(r.status).toBe(413);
    expect((await fetch(`${stateServer.url}/v1/ns/data/a%20b`, { method: 'PUT', body: 'v' })).status).toBe(400);
    expect((await fetch(`${stateServer.url}/v1/ns/data/${'k'.repeat(1025)}`, { method: 'PUT', body: 'v' })).status).toBe(400);
  });

  it('a 1.8 MB element (too large to invoke) is quarantined whole: the record in aio-lib-state, the element in aio-lib-files, read back byte for byte', async () => {
    runtimeStores();
    const event = bigActivityEvent(1_800_000);
    expect(Buffer.byteLength(JSON.stringify(event))).toBeGreaterThan(1_800_000);
    const { received, result } = await catchUpPage([event]);
    expect(result.outcome).toMatchObject({ kind: 'accepted' });
    expect(result.quarantined).toBe(1);
    // nothing the State service was sent was over its limit, and one blob holds the element
    expect(state.stats.maxValueBytes).toBeLessThanOrEqual(STATE_SERVICE_MAX_VALUE_BYTES);
    expect(files.names()).toEqual([expect.stringMatching(/^relay-overflow\/dlq\/\d{10}\/dlq-.+\.json$/)]);
    const [rec] = await deadLetters();
    expect(rec.reason).toMatch(/^event_too_large/);
    expect(rec.overflow).toMatchObject({ bytes: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const element = (rec.payload as { element: Json }).element;
    expect(JSON.stringify(element)).toBe(JSON.stringify(received.envelopes[0]));
    expect((element as { data: { pad: string } }).data.pad).toBe((event.data as { pad: string }).pad);
  });

  it('it stays replayable: the replay action lists it, re-reads it whole and re-drives it; what still fails stays whole', async () => {
    runtimeStores();
    // a default route: what a dead letter that is an envelope is re-driven on
    const inputs = { ...h.inputs, ROUTES: JSON.stringify({ routes: [], default: 'p/everything' }) };
    const { received, result } = await catchUpPage([bigActivityEvent(1_800_000)], inputs);
    expect(result.quarantined).toBe(1);
    const listed = (await replay({ ...inputs, deadLetters: 'list' })) as { ok: true; report: { records: { id: string; replayable: boolean; events: number; ids: string[] }[] } };
    expect(listed.report.records).toEqual([expect.objectContaining({ replayable: true, events: 1, ids: [received.envelopes[0].id] })]);
    // re-driven on the default route: the element is read back whole, and is still too large for an invocation
    const run = (await replay({ ...inputs, deadLetters: 'replay', ids: [listed.report.records[0].id] })) as { ok: true; report: { records: number; failed: number; errors: unknown[] } };
    expect(run.report).toMatchObject({ records: 1, failed: 1, errors: [] });
    const [rec] = await deadLetters();
    expect(rec.reason).toMatch(/^event_too_large/);
    expect(JSON.stringify((rec.payload as { events: unknown[] }).events[0])).toBe(JSON.stringify(received.envelopes[0]));
    expect(files.names()).toHaveLength(1);
    // discarded: the record and its blob go
    await replay({ ...inputs, deadLetters: 'discard', ids: [rec.id] });
    expect(await deadLetters()).toEqual([]);
    expect(files.names()).toEqual([]);
  });

  it('when file storage cannot take it either: 503 dead_letter_unavailable (retry), no record pointing at nothing', async () => {
    runtimeStores();
    files.failWith = 403;
    const { result } = await catchUpPage([bigActivityEvent(1_800_000)]);
    expect(result.outcome).toMatchObject({ kind: 'retryLater', status: 503, code: 'dead_letter_unavailable' });
    files.failWith = undefined;
    expect(await deadLetters()).toEqual([]);
  });

  it('a legacy push at the receiver’s body limit with one activity too large to invoke: 200, kept whole, every value within the State limit', async () => {
    runtimeStores();
    const push = legacyPush(rng, 1);
    const activity = (push.activities as Record<string, unknown>[])[0];
    const room = 1024 * 1024 - Buffer.byteLength(JSON.stringify(push)) - 64;
    const body = JSON.stringify({ ...push, activities: [{ ...activity, primaryAttributeValue: 'é'.repeat(Math.floor(room / 2)) }] });
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(1024 * 1024);
    const res = await h.call(leadActivity, { headers: { 'content-type': 'application/json', authorization: `Bearer ${PUSH_TOKEN}` }, body });
    expect(res).toMatchObject({ statusCode: 200, body: { quarantined: 1 } });
    expect(state.stats.maxValueBytes).toBeLessThanOrEqual(STATE_SERVICE_MAX_VALUE_BYTES);
    const [rec] = await deadLetters();
    const element = (rec.payload as unknown as { element: { data: Record<string, unknown> } }).element;
    expect(element.data.primaryAttributeValue).toBe('é'.repeat(Math.floor(room / 2)));
  });

  it('locally (STATE_STORE=file, nothing overridden): the record is under LOCAL_DATA_DIR/state, the element a file under LOCAL_DATA_DIR/overflow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'msr-oversized-'));
    try {
      setRelayOverrides({ invoker: h.invoker });
      const inputs = { STATE_STORE: 'file', LOCAL_DATA_DIR: dir };
      const event = bigActivityEvent(1_800_000);
      const { received, result } = await catchUpPage([event], inputs);
      expect(result.outcome).toMatchObject({ kind: 'accepted' });
      const records = readdirSync(join(dir, 'state')).filter((f) => /^dlq-\d{10}-/.test(f));
      expect(records).toHaveLength(1);
      const stored = JSON.parse(JSON.parse(readFileSync(join(dir, 'state', records[0]), 'utf8')).v);
      expect(stored.overflow.path).toMatch(/^dlq\/\d{10}\/dlq-/);
      const blob = readFileSync(join(dir, 'overflow', ...stored.overflow.path.split('/')), 'utf8');
      expect(JSON.stringify(JSON.parse(blob).element)).toBe(JSON.stringify(received.envelopes[0]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
