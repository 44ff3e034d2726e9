/**
 * Journal entries normalize to the same envelope ids as the live delivery of
 * the same events, so a catch-up overlapping live delivery forwards nothing twice.
 * The events are Adobe's documented samples (test/fixtures/adobe-docs); each is
 * delivered live through its action (signed), then read back from a local
 * Journaling API in each entry form the sources imply.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main as catchUp } from '../../actions/catch-up/index';
import { main as userAudit } from '../../actions/user-audit/index';
import { main as notification } from '../../actions/notification/index';
import { main as leadActivity } from '../../actions/lead-activity/index';
import { elementOfJournalEntry } from '../../src/journal/entry';
import { recipientsOf } from '../../src/io-events/recipient';
import { FAKE_TOKEN, startFakeIoManagement, type FakeIoManagement } from '../support/fake-io-management';
import { startFakeJournal } from '../support/fake-journal';
import { RelayHarness, type ActionMain } from '../support/relay-harness';
import { atDocumentedTime } from '../docs-samples/documented-time';

type Obj = Record<string, unknown>;
const fixture = (file: string, n: number): Obj | Obj[] => {
  const f = JSON.parse(readFileSync(join(__dirname, '../fixtures/adobe-docs', file), 'utf8')) as { samples: { name: string; json?: unknown }[] };
  return f.samples.find((s) => s.name.startsWith(`${file.replace('.json', '')}#${n} `))?.json as Obj | Obj[];
};

const SAMPLES: [string, 'user-audit' | 'notification' | 'lead-activity', ActionMain, Obj[]][] = [
  ['User Audit V2 single (recipient inside event)', 'user-audit', userAudit, [fixture('io-events-user-audit.json', 10) as Obj]],
  ['User Audit V1 batch (event_id and a CloudEvent id)', 'user-audit', userAudit, fixture('io-events-user-audit.json', 1) as Obj[]],
  ['Notification batch', 'notification', notification, fixture('io-events-notification.json', 7) as Obj[]],
  ['Lead Activity batch (flat CloudEvents)', 'lead-activity', leadActivity, fixture('io-events-lead-activity.json', 5) as Obj[]],
];

const cloudEventOf = (e: Obj): Obj => (typeof e.event === 'object' && e.event ? ((e.event as Obj).body as Obj) ?? (e.event as Obj) : e);
const withoutDelivery = (e: Obj): Obj => {
  const { eventid: _a, event_id: _b, recipientclientid: _c, recipient_client_id: _d, ...ce } = e;
  return ce;
};

/** The journal entry forms: the delivered element itself (as the LADS migration page re-posts it), it as the body, and a bare CloudEvent body with the event id in the header. */
const FORMS: [string, (e: Obj) => unknown][] = [
  ['event = the delivered element', (e) => e],
  ['{ header, body: the delivered element }', (e) => ({ header: { msgType: 'marketo' }, body: e })],
  ['{ header: { eventid }, body: the CloudEvent }', (e) => ({ header: { eventid: e.eventid ?? e.event_id }, body: e.event ? cloudEventOf(e) : withoutDelivery(e) })],
];

const h = new RelayHarness();
let ims: FakeIoManagement;
beforeAll(async () => {
  await h.start({ EVENTS_REQUIRE_RECIPIENT: 'false' });
  ims = await startFakeIoManagement({ clientId: 'client-1', clientSecret: 'secret-1' });
});
afterAll(async () => {
  await h.stop();
  await ims.close();
});

let afterThis = (): void => undefined;
afterEach(() => afterThis());

describe.each(SAMPLES)('%s', (_name, stream, main, elements) => {
  const clientIds = [...new Set(elements.flatMap((e) => recipientsOf(e).map(([, v]) => String(v))))];
  it.each(FORMS)('journal entry %s: the same ids as the live delivery, nothing forwarded twice', async (_form, entryOf) => {
    h.reset();
    // live, as when the page was written (today these samples are stale)
    const restore = atDocumentedTime(elements);
    afterThis = restore;
    const inputs: Record<string, string> = clientIds.length ? { EVENTS_CLIENT_ID: clientIds.join(',') } : {};
    const live = await h.call(main, h.signed(elements), inputs);
    expect(live).toMatchObject({ statusCode: 200, body: { accepted: elements.length } });
    const liveIds = h.forwardedIds().sort();
    expect(liveIds).toHaveLength(elements.length);
    const journal = await startFakeJournal({ events: elements, pageSize: 10, token: FAKE_TOKEN, entry: (e) => entryOf(e as Obj) });
    try {
      const res = (await catchUp({ ...h.inputs, ...inputs, ADOBE_CLIENT_ID: 'client-1', ADOBE_CLIENT_SECRET: 'secret-1', ADOBE_ORG_ID: 'ORG@AdobeOrg', ADOBE_IMS_URL: ims.url, journalUrl: journal.url, stream })) as unknown as { report: Record<string, number> };
      expect(res.report).toMatchObject({ events: elements.length, accepted: elements.length, duplicates: elements.length, unreadable: 0 });
      expect(h.forwardedIds().sort()).toEqual(liveIds);
    } finally {
      await journal.close();
    }
  });
});

describe('elementOfJournalEntry', () => {
  const ce = { specversion: '1.0', type: 'com.adobe.platform.marketo.audit.user.email', source: 'urn:mlm', data: {} };
  it('takes the event id from the header wherever Adobe may put it', () => {
    for (const header of [{ eventid: 'e1' }, { event_id: 'e1' }, { eventId: 'e1' }, { 'x-adobe-event-id': 'e1' }, { _adobeio: { eventid: 'e1' } }]) {
      expect(elementOfJournalEntry({ position: 'p', event: { header, body: ce } })).toEqual({ eventid: 'e1', event: { body: ce } });
    }
  });
  it('keeps a Lead Activity CloudEvent flat, as it is delivered', () => {
    const activity = { ...ce, type: 'com.adobe.platform.marketo.activity.standard.openemail', id: 'a1' };
    expect(elementOfJournalEntry({ event: { header: { eventid: 'e2' }, body: activity } })).toEqual({ ...activity, eventid: 'e2' });
  });
  it('an entry without an event object is unreadable', () => {
    expect(elementOfJournalEntry({ position: 'p' })).toBeUndefined();
    expect(elementOfJournalEntry({ event: { header: {}, body: 'text' } })).toBeUndefined();
    expect(elementOfJournalEntry('x')).toBeUndefined();
  });
});
