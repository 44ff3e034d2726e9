/**
 * The Marketo Observability Data Stream: its events are recognised by their type
 * (`com.adobe.platform.marketo.observability.*`) as stream `observability`, whatever
 * receiver the registration points at, routed to OBSERVABILITY_TARGET_ACTION by
 * default and counted under their own stream.
 * Samples: AdobeDocs/adobe-io-events src/pages/guides/using/marketo/marketo-observability-data-stream-setup.md
 * at 70788c13436307dc1be52ee273b2c6de16f636ca ("Event Data Structure Examples"), abridged
 * (the Status sample there has a trailing comma, so it is rebuilt as an object here).
 */
import { main as notification } from '../../actions/notification/index';
import { main as status } from '../../actions/status/index';
import { main as userAudit } from '../../actions/user-audit/index';
import { parseConfig } from '../../src/config';
import { STREAMS, streamOfDelivery } from '../../src/envelope/envelope';
import { normalizeIoEvent } from '../../src/envelope/normalize-io';
import { parseRoutes } from '../../src/delivery/routes';
import { CLIENT_ID, RelayHarness } from '../support/relay-harness';
import { testEnvelope } from '../support/envelope';
import { atDocumentedTime } from '../docs-samples/documented-time';

const sample = (type: 'metrics' | 'results' | 'status', data: Record<string, unknown>) => ({
  id: 'b90382d8-6b23-11ee-b962-0242ac120002',
  specversion: '1.0',
  type: `com.adobe.platform.marketo.observability.${type}`,
  source: 'urn:data_ingestion_service',
  time: '2023-08-14T18:00:00Z',
  datacontenttype: 'application/json',
  data: { munchkinId: '123-ABC-456', ...data },
});
const metrics = sample('metrics', { windowStart: '2023-08-14T17:00:00Z', requests: { received: 3, processed: 1, rejected: { 606: 1, 607: 1 } } });
const results = sample('results', { requests: [{ requestId: 'cf0a1a20-668e-492a-8ec2-ce8747507068', requestTime: '2023-08-14T17:20:00Z', clientId: 'foo@marketo.com', objectType: 'person', priority: 'high', records: { received: 100, created: 90, updated: 10, failed: {} } }] });
const statusEvent = sample('status', { quota: 65432100, queue: { high: { lagSeconds: 15, requestBacklog: 1, recordBacklog: 100 } } });

describe('observability events', () => {
  it.each([
    ['metrics', metrics],
    ['results', results],
    ['status', statusEvent],
  ])('the %s sample is stream observability on any receiver, its type and payload kept', (_n, ce) => {
    for (const receiver of ['notification', 'user-audit', 'lead-activity'] as const) {
      const n = normalizeIoEvent({ ...ce, eventid: 'e-1', recipientclientid: CLIENT_ID }, { receivedAt: '2026-03-02T10:00:00.000Z', stream: receiver });
      expect(n).toMatchObject({ ok: true, envelope: { id: 'e-1', eventid: 'e-1', cloudEventId: ce.id, stream: 'observability', type: ce.type, source: 'urn:data_ingestion_service', time: '2023-08-14T18:00:00.000Z', munchkinId: '123-ABC-456' } });
      expect(n.ok && n.envelope.data).toBe(ce.data);
    }
  });
  it('is a stream: configurable default target, accepted by routes', () => {
    expect(STREAMS).toContain('observability');
    expect(parseConfig({ OBSERVABILITY_TARGET_ACTION: 'ops/mods' })).toMatchObject({ ok: true, config: { targets: { observability: 'ops/mods' } } });
    expect(parseRoutes(JSON.stringify({ routes: [{ name: 'mods', match: { stream: 'observability' }, action: 'ops/mods' }] }))).toMatchObject({ ok: true });
  });
  it('a delivery counts under its events’ stream when they share one, else the receiver’s', () => {
    const obs = testEnvelope('o', { stream: 'observability' });
    expect(streamOfDelivery([obs, obs], 'notification')).toBe('observability');
    expect(streamOfDelivery([obs, testEnvelope('a')], 'notification')).toBe('notification');
    expect(streamOfDelivery([], 'notification')).toBe('notification');
  });

  describe('end to end', () => {
    const h = new RelayHarness();
    beforeAll(() => h.start({ OBSERVABILITY_TARGET_ACTION: 'ops/observability' }));
    afterAll(() => h.stop());
    beforeEach(() => h.reset());
    let afterThis = (): void => undefined;
    afterEach(() => afterThis());
    it('delivered to the notification receiver: forwarded on the observability route and counted as observability', async () => {
      const batch = [metrics, results, statusEvent].map((ce, i) => ({ ...ce, id: `ce-${i}`, eventid: `ev-${i}`, recipientclientid: CLIENT_ID }));
      // the page's 2023 times: delivered today they would rightly be set aside as stale
      const restoreDate = atDocumentedTime(batch);
      afterThis = restoreDate;
      const res = await h.call(notification, h.signed(batch));
      expect(res).toMatchObject({ statusCode: 200, body: { accepted: 3, forwarded: { observability: 3 } } });
      expect(h.invoker.accepted.map((i) => i.action)).toEqual(['ops/observability']);
      expect(h.forwardedIds('observability').sort()).toEqual(['ev-0', 'ev-1', 'ev-2']);
      await h.call(userAudit, h.signed([{ ...metrics, id: 'ce-9', eventid: 'ev-9', recipientclientid: CLIENT_ID }]));
      const report = await h.call(status, { method: 'GET' });
      expect(report.body).toMatchObject({ streams: { observability: { accepted: 4, forwarded: { observability: 4 }, munchkin: { '123-ABC-456': { accepted: 4 } } } } });
      expect((report.body.streams as Record<string, unknown>).notification).toBeUndefined();
    });
  });
});
