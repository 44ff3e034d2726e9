import { normalizeActivity } from '../../src/envelope/activity';
import { activityEventType } from '../../src/envelope/activity-types';
import type { Envelope } from '../../src/envelope/envelope';
import { normalizeIoEvent } from '../../src/envelope/normalize-io';
import { toIsoUtc } from '../../src/envelope/time';
import { parseConfig } from '../../src/config';
import { auditEvent, ioActivityEvent, legacyActivity, notificationEvent } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';

const receivedAt = '2026-03-02T10:21:00.000Z';
const ctx = { receivedAt, stream: 'user-audit' as const };
const envelopeOf = (element: Record<string, unknown>, stream: 'user-audit' | 'notification' | 'lead-activity' = 'user-audit'): Envelope => {
  const n = normalizeIoEvent(element, { ...ctx, stream });
  if (!n.ok) throw new Error(n.reason);
  return n.envelope;
};

describe('toIsoUtc', () => {
  it.each([
    ['2026-03-02 10:20:42.755', '2026-03-02T10:20:42.755Z'],
    ['2026-03-02T10:20:42.755Z', '2026-03-02T10:20:42.755Z'],
    ['2026-03-02T10:20:42Z', '2026-03-02T10:20:42.000Z'],
    ['2026-03-02T12:20:42+02:00', '2026-03-02T10:20:42.000Z'],
    ['2026-03-02T12:20:42+0200', '2026-03-02T10:20:42.000Z'],
    ['2020-05-28T19:20:47.28Z', '2020-05-28T19:20:47.280Z'],
    ['2026-03-02T10:20:42.123456789Z', '2026-03-02T10:20:42.123Z'],
    ['2026-03-02 10:20', '2026-03-02T10:20:00.000Z'],
    [1772446842755, '2026-03-02T10:20:42.755Z'],
    ['2028-02-29T23:59:59Z', '2028-02-29T23:59:59.000Z'],
    ['2026-12-31', '2026-12-31T00:00:00.000Z'],
    // offsets as Marketo writes them: no leading zero (help/data-streams.md's Notification sample), with or without seconds and fractions
    ['2021-05-27T10:22:37.489-5:00', '2021-05-27T15:22:37.489Z'],
    ['2026-03-02T10:20:42+5:30', '2026-03-02T04:50:42.000Z'],
    ['2026-03-02T10:20+5:30', '2026-03-02T04:50:00.000Z'],
    ['2026-03-02T10:20-05:00', '2026-03-02T15:20:00.000Z'],
    ['2026-03-02T10:20:42.1-5:00', '2026-03-02T15:20:42.100Z'],
    ['2026-03-02 10:20:42.755-0500', '2026-03-02T15:20:42.755Z'],
    ['2026-03-02T10:20:42-05', '2026-03-02T15:20:42.000Z'],
    ['2026-03-02t10:20:42z', '2026-03-02T10:20:42.000Z'],
  ])('%s → %s', (input, expected) => expect(toIsoUtc(input)).toBe(expected));
  it.each(['yesterday', '', '2026-13-45 99:99:99', '03/02/2026', null, {}, '1900-01-01T00:00:00Z', Number.NaN, '2026-02-30T00:00:00Z', '2026-04-31 10:00:00', '2026-02-29', '2026-01-01T24:00:00Z', '2026-00-10T00:00:00Z', '2026-03-02T10:20:42+24:00', '2026-03-02T10:20:42+05:60', '2026-03-02T10:60:00Z', '2026-03-02T10:20:42+123', '2026-03-02T10:20:42 PST'])('rejects %p', (v) =>
    expect(toIsoUtc(v)).toBeUndefined(),
  );
});

describe('zone-less times (MARKETO_ZONELESS_TIME_ZONE)', () => {
  it.each([
    // the User Audit sample's form, read in US Central: daylight time in July, standard time in January
    ['2024-07-11 13:20:42.755', 'America/Chicago', '2024-07-11T18:20:42.755Z'],
    ['2024-01-11 13:20:42.755', 'America/Chicago', '2024-01-11T19:20:42.755Z'],
    ['2024-07-11T13:20:42', 'Asia/Kolkata', '2024-07-11T07:50:42.000Z'],
    ['2024-07-11 13:20:42.755', 'UTC', '2024-07-11T13:20:42.755Z'],
    // a time the spring change skips is read with the offset before it; one the autumn change repeats is its first occurrence
    ['2026-03-08 02:30', 'America/Chicago', '2026-03-08T08:30:00.000Z'],
    ['2026-03-08 05:00', 'America/Chicago', '2026-03-08T10:00:00.000Z'],
    ['2026-11-01 01:30', 'America/Chicago', '2026-11-01T06:30:00.000Z'],
    ['2026-11-01 06:30', 'America/Chicago', '2026-11-01T12:30:00.000Z'],
    ['2026-12-31', 'America/Chicago', '2026-12-31T06:00:00.000Z'],
  ])('%s in %s → %s', (input, zone, expected) => expect(toIsoUtc(input, zone)).toBe(expected));
  it('a time with an offset ignores the zone setting', () => {
    expect(toIsoUtc('2021-05-27T10:22:37.489-5:00', 'Asia/Tokyo')).toBe('2021-05-27T15:22:37.489Z');
    expect(toIsoUtc('2026-03-02T10:20:42Z', 'America/Chicago')).toBe('2026-03-02T10:20:42.000Z');
  });
  it('the setting is validated: an unknown zone is a configuration error', () => {
    expect(parseConfig({ MARKETO_ZONELESS_TIME_ZONE: 'America/Chicago' })).toMatchObject({ ok: true, config: { zonelessTimeZone: 'America/Chicago' } });
    expect(parseConfig({})).toMatchObject({ ok: true, config: { zonelessTimeZone: 'UTC' } });
    expect(parseConfig({ MARKETO_ZONELESS_TIME_ZONE: 'US/Nowhere' })).toMatchObject({ ok: false, errors: [expect.stringMatching(/MARKETO_ZONELESS_TIME_ZONE: "US\/Nowhere" is not an IANA time zone/)] });
  });
  it('UTC, the default, is read and validated without Intl: its first formatter loads ICU zone data, ≈ 10 ms of every cold start', () => {
    const made = jest.spyOn(Intl, 'DateTimeFormat');
    try {
      jest.isolateModules(() => {
        // a fresh copy of the modules, so no formatter is cached from the tests above
        /* eslint-disable @typescript-eslint/no-require-imports -- isolateModules hands out fresh copies through require only */
        const fresh = require('../../src/config') as typeof import('../../src/config');
        const time = require('../../src/envelope/time') as typeof import('../../src/envelope/time');
        /* eslint-enable @typescript-eslint/no-require-imports */
        expect(fresh.parseConfig({})).toMatchObject({ ok: true, config: { zonelessTimeZone: 'UTC' } });
        expect(fresh.parseConfig({ MARKETO_ZONELESS_TIME_ZONE: 'Etc/UTC' })).toMatchObject({ ok: true });
        expect(time.toIsoUtc('2024-07-11 13:20:42.755')).toBe('2024-07-11T13:20:42.755Z');
        expect(made).not.toHaveBeenCalled();
        expect(time.isTimeZone('America/Chicago')).toBe(true);
        expect(made).toHaveBeenCalled();
      });
    } finally {
      made.mockRestore();
    }
  });
  it('reaches the envelope of every shape', () => {
    const audit = normalizeIoEvent({ eventid: 'z1', event: { body: { type: 'com.adobe.platform.marketo.audit.user.email', time: '2024-07-11 13:20:42.755', data: {} } } }, { ...ctx, zonelessTimeZone: 'America/Chicago' });
    expect(audit).toMatchObject({ ok: true, envelope: { time: '2024-07-11T18:20:42.755Z', cloudEventTime: '2024-07-11 13:20:42.755' } });
    const push = normalizeActivity({ marketoGUID: 'g', activityTypeId: 2, activityDate: '2024-07-11 13:20:42' }, { transport: 'legacy-push', receivedAt, zonelessTimeZone: 'America/Chicago' });
    expect(push).toMatchObject({ ok: true, envelope: { time: '2024-07-11T18:20:42.000Z' } });
    expect(push.ok && push.envelope.timeSource).toBeUndefined();
  });
});

describe('times that cannot be read', () => {
  it('an I/O event keeps the text; time is the receipt time and says so', () => {
    const e = envelopeOf({ eventid: 't1', event: { body: { type: 'com.adobe.platform.marketo.audit.user.email', time: 'Thursday noon', data: {} } } });
    expect(e).toMatchObject({ time: receivedAt, timeSource: 'received', timeText: 'Thursday noon', cloudEventTime: 'Thursday noon' });
    const none = envelopeOf({ eventid: 't2', event: { body: { type: 'com.adobe.platform.marketo.audit.user.email', data: {} } } });
    expect(none).toMatchObject({ time: receivedAt, timeSource: 'received' });
    expect(none.timeText).toBeUndefined();
    const readable = envelopeOf({ eventid: 't3', event: { body: { type: 'com.adobe.platform.marketo.audit.user.email', time: '2026-03-02T10:00:00Z', data: {} } } });
    expect(readable.timeSource).toBeUndefined();
    expect(readable.timeText).toBeUndefined();
  });
  it('an activity with an unreadable activityDate is kept: the CloudEvent time, else the receipt time, said so', () => {
    const io = envelopeOf({ eventid: 'w', id: 'ce', type: 'com.adobe.platform.marketo.activity.standard.openemail', time: '2024-12-17T18:39:33Z', data: { activityTypeId: 10, activityDate: '17/12/2024 18:39' } }, 'lead-activity');
    expect(io).toMatchObject({ time: '2024-12-17T18:39:33.000Z', timeSource: 'cloudevent', timeText: '17/12/2024 18:39' });
    const push = normalizeActivity({ marketoGUID: 'g', activityTypeId: 2, activityDate: 'soon' }, { transport: 'legacy-push', receivedAt });
    expect(push).toMatchObject({ ok: true, envelope: { id: 'g', time: receivedAt, timeSource: 'received', timeText: 'soon', data: { activityDate: 'soon' } } });
    const undated = normalizeActivity({ marketoGUID: 'g', activityTypeId: 2 }, { transport: 'legacy-push', receivedAt });
    expect(undated).toMatchObject({ ok: true, envelope: { time: receivedAt, timeSource: 'received' } });
    const numeric = normalizeActivity({ marketoGUID: 'g', activityTypeId: 2, activityDate: 12 }, { transport: 'legacy-push', receivedAt });
    expect(numeric).toMatchObject({ ok: true, envelope: { timeSource: 'received', timeText: '12' } });
  });
});

describe('User Audit', () => {
  const v2 = {
    eventid: '5e0c7c5a-0000-4000-8000-00000000a001',
    event: { body: { specversion: '1.0', type: 'com.adobe.platform.marketo.audit.user.smartcampaign', source: 'urn:mlm', time: '2026-03-02 10:20:42.755', datacontenttype: 'application/json', dataschema: 'V2.0', data: { componentId: 5120, componentType: 'Smart Campaign', eventAction: 'activate', munchkinId: '111-AAA-222', imsOrgId: 'ABC123@AdobeOrg', userId: 'ops@example.com' } } },
    recipientclientid: 'my-client-id',
  };
  it('normalizes the V2 shape', () => {
    expect(envelopeOf(v2)).toEqual({
      id: '5e0c7c5a-0000-4000-8000-00000000a001',
      stream: 'user-audit',
      type: 'com.adobe.platform.marketo.audit.user.smartcampaign',
      source: 'urn:mlm',
      time: '2026-03-02T10:20:42.755Z',
      munchkinId: '111-AAA-222',
      eventid: '5e0c7c5a-0000-4000-8000-00000000a001',
      cloudEventTime: '2026-03-02 10:20:42.755',
      dataschema: 'V2.0',
      userId: 'ops@example.com',
      componentType: 'Smart Campaign',
      eventAction: 'activate',
      transport: 'io-events',
      receivedAt,
      data: v2.event.body.data,
    });
  });
  it('normalizes the V1 shape (no body wrapper, event_id, numeric user)', () => {
    const v1 = { event_id: 'ev-1', event: { ...v2.event.body, id: 'ce-1', dataschema: 'V1.0', time: '2020-05-28T19:20:47.28Z', data: { componentType: 'Email', eventAction: 'approve', munchkinId: '111-AAA-222', user: 42 } }, recipient_client_id: 'x' };
    const e = envelopeOf(v1);
    expect(e).toMatchObject({ id: 'ev-1', eventid: 'ev-1', cloudEventId: 'ce-1', dataschema: 'V1.0', cloudEventTime: '2020-05-28T19:20:47.28Z', time: '2020-05-28T19:20:47.280Z', componentType: 'Email', eventAction: 'approve', userId: '42' });
    expect(e.data.user).toBe(42);
  });
  it('the acting user: userId wins over V1 user (Marketo’s V1 sample has both)', () => {
    const e = envelopeOf({ event_id: 'ev-2', event: { type: 'com.adobe.platform.marketo.audit.user.email', id: 'ce-2', dataschema: 'V1.0', data: { user: 253, userId: 'example@marketo.com' } } });
    expect(e.userId).toBe('example@marketo.com');
    expect(envelopeOf({ eventid: 'ev-3', event: { body: { type: 'com.adobe.platform.marketo.audit.user.email', data: {} } } }).userId).toBeUndefined();
  });
  it('keeps unknown types, extra fields and odd times', () => {
    const e = envelopeOf({ eventid: 'x', extra: 1, event: { body: { type: 'com.adobe.platform.marketo.audit.user.brandnewthing', time: 'garbage', data: { componentType: 'Brand New Thing', more: { a: 1 } } } } });
    expect(e).toMatchObject({ type: 'com.adobe.platform.marketo.audit.user.brandnewthing', time: receivedAt, timeSource: 'received', timeText: 'garbage', componentType: 'Brand New Thing', source: 'unknown' });
    expect(e.data.more).toEqual({ a: 1 });
  });
  it('derives a stable id from the content when the event has none', () => {
    const element = { event: { body: { type: 'com.adobe.platform.marketo.audit.user.email', data: { a: 1 } } } };
    expect(envelopeOf(element).id).toBe(envelopeOf(JSON.parse(JSON.stringify(element))).id);
    expect(envelopeOf(element).id).toMatch(/^sha256-/);
  });
  it('generated V1 and V2 events normalize', () => {
    const rng = seeded(1);
    for (let i = 0; i < 50; i++) {
      const element = auditEvent(rng, { clientId: 'c', version: i % 2 ? 'V1' : 'V2' });
      const e = envelopeOf(element);
      const ce = element.event as { body?: { data: { componentType: string } }; data?: { componentType: string } };
      expect(e.stream).toBe('user-audit');
      expect(e.time).toMatch(/Z$/);
      expect(e.componentType).toBe((ce.body ?? ce).data?.componentType);
    }
  });
});

describe('Notification', () => {
  it('turns an object eventAction into its string form, keeps both componentType and type', () => {
    const e = envelopeOf(
      { eventid: 'n1', event: { body: { type: 'com.adobe.platform.marketo.notification.campaign_failure', source: 'urn:mlm', time: '2026-03-02T10:00:00Z', data: { componentType: 'campaign_abort', subType: 'smart_campaign', eventAction: { campaignId: 1234, userId: 'a@b.c' }, munchkinId: '111-AAA-222' } } } },
      'user-audit',
    );
    expect(e).toMatchObject({ stream: 'notification', type: 'com.adobe.platform.marketo.notification.campaign_failure', componentType: 'campaign_abort', subType: 'smart_campaign', eventAction: '{"campaignId":1234,"userId":"a@b.c"}', userId: 'a@b.c' });
  });
  it('accepts unknown notification types', () => {
    const e = envelopeOf({ eventid: 'n2', event: { body: { type: 'com.adobe.platform.marketo.notification.nurture_exhausted', data: {} } } }, 'notification');
    expect(e.stream).toBe('notification');
  });
  it('generated notifications of the three kinds normalize', () => {
    const rng = seeded(2);
    for (const kind of ['campaign_abort', 'campaign_failure', 'web_services'] as const) {
      expect(envelopeOf(notificationEvent(rng, { clientId: 'c', kind }), 'notification').type).toBe(`com.adobe.platform.marketo.notification.${kind}`);
    }
  });
});

describe('Lead Activity', () => {
  it('names types like the I/O form does', () => {
    expect(activityEventType(10, 'Open Email')).toBe('com.adobe.platform.marketo.activity.standard.openemail');
    expect(activityEventType(2, undefined)).toBe('com.adobe.platform.marketo.activity.standard.filloutform');
    expect(activityEventType(100001, 'Attended Booth')).toBe('com.adobe.platform.marketo.activity.custom');
    expect(activityEventType(999, undefined)).toBe('com.adobe.platform.marketo.activity.standard.type999');
  });
  it('legacy and I/O forms of one activity give the same routing fields, each its own data as sent', () => {
    const rng = seeded(3);
    for (let i = 0; i < 30; i++) {
      const activity = legacyActivity(rng, { typeId: i % 3 === 0 ? 100001 : undefined });
      const sent = structuredClone(activity);
      const element = ioActivityEvent(rng, activity, { clientId: 'c', munchkinId: '111-AAA-222' });
      const legacy = normalizeActivity(activity, { transport: 'legacy-push', receivedAt, munchkinId: '111-AAA-222' });
      const io = normalizeIoEvent(element, { ...ctx, stream: 'lead-activity' });
      if (!legacy.ok || !io.ok) throw new Error('not normalized');
      const { data: ioData, eventid, cloudEventId, cloudEventTime, ...ioRest } = io.envelope;
      const { data: legacyData, ...legacyRest } = legacy.envelope;
      expect({ ...ioRest, transport: 'legacy-push' }).toEqual(legacyRest);
      expect(legacy.envelope).toMatchObject({ id: activity.marketoGUID, leadId: String(activity.leadId), munchkinId: '111-AAA-222', stream: 'lead-activity' });
      expect(legacyData).toBe(activity);
      expect(legacyData).toEqual(sent);
      expect(ioData).toBe(element.data);
      expect({ eventid, cloudEventId, cloudEventTime }).toEqual({ eventid: element.eventid, cloudEventId: element.id, cloudEventTime: element.time });
    }
  });
  it('a push activity’s data is exactly what Marketo sent: no number turned into a string, nothing added', () => {
    const activity = { activityLogItemId: 99887766, leadId: 4242, activityTypeId: 2, activityDate: '2026-03-02T10:14:58Z' };
    const n = normalizeActivity(activity, { transport: 'legacy-push', receivedAt, munchkinId: '111-AAA-222' });
    expect(n).toMatchObject({ ok: true, envelope: { id: '99887766', leadId: '4242', munchkinId: '111-AAA-222', activityType: 'Fill Out Form' } });
    expect(n.ok && n.envelope.data).toEqual({ activityLogItemId: 99887766, leadId: 4242, activityTypeId: 2, activityDate: '2026-03-02T10:14:58Z' });
  });
  it('the I/O type is the type Adobe delivered, never recomputed from the activity', () => {
    const e = envelopeOf(
      { eventid: 'w-1', specversion: '1.0', id: 'ce-111', type: 'com.adobe.platform.marketo.activity.standard.sendforwardtofriendemail', source: 'urn:marketo_activity_stream', time: '2024-12-17T18:39:33Z',
        data: { munchkinId: '123-ABC-456', leadId: '1234', activityDate: '2024-12-17T18:39:33Z', activityTypeId: 111, activityType: 'Sent Forward to Friend Email', activityLogItemId: 1234567890 } },
      'lead-activity',
    );
    expect(e).toMatchObject({ id: 'ce-111', eventid: 'w-1', type: 'com.adobe.platform.marketo.activity.standard.sendforwardtofriendemail', activityType: 'Sent Forward to Friend Email' });
    const custom = envelopeOf({ id: 'ce-c', type: 'com.adobe.platform.marketo.activity.custom', data: { activityTypeId: 100123, activityDate: '2024-12-17T18:39:33Z' } }, 'lead-activity');
    expect(custom.type).toBe('com.adobe.platform.marketo.activity.custom');
  });
  it('an I/O activity without a CloudEvent id falls back to marketoGUID, activityLogItemId, then the eventid', () => {
    const el = (data: Record<string, unknown>) => ({ eventid: 'w-9', type: 'com.adobe.platform.marketo.activity.standard.openemail', data: { activityTypeId: 10, activityDate: '2024-12-17T18:39:33Z', ...data } });
    expect(envelopeOf(el({ marketoGUID: 'g-1', activityLogItemId: 5 }), 'lead-activity').id).toBe('g-1');
    expect(envelopeOf(el({ activityLogItemId: 5 }), 'lead-activity').id).toBe('5');
    expect(envelopeOf(el({}), 'lead-activity')).toMatchObject({ id: 'w-9', eventid: 'w-9' });
  });
  it('falls back to activityLogItemId for the id', () => {
    const n = normalizeActivity({ activityLogItemId: 99887766, activityTypeId: 2, activityDate: '2026-03-02T10:14:58Z' }, { transport: 'legacy-push', receivedAt });
    expect(n).toMatchObject({ ok: true, envelope: { id: '99887766' } });
  });
  it.each([
    [{ activityTypeId: 2, activityDate: '2026-03-02T10:14:58Z' }, /marketoGUID/],
    [{ marketoGUID: 'g', activityTypeId: 'two', activityDate: '2026-03-02T10:14:58Z' }, /activityTypeId/],
  ])('cannot normalize %p', (activity, reason) => {
    expect(normalizeActivity(activity, { transport: 'legacy-push', receivedAt })).toMatchObject({ ok: false, reason: expect.stringMatching(reason) });
  });
});
