/**
 * Adobe I/O Events payloads → Envelopes. Shapes accepted:
 *  - wrapped (User Audit, Notification): `{ eventid | event_id, event: { body: CloudEvent } | CloudEvent (V1), recipientclientid … }`
 *  - flat CloudEvent (I/O Lead Activity): `{ eventid, specversion, type, source, id, time, data, … }`
 * Old and new field names, V1 (`data.user`) and V2 (`data.userId`), unknown types
 * and extra fields all pass; the event's own payload is kept unchanged in `data`,
 * and what Adobe says about it (eventid, CloudEvent id, time, type, dataschema) is kept as sent.
 */
import { ACTIVITY_TYPE_PREFIX } from './activity-types';
import { normalizeActivity, type Normalized } from './activity';
import type { Envelope, Stream } from './envelope';
import { isObject, jsonDigest, stringForm, text, type Json } from './fields';
import { eventTime } from './time';

export interface IoContext {
  receivedAt: string;
  /** the receiver's stream, used when the type does not say */
  stream: Stream;
  /**
   * x-adobe-event-id of a single-event delivery: an unsigned header, so it is kept
   * on the envelope (`deliveryEventId`) and logged, but never decides the id
   */
  headerEventId?: string;
  transport?: 'io-events' | 'journal';
  /** where times without an offset are read (MARKETO_ZONELESS_TIME_ZONE; UTC when absent) */
  zonelessTimeZone?: string;
}

/** marketo-observability-data-stream-setup.md: …observability.metrics, .results, .status */
export const OBSERVABILITY_TYPE_PREFIX = 'com.adobe.platform.marketo.observability.';

export function streamOfType(type: string | undefined, fallback: Stream): Stream {
  const t = type?.toLowerCase() ?? '';
  if (t.startsWith(ACTIVITY_TYPE_PREFIX)) return 'lead-activity';
  if (t.startsWith('com.adobe.platform.marketo.notification.')) return 'notification';
  if (t.startsWith('com.adobe.platform.marketo.audit.')) return 'user-audit';
  if (t.startsWith(OBSERVABILITY_TYPE_PREFIX)) return 'observability';
  return fallback;
}

/** The CloudEvent inside a delivered element: `event.body` (V2), `event` (V1), or the element itself. */
export function cloudEventOf(element: Json): Json {
  const event = element.event;
  if (isObject(event)) return isObject(event.body) ? event.body : event;
  return element;
}

/**
 * A stable id for an event that carries none, from the signed body alone: the hash of
 * the CloudEvent's canonical bytes (its JSON as parsed, keys in the order sent). The
 * CloudEvent, not the delivered element: a journal entry and a live delivery wrap the
 * same CloudEvent differently (recipient, header) and must get the same id.
 */
const contentId = (ce: Json): string => `sha256-${jsonDigest(ce)}`;

/** The acting user: V2 `userId`, a Notification's `eventAction.userId`, else V1's numeric `user`. */
const actingUser = (data: Json): string | undefined =>
  text(data.userId) ?? (isObject(data.eventAction) ? text(data.eventAction.userId) : undefined) ?? text(data.user);

export type IoFields = Pick<Envelope, 'eventid' | 'cloudEventId' | 'cloudEventTime' | 'dataschema' | 'deliveryEventId'>;

/** What the I/O wrapper and the CloudEvent say about an event, as sent (absent fields stay absent). */
function ioFields(element: Json, ce: Json): IoFields {
  const eventid = text(element.eventid) ?? text(element.event_id);
  const cloudEventId = text(ce.id);
  const cloudEventTime = text(ce.time);
  const dataschema = text(ce.dataschema);
  return {
    ...(eventid !== undefined ? { eventid } : {}),
    ...(cloudEventId !== undefined ? { cloudEventId } : {}),
    ...(cloudEventTime !== undefined ? { cloudEventTime } : {}),
    ...(dataschema !== undefined ? { dataschema } : {}),
  };
}

export function normalizeIoEvent(element: Json, ctx: IoContext): Normalized {
  const ce = cloudEventOf(element);
  const type = text(ce.type) ?? 'unknown';
  const stream = streamOfType(type, ctx.stream);
  const data = isObject(ce.data) ? ce.data : {};
  const transport = ctx.transport ?? 'io-events';
  const io = { ...ioFields(element, ce), ...(ctx.headerEventId !== undefined ? { deliveryEventId: ctx.headerEventId } : {}) };
  if (stream === 'lead-activity') {
    return normalizeActivity(data, { transport, receivedAt: ctx.receivedAt, id: io.cloudEventId, eventid: io.eventid, type, source: text(ce.source), time: ce.time, io, zonelessTimeZone: ctx.zonelessTimeZone });
  }
  const id = io.eventid ?? io.cloudEventId ?? contentId(ce);
  const envelope: Envelope = {
    id,
    stream,
    type,
    source: text(ce.source) ?? 'unknown',
    ...eventTime([{ value: ce.time }], ctx.receivedAt, ctx.zonelessTimeZone),
    ...io,
    transport,
    receivedAt: ctx.receivedAt,
    data,
  };
  const munchkinId = text(data.munchkinId);
  const componentType = text(data.componentType);
  const eventAction = stringForm(data.eventAction);
  const subType = text(data.subType);
  const userId = actingUser(data);
  if (munchkinId) envelope.munchkinId = munchkinId;
  if (componentType) envelope.componentType = componentType;
  if (eventAction) envelope.eventAction = eventAction;
  if (subType) envelope.subType = subType;
  if (userId) envelope.userId = userId;
  return { ok: true, envelope };
}
