/**
 * Issue 24 item 12a: `npm start -- --once` stopped the local runtime while the
 * counts of every action's later requests waited for a flush timer, so status and
 * the console lacked most of the run. What the store holds once the local runtime
 * has stopped must be every request the simulator sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveLocally } from '../../dev/serve';
import { startSimulatedMarketo } from '../../dev/simulator/marketo';
import { runOnce } from '../../dev/simulator/run';
import { createFileKv } from '../../src/stores/file-kv';
import { STATS_PREFIX, type StatsHour } from '../../src/status/stats';

const sum = (m: Record<string, number>): number => Object.values(m).reduce((a, n) => a + n, 0);

it('once the local runtime has stopped, the stored stats count every request of an --once run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'msr-stats-exit-'));
  const sim = await startSimulatedMarketo({ streams: ['user-audit', 'notification', 'lead-activity'], seed: 24, timeouts: false });
  try {
    // the flush interval a long run would have: nothing but the shutdown may write the later requests' counts
    const server = await serveLocally({ bundles: false, port: 0, env: { ...sim.relayEnv, LOG_LEVEL: 'off', STATE_STORE: 'file', LOCAL_DATA_DIR: dir, LOCAL_INVOCATIONS_FILE: join(dir, 'invocations.jsonl'), STATS_FLUSH_SECONDS: '3600' } });
    const tally = await runOnce(sim, server.url, () => undefined);
    await server.close();
    const kv = createFileKv(join(dir, 'state'));
    let requests = 0;
    let accepted = 0;
    let refused = 0;
    for await (const key of kv.keys(STATS_PREFIX)) {
      const hour = JSON.parse((await kv.get(key)) as string) as StatsHour;
      for (const c of Object.values(hour.streams)) {
        requests += c.requests + c.unauthenticated;
        accepted += c.accepted;
        refused += sum(c.rejected);
      }
    }
    // the challenges (GET) and async validations are counted by the receivers too: every request reached one
    expect(tally.requests).toBeGreaterThan(15);
    expect({ requests, accepted, refused }).toEqual({ requests: tally.requests - tally.noAnswer, accepted: tally.acceptedEvents, refused: sum(tally.rejected) });
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
