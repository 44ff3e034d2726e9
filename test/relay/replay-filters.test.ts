/**
 * The replay action's filters (issue 24 item 8): a `since` no store time can
 * be, or a `route` / `stream` that is not text, is refused with its own code —
 * never a thrown RangeError, never a filter dropped so that everything parked
 * is replayed. Through the action, with parked records that a widened filter
 * would re-drive.
 */
import { main as replay } from '../../actions/replay/index';
import { main as userAudit } from '../../actions/user-audit/index';
import { auditEvent } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { parseSinceParam } from '../../src/relay/replay-run';
import { CLIENT_ID, RelayHarness } from '../support/relay-harness';

const h = new RelayHarness();
const rng = seeded(24);
beforeAll(() => h.start({ AUDIT_TARGET_ACTION: 'ops/audit', LOG_LEVEL: 'info' }));
afterAll(() => h.stop());

async function parkTwo(): Promise<void> {
  h.reset();
  h.invoker.fault = () => '503';
  for (let i = 0; i < 2; i++) await h.call(userAudit, h.signed([auditEvent(rng, { clientId: CLIENT_ID })]));
  h.invoker.fault = () => 'ok';
}

describe('replay action filters', () => {
  it.each([
    ['since: "99999999999d" (beyond any date)', { since: '99999999999d' }, 'since_invalid'],
    ['since: "20000d" (before 1990)', { since: '20000d' }, 'since_invalid'],
    ['since: a number', { since: 6 }, 'since_invalid'],
    ['route: {}', { route: {} }, 'route_invalid'],
    ['route: ["user-audit"]', { route: ['user-audit'] }, 'route_invalid'],
    ['stream: []', { stream: [] }, 'stream_invalid'],
    ['stream: 7', { stream: 7 }, 'stream_invalid'],
    ['limit: true', { limit: true }, 'limit_invalid'],
    ['maxSeconds: {}', { maxSeconds: {} }, 'max_seconds_invalid'],
  ])('%s is refused with its own code, and nothing is replayed', async (_label, params, code) => {
    await parkTwo();
    const before = h.logs.lines.length;
    const res = await replay({ ...h.inputs, ...params });
    expect(res).toEqual({ error: { code, message: expect.any(String) } });
    expect(h.logs.lines.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([expect.objectContaining({ level: 'warn', msg: 'replay: request refused', error: code })]);
    expect(h.forwardedIds()).toEqual([]);
  });
  it('a filter that reads is applied: a route nothing was parked for replays nothing; a duration back replays what is newer', async () => {
    await parkTwo();
    expect(await replay({ ...h.inputs, route: 'notification' })).toMatchObject({ ok: true, report: { records: 0 } });
    expect(h.forwardedIds()).toEqual([]);
    expect(await replay({ ...h.inputs, since: '1h', route: ' user-audit ' })).toMatchObject({ ok: true, report: { records: 2, replayed: 2 } });
  });
  it('parseSinceParam: a duration as a time, an ISO time as UTC, and null for what names no storable time', () => {
    const now = Date.UTC(2026, 11, 8, 12);
    expect(parseSinceParam('6h', now)).toBe('2026-12-08T06:00:00.000Z');
    expect(parseSinceParam('2026-12-01T00:00:00+01:00', now)).toBe('2026-11-30T23:00:00.000Z');
    expect(parseSinceParam(undefined, now)).toBeUndefined();
    for (const bad of ['99999999999d', '1e3d', '-5d', 'yesterday', {}, []]) expect(parseSinceParam(bad, now)).toBeNull();
  });
});
