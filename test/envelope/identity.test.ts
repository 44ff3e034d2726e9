/**
 * What an event *is* comes from the signed body only (issue 12): an unsigned header
 * never sets the id, and the same CloudEvent gets the same id however it is wrapped.
 */
import { main as userAudit } from '../../actions/user-audit/index';
import type { Envelope } from '../../src/envelope/envelope';
import { normalizeIoEvent } from '../../src/envelope/normalize-io';
import { CLIENT_ID, RelayHarness } from '../support/relay-harness';

const receivedAt = '2026-03-02T10:21:00.000Z';
const envelopeOf = (element: Record<string, unknown>, headerEventId?: string): Envelope => {
  const n = normalizeIoEvent(element, { receivedAt, stream: 'user-audit', headerEventId });
  if (!n.ok) throw new Error(n.reason);
  return n.envelope;
};
/** A User Audit event as its samples are, minus every id (no eventid, no CloudEvent id). */
const idless = (componentId: number) => ({
  event: { body: { specversion: '1.0', type: 'com.adobe.platform.marketo.audit.user.email', source: 'urn:mlm', time: '2024-07-11 13:20:42.755', dataschema: 'V2.0', data: { componentId, componentType: 'Email', eventAction: 'approve', munchkinId: '123-ABC-456' } } },
  recipientclientid: CLIENT_ID,
});

describe('an unsigned header never sets the id', () => {
  it('a single event without ids takes its id from its content; the header is kept beside it', () => {
    const e = envelopeOf(idless(1), 'header-id-1');
    expect(e.id).toMatch(/^sha256-/);
    expect(e.id).not.toBe('header-id-1');
    expect(e.deliveryEventId).toBe('header-id-1');
    expect(envelopeOf(idless(1), 'another-header').id).toBe(e.id);
    expect(envelopeOf(idless(2), 'header-id-1').id).not.toBe(e.id);
  });
  it('an event with an eventid keeps it, whatever the header says', () => {
    const e = envelopeOf({ ...idless(1), eventid: 'a9ef9c3c-bafe-48b8-9eae-bc63dfaed28c' }, 'forged');
    expect(e).toMatchObject({ id: 'a9ef9c3c-bafe-48b8-9eae-bc63dfaed28c', eventid: 'a9ef9c3c-bafe-48b8-9eae-bc63dfaed28c', deliveryEventId: 'forged' });
  });
  it('the same CloudEvent wrapped for the journal ({event: {header, body}}) or delivered live gets the same content id', () => {
    const live = idless(7);
    const journal = { position: 'p-1', event: { header: { 'x-adobe-event-code': 'x' }, body: live.event.body } };
    expect(envelopeOf(journal).id).toBe(envelopeOf(live).id);
  });

  const h = new RelayHarness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());
  beforeEach(() => h.reset());
  it('end to end: two different id-less events under one reused x-adobe-event-id are both forwarded', async () => {
    const first = await h.call(userAudit, h.signed(idless(1), { eventId: 'reused-header' }));
    const second = await h.call(userAudit, h.signed(idless(2), { eventId: 'reused-header' }));
    expect(first.body).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(second.body).toMatchObject({ accepted: 1, duplicates: 0 });
    const forwarded = h.invoker.accepted.flatMap((i) => i.events);
    expect(forwarded.map((e) => e.deliveryEventId)).toEqual(['reused-header', 'reused-header']);
    expect(new Set(forwarded.map((e) => e.id)).size).toBe(2);
    // and an Adobe retry of the same event (same body, new delivery id) is still a duplicate
    const retry = await h.call(userAudit, h.signed(idless(1), { eventId: 'reused-header', retryCount: 1 }));
    expect(retry.body).toMatchObject({ accepted: 1, duplicates: 1 });
  });
});
