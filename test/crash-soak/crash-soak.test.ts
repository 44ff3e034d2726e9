/**
 * The short crash soak of `npm test` (the long one is `npm run soak:crash`):
 * the relay in its own process, SIGKILLed at random instants under signed
 * traffic from senders that retry like I/O Events and Marketo, on the file
 * store and on a real redis-server with its persistence on (killed and
 * restarted once), then the operator's replay. Every (route, event) pair a
 * sender was told was fine reaches the downstream: 0 lost.
 */
import { spawnSync } from 'node:child_process';
import { runScenario } from '../../dev/crash-soak/soak';

jest.setTimeout(400_000);
const hasRedis = spawnSync('redis-server', ['--version']).status === 0;

it('file store: 5 kills in 20 s, nothing acknowledged is lost', async () => {
  const row = await runScenario({ name: 'jest file', store: 'file', seconds: 20, kills: 5, seed: 101, concurrency: 12 });
  expect(row.kills).toBe(5);
  expect(row.pairsAcked).toBeGreaterThan(1000);
  expect({ lost: row.lost, sample: row.lostSample, gaveUp: row.gaveUp, refused: row.refused }).toEqual({ lost: 0, sample: [], gaveUp: 0, refused: 0 });
  // duplicates are reported by npm run soak:crash, not bounded here: a kill after the platform
  // accepted a hand-off and before its claim was committed forwards it again once the claim is
  // taken over (at least once), and how many that are depends on what was in flight at each kill
});

(hasRedis ? it : it.skip)('redis: 5 kills and redis-server killed once in 20 s, nothing acknowledged is lost', async () => {
  const row = await runScenario({ name: 'jest redis', store: 'redis', seconds: 20, kills: 5, seed: 102, concurrency: 12, faults: [{ at: 10, kind: 'redis', mode: 'kill-restart' }] });
  expect(row.kills).toBe(5);
  expect(row.pairsAcked).toBeGreaterThan(1000);
  expect({ lost: row.lost, sample: row.lostSample, gaveUp: row.gaveUp, refused: row.refused }).toEqual({ lost: 0, sample: [], gaveUp: 0, refused: 0 });
});
