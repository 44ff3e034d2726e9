/**
 * Sample events for the route tester, from the traffic generator that `npm
 * start`'s simulated Marketo and the tests use (dev/traffic/events.ts): one
 * source of realistic payloads, never a copy.
 */
import { auditEvent, ioActivityEvent, legacyActivity, legacyPush, notificationEvent } from '../../dev/traffic/events';
import { seeded } from '../../dev/traffic/rng';
import type { StreamName } from './api';

export interface Sample {
  key: string;
  label: string;
  stream: StreamName;
  make: () => unknown;
}

const rng = seeded(Date.now() % 2 ** 31);
const clientId = 'your-client-id';

export const SAMPLES: Sample[] = [
  { key: 'audit-v2', label: 'User Audit event (V2)', stream: 'user-audit', make: () => auditEvent(rng, { clientId, version: 'V2' }) },
  { key: 'audit-v1', label: 'User Audit event (V1)', stream: 'user-audit', make: () => auditEvent(rng, { clientId, version: 'V1' }) },
  { key: 'notification-abort', label: 'Notification: campaign abort', stream: 'notification', make: () => notificationEvent(rng, { clientId, kind: 'campaign_abort' }) },
  { key: 'notification-failure', label: 'Notification: campaign failure', stream: 'notification', make: () => notificationEvent(rng, { clientId, kind: 'campaign_failure' }) },
  { key: 'notification-web-services', label: 'Notification: web services', stream: 'notification', make: () => notificationEvent(rng, { clientId, kind: 'web_services' }) },
  { key: 'activity-io', label: 'Lead activity (I/O Events form)', stream: 'lead-activity', make: () => ioActivityEvent(rng, legacyActivity(rng), { clientId }) },
  { key: 'activity-push', label: 'Lead activities (legacy push, 3)', stream: 'lead-activity', make: () => legacyPush(rng, 3) },
];
