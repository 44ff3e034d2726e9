/**
 * Nothing lost when the destination action dies mid-delivery: the action runs in
 * its own process (file store), writes its in-flight record, starts sending to a
 * receiver that hangs, and is SIGKILLed. Replay leaves the record alone while that
 * activation could still be running, and after its window re-drives it through
 * the destination action: every event arrives, under the webhook-id the killed
 * attempt used.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main as destinationMain } from '../../actions/destination/index';
import { main as replayMain } from '../../actions/replay/index';
import { startWebhookReceiver, type WebhookReceiver } from '../../dev/webhook-receiver';
import type { ParkedPayload } from '../../src/delivery/deliver';
import { DESTINATION_ACTION } from '../../src/delivery/routes';
import { setRelayOverrides } from '../../src/relay/context';
import { createFileKv } from '../../src/stores/file-kv';
import { PARKING_RECORDS } from '../../src/stores/key-families';
import { openRecordStore, type StoredRecord } from '../../src/stores/records';
import { ActionInvoker } from '../support/action-invoker';
import { testEnvelope } from '../support/envelope';

const ROOT = resolve(__dirname, '../..');
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
let dir: string;
let receiver: WebhookReceiver;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'msr-dest-kill-'));
  receiver = await startWebhookReceiver({ secret: SECRET });
});
afterAll(async () => {
  setRelayOverrides({});
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

const inputs = (): Record<string, string> => ({
  LOG_LEVEL: 'off',
  STATE_STORE: 'file',
  LOCAL_DATA_DIR: dir,
  STATS_FLUSH_SECONDS: '0',
  ROUTES: JSON.stringify({ routes: [{ name: 'crm-route', match: { stream: 'user-audit' }, destination: 'crm' }] }),
  DESTINATIONS: JSON.stringify({ crm: { kind: 'webhook', url: receiver.url, secret: SECRET } }),
});

async function parked(): Promise<StoredRecord<ParkedPayload>[]> {
  const store = openRecordStore<ParkedPayload>(createFileKv(join(dir, 'state')), { prefix: PARKING_RECORDS, ttlSeconds: 3600 });
  const out: StoredRecord<ParkedPayload>[] = [];
  for await (const r of store.scan()) out.push(r);
  return out;
}

describe('the destination action SIGKILLed while delivering', () => {
  it('loses nothing: replay re-drives its in-flight record once the activation could no longer run', async () => {
    const events = Array.from({ length: 3 }, (_, i) => testEnvelope(`kill-${i}`));
    receiver.behave(() => 'hang');
    const deadline = Date.now() + 40_000;
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/destination-child.ts'], {
      cwd: ROOT,
      env: { ...process.env, __OW_DEADLINE: String(deadline), DESTINATION_PARAMS: JSON.stringify({ ...inputs(), route: 'crm-route', events }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
    while (receiver.requests.length === 0) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const hungId = receiver.requests[0].id;

    const [rec, ...more] = await parked();
    expect(more).toEqual([]);
    expect(rec).toEqual(expect.objectContaining({ route: 'crm-route', reason: 'in flight: delivering to crm' }));
    expect(Date.parse(rec.payload.inFlightUntil as string)).toBe(deadline + 5000);

    receiver.behave(() => ({ status: 200 }));
    const invoker = new ActionInvoker({ [DESTINATION_ACTION]: destinationMain }, inputs);
    // while the killed activation could still be running, replay leaves its record alone
    setRelayOverrides({ invoker });
    const early = (await replayMain(inputs())) as { report: { records: number; replayed: number } };
    await invoker.idle();
    expect(early.report).toEqual(expect.objectContaining({ records: 0, replayed: 0 }));
    expect(receiver.delivered()).toEqual([]);
    expect(await parked()).toHaveLength(1);

    // after its window: re-driven through the destination action
    setRelayOverrides({ invoker, now: () => Date.now() + 50_000 });
    const late = (await replayMain(inputs())) as { report: { records: number; replayed: number; removed: number } };
    await invoker.idle();
    expect(late.report).toEqual(expect.objectContaining({ records: 1, replayed: 3, removed: 1 }));
    expect(receiver.unverified).toBe(0);
    expect(receiver.delivered().flatMap((d) => d.events.map((e) => e.id))).toEqual(['kill-0', 'kill-1', 'kill-2']);
    expect(receiver.delivered().map((d) => d.id)).toEqual([hungId]);
    expect(await parked()).toEqual([]);
  });
});
