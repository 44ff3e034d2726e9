/**
 * Instances in the stats records, the status report and the console's series
 * (issue 24, item 6): a record names at most MAX_INSTANCES per stream and still
 * counts every event; the answers list a page of the instances, and paging walks
 * all of them. Through the real recorder, store code and actions.
 */
import { main as consoleAction } from '../../actions/console/index';
import { main as status } from '../../actions/status/index';
import { countRequest, createStatsRecorder, emptyCounters, MAX_INSTANCES, OTHER_INSTANCES, type RequestRecord } from '../../src/status/stats';
import { MAX_INSTANCE_LIMIT } from '../../src/status/instances';
import { CONSOLE_IMS_INPUTS, CONSOLE_ORG, CONSOLE_USER_TOKEN, deployedParams } from '../support/deployed';
import { RelayHarness } from '../support/relay-harness';

const KB = 1024;
const id = (i: number): string => `${String(i % 1000).padStart(3, '0')}-${String.fromCharCode(65 + (Math.floor(i / 1000) % 26))}${String.fromCharCode(65 + (Math.floor(i / 26_000) % 26))}A-${String(Math.floor(i / 1000)).padStart(3, '0')}`;
const accepted = (at: number, munchkinIds: Record<string, number>): RequestRecord => ({
  stream: 'lead-activity', at, status: 200, outcome: 'accepted', events: Object.values(munchkinIds).reduce((a, b) => a + b, 0), munchkinIds,
});

describe('a stats record', () => {
  const at = Date.parse('2026-12-07T10:00:00Z');
  it(`names at most ${MAX_INSTANCES} instances per stream, keeps the busiest, and counts every event`, () => {
    const c = emptyCounters();
    countRequest(c, accepted(at, { '999-ZZZ-999': 50 }));
    for (let i = 0; i < 5000; i++) countRequest(c, accepted(at, { [id(i)]: 1 }));
    countRequest(c, accepted(at, { '999-zzz-999': 1, 'not an id': 2, __proto__x: 1 }));
    const named = Object.keys(c.munchkin).filter((k) => k !== OTHER_INSTANCES && k !== 'invalid');
    expect(named).toHaveLength(MAX_INSTANCES);
    // the busy instance stays named, lower-case ids count as theirs
    expect(c.munchkin['999-ZZZ-999'].accepted).toBe(51);
    expect(c.munchkin.invalid.accepted).toBe(3);
    expect(Object.values(c.munchkin).reduce((n, m) => n + m.accepted, 0)).toBe(c.accepted);
  });
});

describe('10,000 instances over 100 containers', () => {
  const h = new RelayHarness();
  const now = Date.now();
  beforeAll(async () => {
    await h.start();
    for (let c = 0; c < 100; c++) {
      const rec = createStatsRecorder(async () => h.kv, { containerId: `container${c}` });
      for (let i = 0; i < 100; i++) rec.record(accepted(now - 1000, { [id(c * 100 + i)]: 1 + (i % 7) }));
      await rec.flush();
    }
  });
  afterAll(() => h.stop());

  type Stream = { munchkin: Record<string, { accepted: unknown }>; instances: { total: number; offset: number; limit: number; rest: { instances: number; accepted: number } } };
  const statusPage = async (query: string) => {
    const res = (await status(h.params({ method: 'GET', query }))) as { statusCode: number; body: string };
    return { statusCode: res.statusCode, bytes: Buffer.byteLength(res.body), body: JSON.parse(res.body) as { streams: Record<string, Stream>; error?: string } };
  };
  const overview = async (query: string) => {
    const built = deployedParams('console', { method: 'GET', headers: { authorization: `Bearer ${CONSOLE_USER_TOKEN}`, 'x-gw-ims-org-id': CONSOLE_ORG }, query: `op=overview&${query}`, body: Buffer.alloc(0) }, { ...CONSOLE_IMS_INPUTS, ...h.inputs });
    if (!built.ok) throw new Error(built.error);
    const res = (await consoleAction(built.params)) as { statusCode: number; body: string };
    return { statusCode: res.statusCode, bytes: Buffer.byteLength(res.body), body: JSON.parse(res.body) as { series: Record<string, Stream>; error?: string } };
  };

  it('status and console answers stay under 256 KB, at the largest page too', async () => {
    for (const q of ['', `instanceLimit=${MAX_INSTANCE_LIMIT}`, `instanceOffset=9950&instanceLimit=${MAX_INSTANCE_LIMIT}`]) {
      const s = await statusPage(q);
      expect(s.statusCode).toBe(200);
      expect(s.bytes).toBeLessThan(256 * KB);
      const c = await overview(q);
      expect(c.statusCode).toBe(200);
      expect(c.bytes).toBeLessThan(256 * KB);
    }
    const first = (await statusPage('')).body.streams['lead-activity'];
    expect(first.instances).toMatchObject({ total: 10_000, offset: 0, limit: 20, rest: { instances: 9980 } });
    // the busiest first
    expect(Object.values(first.munchkin).every((m) => m.accepted === 7)).toBe(true);
    const series = (await overview('')).body.series['lead-activity'];
    expect(Object.keys(series.munchkin)).toEqual(Object.keys(first.munchkin));
  });

  it('paging with instanceOffset and instanceLimit lists every instance once, the busiest first', async () => {
    const seen = new Map<string, number>();
    for (let offset = 0; offset < 10_000; offset += MAX_INSTANCE_LIMIT) {
      const page = (await statusPage(`instanceOffset=${offset}&instanceLimit=${MAX_INSTANCE_LIMIT}`)).body.streams['lead-activity'];
      for (const [m, c] of Object.entries(page.munchkin)) seen.set(m, c.accepted as number);
    }
    expect(seen.size).toBe(10_000);
    const counts = [...seen.values()];
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
  });

  it('a page that cannot be read is refused with 400 page_invalid', async () => {
    for (const q of ['instanceLimit=0', `instanceLimit=${MAX_INSTANCE_LIMIT + 1}`, 'instanceOffset=-1', 'instanceOffset=abc']) {
      expect(await statusPage(q)).toMatchObject({ statusCode: 400, body: { error: 'page_invalid' } });
      expect(await overview(q)).toMatchObject({ statusCode: 400, body: { error: 'page_invalid' } });
    }
  });
});
