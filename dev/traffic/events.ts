/**
 * Realistic Marketo data-stream payloads (shapes from Adobe's docs; values
 * invented): User Audit V1 and V2, the three Notification types, Lead
 * Activities in their legacy-push and I/O forms. One source of fake traffic for
 * the simulator, the tests and the benchmarks.
 */
import { int, pick, uuid, type Rng } from './rng';

export const MUNCHKIN_IDS = ['111-AAA-222', '333-BBB-444'] as const;

const COMPONENTS: [string, string[]][] = [
  ['Email', ['create', 'clone', 'delete', 'approve', 'unapprove', 'modify', 'rename']],
  ['Landing Page', ['approve', 'create', 'delete', 'draftDiscard', 'modify']],
  ['Smart Campaign', ['abort', 'activate', 'clone', 'create', 'deactivate', 'modify schedule campaign']],
  ['Email Batch Program', ['approve', 'create', 'modify program token', 'rename']],
  ['Folder', ['create', 'delete', 'rename']],
  ['Form', ['approve', 'clone', 'create', 'draftCreate']],
  ['Smart List', ['clone', 'create', 'export', 'modify smart list setup']],
  ['Snippet', ['approve', 'approve without draft', 'create']],
  ['Login', ['login success', 'login failure']],
  ['User', ['create', 'modify', 'delete']],
  ['Role', ['create', 'modify', 'delete']],
  ['Segmentation', ['approve', 'create', 'draftCreated']],
];
const SOURCES = ['urn:mlm', 'urn:userservice', 'urn:asset_api'];

export interface EventOptions {
  clientId: string;
  munchkinId?: string;
  time?: Date;
}

/** Marketo's zone-less audit time, e.g. "2026-03-02 10:20:42.755" (UTC). */
export const zonelessTime = (d: Date): string => d.toISOString().replace('T', ' ').replace('Z', '');

export function auditEvent(rng: Rng, o: EventOptions & { version?: 'V1' | 'V2'; component?: string }): Record<string, unknown> {
  const [component, actions] = o.component ? COMPONENTS.find(([c]) => c === o.component) ?? [o.component, ['modify']] : pick(rng, COMPONENTS);
  const time = o.time ?? new Date();
  const munchkinId = o.munchkinId ?? pick(rng, MUNCHKIN_IDS);
  const type = `com.adobe.platform.marketo.audit.user.${component.toLowerCase().replace(/\s+/g, '')}`;
  const base = { componentId: int(rng, 1000, 99999), componentType: component, eventAction: pick(rng, actions), munchkinId, imsOrgId: 'ABC123@AdobeOrg' };
  if (o.version === 'V1') {
    return {
      event_id: uuid(rng),
      event: { specversion: '1.0', id: uuid(rng), type, source: pick(rng, SOURCES), time: time.toISOString(), datacontenttype: 'application/json', dataschema: 'V1.0', data: { ...base, user: int(rng, 1, 5000) } },
      recipient_client_id: o.clientId,
    };
  }
  return {
    eventid: uuid(rng),
    event: { body: { specversion: '1.0', type, source: pick(rng, SOURCES), time: zonelessTime(time), datacontenttype: 'application/json', dataschema: 'V2.0', data: { ...base, userId: `user${int(rng, 1, 99)}@example.com` } } },
    recipientclientid: o.clientId,
    recipient_client_id: o.clientId,
  };
}

export type NotificationKind = 'campaign_abort' | 'campaign_failure' | 'web_services';
export const NOTIFICATION_KINDS: readonly NotificationKind[] = ['campaign_abort', 'campaign_failure', 'web_services'];

export function notificationEvent(rng: Rng, o: EventOptions & { kind?: NotificationKind }): Record<string, unknown> {
  const kind = o.kind ?? pick(rng, NOTIFICATION_KINDS);
  const data =
    kind === 'web_services'
      ? { componentType: 'web_services', subType: 'daily_quota', eventAction: { dailyQuota: 50000, percent: pick(rng, [80, 90, 100]), serviceNames: ['REST'] } }
      : { componentType: kind, subType: 'smart_campaign', eventAction: { campaignId: int(rng, 1000, 9999), userId: 'ops@example.com' } };
  return {
    eventid: uuid(rng),
    event: { body: { specversion: '1.0', type: `com.adobe.platform.marketo.notification.${kind}`, source: 'urn:mlm', time: (o.time ?? new Date()).toISOString(), datacontenttype: 'application/json', data: { ...data, munchkinId: o.munchkinId ?? pick(rng, MUNCHKIN_IDS) } } },
    recipientclientid: o.clientId,
  };
}

const ACTIVITY_TYPES: [number, string, string][] = [
  [1, 'Visit Webpage', 'Webpage ID'],
  [2, 'Fill Out Form', 'Webform ID'],
  [6, 'Send Email', 'Mailing ID'],
  [7, 'Email Delivered', 'Mailing ID'],
  [10, 'Open Email', 'Mailing ID'],
  [11, 'Click Email', 'Mailing ID'],
  [12, 'New Lead', 'List ID'],
  [13, 'Change Data Value', 'Attribute Name'],
  [22, 'Change Score', 'Score'],
  [100001, 'Attended Booth', 'Booth ID'],
];

/**
 * The simulated instances' custom activity types, as their catalog defines them
 * (the Marketo REST stand-in, dev/traffic/marketo-rest.ts, serves these). A custom
 * activity arrives with its bare id: no `activityType` name, attributes as `{name, value}`.
 */
export const CUSTOM_ACTIVITY_TYPES = [
  {
    id: 100001,
    name: 'Attended Booth',
    description: 'Visited the booth at an event',
    primaryAttribute: { name: 'Booth ID', dataType: 'integer' },
    attributes: [
      { name: 'Visited At', dataType: 'datetime' },
      { name: 'Badge Scanned', dataType: 'boolean' },
      { name: 'Minutes', dataType: 'float' },
      { name: 'Product', dataType: 'string' },
    ],
  },
  {
    id: 100002,
    name: 'Purchased Product',
    description: 'Bought a product in the web shop',
    primaryAttribute: { name: 'Product', dataType: 'string' },
    attributes: [
      { name: 'Quantity', dataType: 'integer' },
      { name: 'Price', dataType: 'float' },
      { name: 'Purchased At', dataType: 'datetime' },
      { name: 'Gift', dataType: 'boolean' },
    ],
  },
] as const;

const PRODUCTS = ['X200 Scanner', 'X300 Scanner', 'Y1 Label Printer', 'Z9 Tablet'];

/** One activity in the legacy-push form (leadId a number). */
export function legacyActivity(rng: Rng, o: { time?: Date; typeId?: number } = {}): Record<string, unknown> {
  const [typeId, name, primary] = o.typeId ? ACTIVITY_TYPES.find(([id]) => id === o.typeId) ?? [o.typeId, `Custom ${o.typeId}`, 'Value'] : pick(rng, ACTIVITY_TYPES);
  const activityDate = (o.time ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const base = { marketoGUID: uuid(rng), leadId: int(rng, 1, 2_000_000), activityDate, activityTypeId: typeId };
  const custom = CUSTOM_ACTIVITY_TYPES.find((t) => t.id === typeId);
  // drawn in the order the standard form always drew them, so seeded traffic stays what it was
  const [logItem, valueId, value, objectValue, a, b] = [int(rng, 1, 2 ** 31), int(rng, 1, 9999), int(rng, 1, 999), int(rng, 1, 9999), int(rng, 1, 254), int(rng, 1, 999)];
  if (custom) {
    // the values as Marketo writes them in a push: every one a string, times without a zone
    const product = PRODUCTS[value % PRODUCTS.length];
    const when = activityDate.replace('T', ' ').replace('Z', '');
    const attributes =
      custom.id === 100001
        ? [{ name: 'Visited At', value: when }, { name: 'Badge Scanned', value: a % 2 ? 'true' : 'false' }, { name: 'Minutes', value: `${a % 60}.5` }, { name: 'Product', value: product }]
        : [{ name: 'Quantity', value: String(1 + (a % 5)) }, { name: 'Price', value: `${b}.99` }, { name: 'Purchased At', value: when }, { name: 'Gift', value: a % 3 ? 'false' : 'true' }];
    return { ...base, activityLogItemId: logItem, primaryAttributeValueId: valueId, primaryAttributeValue: custom.id === 100001 ? `Booth ${valueId}` : product, attributes };
  }
  return {
    ...base,
    activityType: name,
    activityLogItemId: logItem,
    primaryAttributeValueId: valueId,
    primaryAttributeValue: `${primary} ${value}`,
    attributes: [
      { name: primary, dataType: 'object', value: objectValue },
      { name: 'Client IP Address', dataType: 'string', value: `203.0.113.${a}` },
      { name: 'User Agent', dataType: 'string', value: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36' },
      { name: 'Referrer URL', dataType: 'string', value: `https://www.example.com/landing/${b}?utm_source=newsletter&utm_campaign=${int(rng, 1, 99)}` },
    ],
  };
}

/** A legacy Lead Activity push batch. */
export function legacyPush(rng: Rng, count: number, o: { munchkinId?: string; messageId?: string; time?: Date } = {}): Record<string, unknown> {
  const time = o.time ?? new Date();
  return {
    sourceApplication: 'Marketo',
    munchkinId: o.munchkinId ?? pick(rng, MUNCHKIN_IDS),
    messageId: o.messageId ?? String(int(rng, 1, 99_999_999)),
    messageCreatedDate: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    activities: Array.from({ length: count }, () => legacyActivity(rng, { time })),
  };
}

/** The I/O Events form of a legacy activity: a flat CloudEvent, id = marketoGUID, leadId a string. */
export function ioActivityEvent(rng: Rng, activity: Record<string, unknown>, o: EventOptions): Record<string, unknown> {
  const typeId = activity.activityTypeId as number;
  const name = String(activity.activityType ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
  const { marketoGUID, ...rest } = activity;
  return {
    eventid: uuid(rng),
    specversion: '1.0',
    type: typeId >= 100000 ? 'com.adobe.platform.marketo.activity.custom' : `com.adobe.platform.marketo.activity.standard.${name}`,
    source: 'urn:marketo_activity_stream',
    id: marketoGUID,
    time: activity.activityDate,
    datacontenttype: 'application/json',
    data: { ...rest, munchkinId: o.munchkinId ?? pick(rng, MUNCHKIN_IDS), leadId: String(activity.leadId) },
    recipientclientid: o.clientId,
  };
}
