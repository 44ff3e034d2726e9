/**
 * What an event *is* comes from the signed body only (issue 12): an unsigned header
 * never sets the id, and the same CloudEvent gets the same id however it is wrapped.
 */
import { main as leadActivity } from '../../actions/lead-activity/index';
import { main as userAudit } from '../../actions/user-audit/index';
import { normalizeActivity } from '../../src/envelope/activity';
import { eventDigest, type Envelope } from '../../src/envelope/envelope';
import { normalizeIoEvent } from '../../src/envelope/normalize-io';
import { parseJsonBody } from '../../src/http/request';
import { normalizePushBatch, parsePushBatch } from '../../src/lead-push/batch';
import { CLIENT_ID, RelayHarness } from '../support/relay-harness';
import { atDocumentedTime } from '../docs-samples/documented-time';

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
  // the sample's documented 2024 time: delivered today it would rightly be set aside as stale
  let restoreDate = (): void => undefined;
  beforeEach(() => (restoreDate = atDocumentedTime([idless(1)])));
  afterEach(() => restoreDate());
  it('end to end: two different id-less events under one reused x-adobe-event-id are both forwarded', async () => {
    const first = await h.call(userAudit, h.signed(idless(1), { eventId: 'reused-header' }));
    const second = await h.call(userAudit, h.signed(idless(2), { eventId: 'reused-header' }));
    expect(first.body).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(second.body).toMatchObject({ accepted: 1, duplicates: 0 });
    const forwarded = h.invoker.accepted.flatMap((i) => i.events);
    expect(forwarded.map((e) => e.deliveryEventId)).toEqual(['reused-header', 'reused-header']);
    expect(new Set(forwarded.map((e) => e.id)).size).toBe(2);
    // the log line names no eventid list when every id already is the eventid
    expect(h.logs.lines.filter((l) => l.includes('ioEventIds'))).toEqual([]);
    // and an Adobe retry of the same event (same body, new delivery id) is still a duplicate
    const retry = await h.call(userAudit, h.signed(idless(1), { eventId: 'reused-header', retryCount: 1 }));
    expect(retry.body).toMatchObject({ accepted: 1, duplicates: 1 });
  });
});

describe('an operator can find an I/O Lead Activity by the id x-adobe-event-id carries', () => {
  const h = new RelayHarness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());
  beforeEach(() => h.reset());
  it('the request log line lists the eventids beside the envelope ids', async () => {
    const lads = (n: number) => ({ eventid: `ec2c6092-0000-4000-8000-00000000000${n}`, specversion: '1.0', type: 'com.adobe.platform.marketo.activity.standard.openemail', source: 'urn:marketo_activity_stream', id: `a1764870-0000-4000-8000-00000000000${n}`, time: '2024-12-17T18:39:33Z', data: { munchkinId: '123-ABC-456', leadId: '1234', activityDate: '2024-12-17T18:39:33Z', activityTypeId: 10, activityLogItemId: 1234567890 + n }, recipientclientid: CLIENT_ID });
    const restoreDate = atDocumentedTime([lads(1)]); // the documented 2024 time, not stale then
    const res = await h.call(leadActivity, h.signed([lads(1), lads(2)], { deliveryId: 'delivery-lads-1' })).finally(restoreDate);
    expect(res.body).toMatchObject({ accepted: 2 });
    const line = JSON.parse(h.logs.lines.find((l) => l.includes('delivery-lads-1')) as string);
    expect(line).toMatchObject({ eventIds: [lads(1).id, lads(2).id], ioEventIds: [lads(1).eventid, lads(2).eventid] });
    expect(h.invoker.accepted[0].events.map((e) => e.eventid)).toEqual([lads(1).eventid, lads(2).eventid]);
  });
});

describe('what the deliver step needs to tell events apart', () => {
  const push = (body: string): Envelope[] => {
    const parsed = parseJsonBody(Buffer.from(body));
    const batch = parsed.ok ? parsePushBatch(parsed.value) : parsed;
    if (!batch.ok) throw new Error('not a batch');
    return normalizePushBatch(batch.value, { stream: 'lead-activity', transport: 'legacy-push', deliveryId: 'd' }, Date.parse(receivedAt)).envelopes;
  };
  it('one id twice in a delivery: the digest says whether it is one event sent twice or two events (a collision)', () => {
    const [a, b, c] = push(`{"munchkinId":"111-AAA-222","activities":[
      {"marketoGUID":"g-1","activityTypeId":2,"activityDate":"2026-03-02T10:14:58Z","leadId":1},
      {"marketoGUID":"g-1","activityTypeId":2,"activityDate":"2026-03-02T10:14:58Z","leadId":1},
      {"marketoGUID":"g-1","activityTypeId":2,"activityDate":"2026-03-02T10:14:58Z","leadId":2}]}`);
    expect([a.id, b.id, c.id]).toEqual(['g-1', 'g-1', 'g-1']);
    expect(eventDigest(a)).toBe(eventDigest(b));
    expect(eventDigest(a)).not.toBe(eventDigest(c));
  });
  it('integers JSON.parse would round to one number give different digests', () => {
    const [a, b] = push(`{"activities":[{"marketoGUID":"g","activityTypeId":2,"v":9007199254740992},{"marketoGUID":"g","activityTypeId":2,"v":9007199254740993}]}`);
    expect(eventDigest(a)).not.toBe(eventDigest(b));
  });
  it('munchkinId is on every envelope whose shape has it (activityLogItemId ids are unique only per instance)', () => {
    expect(push(`{"munchkinId":"111-AAA-222","activities":[{"activityLogItemId":5,"activityTypeId":2}]}`)[0]).toMatchObject({ id: '5', munchkinId: '111-AAA-222' });
    expect(normalizeActivity({ activityLogItemId: 5, activityTypeId: 2, munchkinId: '333-BBB-444' }, { transport: 'legacy-push', receivedAt })).toMatchObject({ ok: true, envelope: { id: '5', munchkinId: '333-BBB-444' } });
    const lads = { eventid: 'w', specversion: '1.0', type: 'com.adobe.platform.marketo.activity.standard.openemail', source: 'urn:marketo_activity_stream', id: 'ce', time: '2024-12-17T18:39:33Z', data: { munchkinId: '123-ABC-456', leadId: '1234', activityTypeId: 10, activityLogItemId: 1234567890 } };
    expect(normalizeIoEvent(lads, { receivedAt, stream: 'lead-activity' })).toMatchObject({ ok: true, envelope: { munchkinId: '123-ABC-456' } });
    expect(envelopeOf(idless(1)).munchkinId).toBe('123-ABC-456');
    const notice = { event_id: 'n', event: { type: 'com.adobe.platform.marketo.notification.campaign_abort', data: { componentType: 'campaign_abort', munchkinId: '123-ABC-456' } } };
    expect(envelopeOf(notice)).toMatchObject({ stream: 'notification', munchkinId: '123-ABC-456' });
  });
});
