/**
 * Events for the chat destinations' tests: Adobe's documented Notification and
 * Observability samples (test/fixtures/adobe-docs) normalized as the receivers
 * normalize them, a storm of campaign failures, and arbitrary events whose
 * payloads hide secret-looking values in fields no template chooses.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Envelope } from '../../src/envelope/envelope';
import { normalizeIoEvent } from '../../src/envelope/normalize-io';
import type { DestinationBatch } from '../../src/destinations/destination';

type Sample = { name: string; json?: unknown; repaired?: { json: unknown } };
const RECEIVED = '2026-12-08T00:00:00.000Z';

function sample(file: string, n: number): unknown {
  const f = JSON.parse(readFileSync(join(__dirname, '../fixtures/adobe-docs', `${file}.json`), 'utf8')) as { samples: Sample[] };
  const s = f.samples.find((x) => x.name.startsWith(`${file}#${n} `))!;
  return s.json ?? s.repaired!.json;
}

const normalized = (element: unknown): Envelope => {
  const n = normalizeIoEvent(element as Record<string, unknown>, { receivedAt: RECEIVED, stream: 'notification' });
  if (!n.ok) throw new Error(n.reason);
  return n.envelope;
};

/** web_services quota, campaign_failure (notification#7), campaign_abort (#8), an Observability status (#7) and metrics (#2). */
export function documentedEvents(): Envelope[] {
  return [...(sample('io-events-notification', 7) as unknown[]), sample('io-events-notification', 8), sample('io-events-observability', 7), sample('io-events-observability', 2)].map(normalized);
}

/** `n` campaign failures over a few campaigns (notification#7's failure, each its own id). */
export function failureStorm(n: number): Envelope[] {
  const failure = documentedEvents()[1];
  return Array.from({ length: n }, (_, i) => ({
    ...failure,
    id: `storm-${i}`,
    userId: `user${i % 7}@example.com`,
    data: { ...failure.data, eventAction: { campaignId: 1000 + (i % 3), userId: `user${i % 7}@example.com` } },
  }));
}

export const batchOf = (events: Envelope[], route = 'campaign-failures'): DestinationBatch => ({ route, events, batchId: `batch-${events.length}-${events[0]?.id ?? ''}` });

/** A value no template may show: a marker and random letters (never produced by the visible fields' arbitraries). */
export const secretArb = fc.stringMatching(/^[a-z0-9]{12,24}$/).map((s) => `SECRET${s}`);
const visibleArb = fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('<!channel>', '<@U123>', '<https://evil.example|click>', '**bold** [x](https://e.example)', '&amp; & < >', '\u0000\n\t\u2028')).filter((s) => !s.includes('SECRET'));
const typeArb = fc.oneof(
  fc.constantFrom('campaign_abort', 'campaign_failure', 'web_services').map((t) => `com.adobe.platform.marketo.notification.${t}`),
  fc.constantFrom('com.adobe.platform.marketo.observability.status', 'com.adobe.platform.marketo.observability.metrics', 'com.adobe.platform.marketo.activity.standard.fillOutForm'),
  visibleArb,
);

/** An event with chosen fields of any content and secrets in every field no template shows (payload, eventAction, attributes). */
export const eventArb: fc.Arbitrary<{ event: Envelope; secrets: string[] }> = fc
  .record({
    id: visibleArb,
    type: typeArb,
    munchkinId: visibleArb,
    campaignId: fc.oneof(visibleArb, fc.integer()),
    userId: visibleArb,
    quota: fc.oneof(fc.integer(), visibleArb),
    lag: fc.oneof(fc.integer(), visibleArb),
    secrets: fc.array(secretArb, { minLength: 4, maxLength: 4 }),
  })
  .map(({ id, type, munchkinId, campaignId, userId, quota, lag, secrets }) => {
    const [inPayload, inAction, inAttributes, nested] = secrets;
    const event: Envelope = {
      id,
      stream: type.includes('observability') ? 'observability' : 'notification',
      type,
      source: 'urn:mlm',
      time: '2026-12-08T00:00:00Z',
      transport: 'io-events',
      receivedAt: RECEIVED,
      munchkinId,
      userId,
      eventAction: JSON.stringify({ campaignId, userId, apiToken: inAction }),
      attributes: { password: inAttributes },
      data: {
        munchkinId,
        clientSecret: inPayload,
        eventAction: { campaignId, userId, apiToken: inAction, dailyQuota: quota, percent: quota, serviceNames: [userId] },
        quota,
        queue: { high: { lagSeconds: lag, requestBacklog: quota, recordBacklog: quota, token: nested }, normal: { lagSeconds: lag } },
        nested: { authorization: `Bearer ${nested}` },
      },
    };
    return { event, secrets };
  });
