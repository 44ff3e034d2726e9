/**
 * A destination in the local runtime, as npm start runs it: real HTTP into the
 * receivers, their real hand-off to the local invoke API, the destination action
 * run by the local runtime (whose process mark, never an input, lets it send to a
 * loopback http: receiver), and a Standard Webhooks receiver verifying every
 * request with the reference library.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveLocally } from '../../dev/serve';
import type { LocalServer } from '../../dev/server';
import { startSimulatedMarketo, type SimulatedMarketo } from '../../dev/simulator/marketo';
import { runOnce } from '../../dev/simulator/run';
import { startWebhookReceiver, type WebhookReceiver } from '../../dev/webhook-receiver';
import { DESTINATION_ACTION } from '../../src/delivery/routes';

let dir: string;
let server: LocalServer;
let sim: SimulatedMarketo;
let receiver: WebhookReceiver;
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'msr-dest-local-'));
  receiver = await startWebhookReceiver({ secret: SECRET });
  sim = await startSimulatedMarketo({ streams: ['user-audit', 'notification'], seed: 5 });
  server = await serveLocally({
    bundles: false,
    port: 0,
    env: {
      ...sim.relayEnv,
      LOG_LEVEL: 'off',
      STATE_STORE: 'file',
      LOCAL_DATA_DIR: dir,
      LOCAL_INVOCATIONS_FILE: join(dir, 'invocations.jsonl'),
      ROUTES: JSON.stringify({ routes: [{ name: 'audit', match: { stream: 'user-audit' }, action: 'marketo-stream-relay/log-events' }, { name: 'alerts', match: { stream: 'notification' }, destination: 'hook' }] }),
      DESTINATIONS: JSON.stringify({ hook: { kind: 'webhook', url: receiver.url, secret: SECRET } }),
    },
  });
});
afterAll(async () => {
  await server.close();
  await sim.close();
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a destination route in the local runtime', () => {
  it('the notifications reach the webhook receiver, verified, through the destination action', async () => {
    const tally = await runOnce(sim, server.url, () => undefined);
    await server.idle();
    expect(tally.unexpected).toEqual([]);
    const handed = readFileSync(join(dir, 'invocations.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string; params: { route: string; events: { id: string }[] } });
    const toDestination = handed.filter((i) => i.action === DESTINATION_ACTION);
    expect(toDestination.length).toBeGreaterThan(0);
    expect(toDestination.every((i) => i.params.route === 'alerts')).toBe(true);
    expect(receiver.unverified).toBe(0);
    const delivered = receiver.delivered().flatMap((d) => d.events.map((e) => e.id));
    expect(delivered.sort()).toEqual(toDestination.flatMap((i) => i.params.events.map((e) => e.id)).sort());
  });
});
