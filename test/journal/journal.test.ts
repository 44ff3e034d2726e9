import { main as catchUp } from '../../actions/catch-up/index';
import { auditEvent } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import { nextLink, pullJournal, type JournalEnd, type JournalPage } from '../../src/journal/journal';
import { FAKE_TOKEN, routeImsTo, startFakeIoManagement, type FakeIoManagement } from '../support/fake-io-management';
import { startFakeJournal, type FakeJournal } from '../support/fake-journal';
import { CLIENT_ID, RelayHarness } from '../support/relay-harness';

const rng = seeded(3);
const events = Array.from({ length: 23 }, (_, i) => auditEvent(rng, { clientId: CLIENT_ID, time: new Date(Date.parse('2026-03-02T10:00:00Z') + i * 60_000) }));

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
  const opts = (o: Partial<Parameters<typeof pullJournal>[0]> = {}) => ({ url: j.url, token: 'tok', apiKey: 'key', maxEvents: 1000, maxPages: 100, sleep: async () => undefined, ...o });

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
    const { end } = await drain(pullJournal({ url: 'https://journal.example/j', token: 'tok', apiKey: 'k', maxEvents: 100, maxPages: 5, fetch: fake }));
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
  let imsRoute: ReturnType<typeof routeImsTo>;
  let j: FakeJournal;
  beforeAll(async () => {
    await h.start();
    ims = await startFakeIoManagement({ clientId: 'client-1', clientSecret: 'secret-1', orgId: 'ORG@AdobeOrg' });
    imsRoute = routeImsTo(ims.url);
    j = await startFakeJournal({ events, pageSize: 5, token: FAKE_TOKEN });
  });
  afterAll(async () => {
    imsRoute.restore();
    await h.stop();
    await ims.close();
    await j.close();
  });
  // __ims_oauth_s2s: what the include-ims-credentials annotation hands the action
  const params = (o: Record<string, unknown> = {}) => ({ ...h.inputs, __ims_oauth_s2s: { client_id: 'client-1', client_secret: 'secret-1', org_id: 'ORG@AdobeOrg', scopes: ['adobeio_api'] }, journalUrl: j.url, stream: 'user-audit', ...o });

  it('feeds the journal through normalize → route → forward; overlap with live delivery is harmless', async () => {
    await h.call((await import('../../actions/user-audit/index')).main, h.signed(events.slice(0, 3)));
    const res = (await catchUp(params())) as unknown as { ok: true; report: Record<string, unknown> };
    expect(res.report).toMatchObject({ pages: 5, events: 23, accepted: 23, duplicates: 3, end: { reason: 'caught-up' } });
    expect(new Set(h.forwardedIds()).size).toBe(23);
    expect(h.forwardedIds()).toHaveLength(23);
  });
  it('--since a time skips older events', async () => {
    h.reset();
    const res = (await catchUp(params({ since: '2026-03-02T10:20:00Z' }))) as unknown as { ok: true; report: Record<string, unknown> };
    expect(res.report).toMatchObject({ accepted: 3, skippedBefore: 20 });
  });
  it('explains what is missing', async () => {
    expect(await catchUp(params({ journalUrl: '' }))).toMatchObject({ error: { code: 'journal_url_missing' } });
    expect(await catchUp(params({ __ims_oauth_s2s: { client_id: 'client-1', client_secret: '', org_id: 'ORG@AdobeOrg' } }))).toMatchObject({ error: { code: 'credentials_missing' } });
    expect(await catchUp(params({ __ims_oauth_s2s: undefined }))).toMatchObject({ error: { code: 'credentials_missing', message: expect.stringMatching(/include-ims-credentials/) } });
    expect(await catchUp(params({ __ims_oauth_s2s: { client_id: 'client-1', client_secret: 'wrong', org_id: 'ORG@AdobeOrg' } }))).toMatchObject({ error: { code: 'ims_failed' } });
    expect(await catchUp(params({ since: 'yesterday-ish' }))).toMatchObject({ error: { code: 'since_invalid' } });
  });
});
