/**
 * Crash soak for the Runtime default store (issue 12): aio-lib-state with its
 * client faked at its boundary (FakeStateService), the real actions and store
 * code, and a container killed at every store call in turn: for k = 1..N the
 * k-th store call of the run crashes the container (that call and everything
 * after it in that container fail, invocations included, and the sender gets
 * no answer). A fresh container then receives the sender's retry, and replay
 * runs. Counted over every (route, event) pair: 0 lost for every k;
 * duplicates (allowed: aio-lib-state has no compare-and-set) reported.
 */
import { main as leadActivity } from '../../actions/lead-activity/index';
import { main as replay } from '../../actions/replay/index';
import { legacyPush } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { toRuntimeParams } from '../../dev/runtime-params';
import type { Envelope } from '../../src/envelope/envelope';
import type { InvokeResult, Invoker } from '../../src/delivery/invoker';
import { setRelayOverrides } from '../../src/relay/context';
import { createStateKv, type StateClient } from '../../src/stores/state-kv';
import { FakeStateService, fakeStateClient } from '../support/fake-state';

const TOKEN = 'crash-soak-token-0123456789';
const ROUTES = JSON.stringify({
  routes: [
    { name: 'leads', match: { stream: 'lead-activity' }, action: 'p/leads' },
    { name: 'forms', match: { stream: 'lead-activity', activityTypeId: 2 }, action: 'p/forms' },
  ],
});
const inputs = { EVENTS_CLIENT_ID: 'state-crash', LEAD_ACTIVITY_TOKENS: TOKEN, ROUTES, LOG_LEVEL: 'off', FORWARD_RETRY_DELAY_MS: '0', FORWARD_TIMEOUT_MS: '200', STATS_FLUSH_SECONDS: '0', STATE_STORE: 'state' };

class Crash extends Error {
  override name = 'Crash';
}

/** One container's life: its store calls are counted, and at call `crashAt` it dies. */
class Container {
  calls = 0;
  dead = false;
  constructor(private crashAt = Infinity) {}
  step(): void {
    if (this.dead) throw new Crash('container is dead');
    if (++this.calls === this.crashAt) {
      this.dead = true;
      throw new Crash(`killed at store call ${this.calls}`);
    }
  }
  client(inner: StateClient): StateClient {
    const guard = async <T>(f: () => Promise<T>): Promise<T> => (this.step(), f());
    return {
      get: (k) => guard(() => inner.get(k)),
      put: (k, v, o) => guard(() => inner.put(k, v, o)),
      delete: (k) => guard(() => inner.delete(k)),
      list: (o) => {
        this.step();
        return inner.list(o);
      },
    };
  }
}

/** The platform: records what it accepted; a dead container invokes nothing; `failing` actions answer 503. */
class Platform implements Invoker {
  accepted: { route: string; ids: string[] }[] = [];
  container!: Container;
  failing = new Set<string>();
  async invoke(action: string, params: Record<string, unknown>): Promise<InvokeResult> {
    await new Promise((r) => setImmediate(r));
    if (this.container.dead) return { ok: false, retryable: true, reason: 'container dead' };
    if (this.failing.has(action)) return { ok: false, retryable: true, status: 503, reason: 'HTTP 503' };
    this.accepted.push({ route: String(params.route), ids: (params.events as Envelope[]).map((e) => e.id) });
    return { ok: true, activationId: `act-${this.accepted.length}` };
  }
}

function startContainer(service: FakeStateService, platform: Platform, clock: { t: number }, crashAt = Infinity): Container {
  const c = new Container(crashAt);
  platform.container = c;
  setRelayOverrides({ invoker: platform, kv: createStateKv(async () => c.client(fakeStateClient(service))), now: () => clock.t });
  return c;
}

const rng = seeded(812);
const activities: Record<string, unknown>[] = Array.from({ length: 12 }, (_, i) => ({ ...(legacyPush(rng, 1).activities as Record<string, unknown>[])[0], activityTypeId: i % 3 === 0 ? 2 : 1 }));
const body = Buffer.from(JSON.stringify({ ...legacyPush(rng, 0), activities }));
const expected = activities.flatMap((a) => [`leads|${a.marketoGUID}`, ...(a.activityTypeId === 2 ? [`forms|${a.marketoGUID}`] : [])]);
const send = async (): Promise<number> =>
  ((await leadActivity(toRuntimeParams({ method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, query: '', body }, inputs))) as { statusCode: number }).statusCode;

/** One run: container 1 (crashing at call k, forms route down) takes the delivery and a replay; container 2 gets the retries and replays. */
async function run(crashAt: number): Promise<{ calls: number; lost: string[]; duplicates: number; crashed: boolean }> {
  const clock = { t: Date.parse('2026-03-02T10:00:00Z') };
  const service = new FakeStateService(() => clock.t);
  const platform = new Platform();
  platform.failing.add('p/forms');
  const first = startContainer(service, platform, clock, crashAt);
  let status = await send().catch(() => 0);
  if (!first.dead) {
    platform.failing.clear();
    await replay({ ...inputs, limit: 1000, maxSeconds: 60 }).catch(() => undefined);
  }
  const crashed = first.dead;
  if (crashed) status = 0; // a killed container answers nothing
  // a new container: the sender retries what was not acknowledged (after the pending bound), then replay runs
  platform.failing.clear();
  startContainer(service, platform, clock);
  for (let retry = 0; status !== 200 && retry < 5; retry++) {
    clock.t += 60_000;
    status = await send();
  }
  expect(status).toBe(200);
  for (let round = 0; round < 3; round++) await replay({ ...inputs, limit: 1000, maxSeconds: 60 });
  const counts = new Map<string, number>();
  for (const a of platform.accepted) for (const id of a.ids) counts.set(`${a.route}|${id}`, (counts.get(`${a.route}|${id}`) ?? 0) + 1);
  return { calls: first.calls, lost: expected.filter((k) => !counts.has(k)), duplicates: [...counts.values()].filter((n) => n > 1).length, crashed };
}

afterAll(() => setRelayOverrides({}));

it('aio-lib-state: a crash at every store call in turn, then the retry and replay: 0 lost', async () => {
  const clean = await run(Infinity);
  expect(clean.lost).toEqual([]);
  expect(clean.duplicates).toBe(0);
  const n = clean.calls;
  expect(n).toBeGreaterThan(5);
  let duplicates = 0;
  const lostAt: number[] = [];
  for (let k = 1; k <= n; k++) {
    const r = await run(k);
    expect(r.crashed).toBe(true);
    if (r.lost.length) lostAt.push(k);
    duplicates += r.duplicates;
  }
  // eslint-disable-next-line no-console
  console.log(`state crash soak: ${n} crash points × ${expected.length} (route, event) pairs; lost at: ${lostAt.length ? lostAt.join(',') : 'none'}; duplicated pairs summed over all runs: ${duplicates}`);
  expect(lostAt).toEqual([]);
}, 120_000);
