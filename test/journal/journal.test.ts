import { main as catchUp } from '../../actions/catch-up/index';
import { auditEvent } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { nextLink, pullJournal, type JournalEnd, type JournalPage } from '../../src/journal/journal';
import { FAKE_TOKEN, startFakeIoManagement, type FakeIoManagement } from '../support/fake-io-management';
import { startFakeJournal, type FakeJournal } from '../support/fake-journal';
import { CLIENT_ID, RelayHarness } from '../support/relay-harness';

const rng = seeded(3);
// recent events: a live delivery of older ones would be set aside as stale
const START = Math.floor(Date.now() / 60_000) * 60_000 - 2 * 3_600_000;
const events = Array.from({ length: 23 }, (_, i) => auditEvent(rng, { clientId: CLIENT_ID, time: new Date(START + i * 60_000) }));

async function drain(gen: AsyncGenerator<JournalPage, JournalEnd>): Promise<{ pages: JournalPage[]; end: JournalEnd }> {
  const pages: JournalPage[] = [];
  for (;;) {
    const n = await gen.next();
    if (n.done) return { pages, end: n.value };
    pages.push(n.value);
  }
}

describe('Link header', () => {
  it.each([
    ['<https://a/x?since=1>; rel="next"', 'https://a/x?since=1'],
    ['<https://a/l>; rel="latest", <https://a/n>; rel="next"', 'https://a/n'],
    ['<https://a/n>; rel=next', 'https://a/n'],
    ['</rel/next>; rel="count", </n2>; rel="prev next"', 'https://base/n2'],
  ])('%s', (h, want) => expect(nextLink(h, 'https://base/journal')).toBe(want));
  it('rel="nextpage" is not next', () => {
    expect(nextLink('<https://a/x>; rel="nextpage"', 'https://b')).toBeUndefined();
  });
  it('no next', () => {
    expect(nextLink('<https://a/l>; rel="latest"', 'https://b')).toBeUndefined();
    expect(nextLink(null, 'https://b')).toBeUndefined();
  });
});

describe('pullJournal', () => {
  let j: FakeJournal;
  afterEach(() => j?.close());
  const opts = (o: Partial<Parameters<typeof pullJournal>[0]> = {}) => ({ url: j.url, token: 'tok', apiKey: 'key', orgId: 'ORG@AdobeOrg', maxEvents: 1000, maxPages: 100, sleep: async () => undefined, ...o });

  it('sends x-ims-org-id, x-api-key and the token on every page, as journaling-api.md documents', async () => {
    j = await startFakeJournal({ events, pageSize: 10, token: 'tok' });
    await drain(pullJournal(opts()));
    expect(j.seen).toHaveLength(4);
    for (const r of j.seen) expect(r.headers).toMatchObject({ 'x-ims-org-id': 'ORG@AdobeOrg', 'x-api-key': 'key', authorization: 'Bearer tok' });
  });
  it('starts with seek (never together with since) and then follows the next links', async () => {
    j = await startFakeJournal({ events, pageSize: 5, token: 'tok' });
    await drain(pullJournal(opts({ seek: '-PT2H' })));
    expect(j.seen[0].url.searchParams.get('seek')).toBe('-PT2H');
    expect(j.seen[0].url.searchParams.has('since')).toBe(false);
    expect(j.seen.slice(1).every((r) => r.url.searchParams.has('since') && !r.url.searchParams.has('seek'))).toBe(true);
  });
  it('a position wins over seek and latest; latest=true starts at the end', async () => {
    j = await startFakeJournal({ events, pageSize: 50, token: 'tok' });
    const fromPosition = await drain(pullJournal(opts({ since: 'pos-20', seek: '-PT2H', latest: true })));
    expect(j.seen[0].url.search).toBe('?since=pos-20');
    expect(fromPosition.pages.flatMap((p) => p.events)).toEqual(events.slice(21));
    const before = j.seen.length;
    const latest = await drain(pullJournal(opts({ latest: true })));
    expect(j.seen[before].url.search).toBe('?latest=true');
    expect(latest).toMatchObject({ pages: [], end: { reason: 'caught-up' } });
  });
  it('a page whose body is not JSON is an error naming where to resume, never "caught up"', async () => {
    j = await startFakeJournal({ events, pageSize: 5, token: 'tok', notJsonPage: 2 });
    const { pages, end } = await drain(pullJournal(opts()));
    expect(pages).toHaveLength(2);
    expect(end).toMatchObject({ reason: 'error', lastPosition: 'pos-9', message: expect.stringMatching(/not a page of events.*--position pos-9/) });
  });
  it('a JSON body without an events list is an error too', async () => {
    const fake = (async () => new Response('{"message":"maintenance"}', { status: 200, headers: { 'content-type': 'application/json' } })) as unknown as typeof fetch;
    const { end } = await drain(pullJournal({ url: 'https://journal.example/j', token: 't', apiKey: 'k', orgId: 'o', maxEvents: 10, maxPages: 2, fetch: fake }));
    expect(end.reason).toBe('error');
  });

  it('follows rel=next through every page and ends on 204 with retry-after', async () => {
    j = await startFakeJournal({ events, pageSize: 5, token: 'tok' });
    const { pages, end } = await drain(pullJournal(opts()));
    expect(pages.map((p) => p.events.length)).toEqual([5, 5, 5, 5, 3]);
    expect(pages.flatMap((p) => p.events)).toEqual(events);
    expect(end).toMatchObject({ reason: 'caught-up', lastPosition: 'pos-22', retryAfterSeconds: 10 });
  });
  it('continues from a position', async () => {
    j = await startFakeJournal({ events, pageSize: 10, token: 'tok' });
    const { pages } = await drain(pullJournal(opts({ since: 'pos-19' })));
    expect(pages.flatMap((p) => p.events)).toEqual(events.slice(20));
  });
  it('retries a transient 500', async () => {
    j = await startFakeJournal({ events, pageSize: 5, token: 'tok', failOncePage: 2 });
    const { pages, end } = await drain(pullJournal(opts()));
    expect(pages.flatMap((p) => p.events)).toHaveLength(23);
    expect(end.reason).toBe('caught-up');
  });
  it('reports an expired position (410) clearly', async () => {
    j = await startFakeJournal({ events, pageSize: 5, token: 'tok', expiredPositions: ['pos-old'] });
    const { end } = await drain(pullJournal(opts({ since: 'pos-old' })));
    expect(end).toMatchObject({ reason: 'expired', message: expect.stringMatching(/7-day retention/) });
  });
  it('reports refused credentials', async () => {
    j = await startFakeJournal({ events, pageSize: 5, token: 'tok' });
    expect((await drain(pullJournal(opts({ token: 'wrong' })))).end.reason).toBe('auth');
  });
  it('never follows a next link to another origin with the token', async () => {
    const seen: string[] = [];
    const fake = (async (url: string) => {
      seen.push(url);
      return new Response(JSON.stringify({ events: [{ position: 'p1', event: { body: { a: 1 } } }] }), { status: 200, headers: { link: '<https://evil.example/journal?since=p1>; rel="next"' } });
    }) as unknown as typeof fetch;
    const { end } = await drain(pullJournal({ url: 'https://journal.example/j', token: 'tok', apiKey: 'k', orgId: 'o', maxEvents: 100, maxPages: 5, fetch: fake }));
    expect(end).toMatchObject({ reason: 'error', message: expect.stringMatching(/another origin/) });
    expect(seen).toEqual(['https://journal.example/j']);
  });
  it('stops at its limits', async () => {
    j = await startFakeJournal({ events, pageSize: 5, token: 'tok' });
    expect((await drain(pullJournal(opts({ maxPages: 2 })))).end).toMatchObject({ reason: 'limit', lastPosition: 'pos-9' });
    expect((await drain(pullJournal(opts({ maxEvents: 7 })))).end).toMatchObject({ reason: 'limit', lastPosition: 'pos-9' });
  });
});

describe('catch-up action', () => {
  const h = new RelayHarness();
  let ims: FakeIoManagement;
  let j: FakeJournal;
  beforeAll(async () => {
    await h.start();
    ims = await startFakeIoManagement({ clientId: 'client-1', clientSecret: 'secret-1' });
    j = await startFakeJournal({ events, pageSize: 5, token: FAKE_TOKEN });
  });
  afterAll(async () => {
    await h.stop();
    await ims.close();
    await j.close();
  });
  const params = (o: Record<string, unknown> = {}) => ({ ...h.inputs, ADOBE_CLIENT_ID: 'client-1', ADOBE_CLIENT_SECRET: 'secret-1', ADOBE_ORG_ID: 'ORG@AdobeOrg', ADOBE_IMS_URL: ims.url, journalUrl: j.url, stream: 'user-audit', ...o });

  it('feeds the journal through normalize → route → forward; overlap with live delivery is harmless', async () => {
    await h.call((await import('../../actions/user-audit/index')).main, h.signed(events.slice(0, 3)));
    const res = (await catchUp(params())) as unknown as { ok: true; report: Record<string, unknown> };
    expect(res.report).toMatchObject({ pages: 5, events: 23, accepted: 23, duplicates: 3, end: { reason: 'caught-up' } });
    expect(new Set(h.forwardedIds()).size).toBe(23);
    expect(h.forwardedIds()).toHaveLength(23);
  });
  it('--since a time skips older events', async () => {
    h.reset();
    const res = (await catchUp(params({ since: new Date(START + 20 * 60_000).toISOString() }))) as unknown as { ok: true; report: Record<string, unknown> };
    expect(res.report).toMatchObject({ accepted: 3, skippedBefore: 20 });
  });
  it('explains what is missing', async () => {
    expect(await catchUp(params({ journalUrl: '' }))).toMatchObject({ error: { code: 'journal_url_missing' } });
    expect(await catchUp(params({ ADOBE_CLIENT_SECRET: '' }))).toMatchObject({ error: { code: 'credentials_missing' } });
    expect(await catchUp(params({ since: 'yesterday-ish' }))).toMatchObject({ error: { code: 'since_invalid' } });
    expect(await catchUp(params({ ADOBE_ORG_ID: '' }))).toMatchObject({ error: { code: 'credentials_missing', message: expect.stringContaining('ADOBE_ORG_ID') } });
    expect(await catchUp(params({ ADOBE_ORG_ID: '$ADOBE_ORG_ID', orgId: 'ORG@AdobeOrg', since: 'latest' }))).toMatchObject({ ok: true });
  });
  it('"since 2d" seeks into the window instead of reading from the oldest event (7 days × 100/day, a 300-event limit)', async () => {
    h.reset();
    const now = Date.now();
    const week = Array.from({ length: 700 }, (_, i) => ({ at: now - 7 * 86_400_000 + i * 864_000 + 60_000 }));
    const weekEvents = week.map((w) => auditEvent(rng, { clientId: CLIENT_ID, time: new Date(w.at) }));
    const long = await startFakeJournal({ events: weekEvents, pageSize: 50, token: FAKE_TOKEN, writtenAt: week.map((w) => w.at), now });
    try {
      const res = (await catchUp(params({ journalUrl: long.url, since: '2d', maxEvents: 300 }))) as unknown as { ok: true; report: Record<string, unknown> };
      const inWindow = week.filter((w) => w.at >= now - 2 * 86_400_000).length;
      expect(long.seen[0].url.searchParams.get('seek')).toMatch(/^-P2DT0H5M\d+S$/);
      expect(res.report).toMatchObject({ accepted: inWindow, end: { reason: 'caught-up' } });
      expect(h.forwardedIds()).toHaveLength(inWindow);
    } finally {
      await long.close();
    }
  });
  it('journal catch-up is exempt from freshness: an event older than DEDUPE_TTL_HOURS is forwarded', async () => {
    h.reset();
    const old = [auditEvent(rng, { clientId: CLIENT_ID, time: new Date(Date.now() - 3 * 86_400_000) })];
    const journal = await startFakeJournal({ events: old, pageSize: 5, token: FAKE_TOKEN });
    try {
      const res = (await catchUp(params({ journalUrl: journal.url, DEDUPE_TTL_HOURS: '24' }))) as unknown as { ok: true; report: Record<string, unknown> };
      expect(res.report).toMatchObject({ accepted: 1 });
      expect(h.forwardedIds()).toEqual([old[0].eventid]);
    } finally {
      await journal.close();
    }
  });
  it('since=latest starts at the end of the journal', async () => {
    h.reset();
    const res = (await catchUp(params({ since: 'latest' }))) as unknown as { ok: true; report: Record<string, unknown> };
    expect(res.report).toMatchObject({ events: 0, end: { reason: 'caught-up' } });
    expect(j.seen[j.seen.length - 1].url.searchParams.get('latest')).toBe('true');
  });
  it('a page that is not JSON ends the catch-up as an error, with what was handed off before it', async () => {
    h.reset();
    const broken = await startFakeJournal({ events, pageSize: 5, token: FAKE_TOKEN, notJsonPage: 1 });
    try {
      const res = (await catchUp(params({ journalUrl: broken.url }))) as unknown as { ok: true; report: Record<string, unknown> };
      expect(res.report).toMatchObject({ accepted: 5, end: { reason: 'error', lastPosition: 'pos-4' } });
    } finally {
      await broken.close();
    }
  });
});
