/**
 * Adobe I/O Events payloads → Envelopes. Shapes accepted:
 *  - wrapped (User Audit, Notification): `{ eventid | event_id, event: { body: CloudEvent } | CloudEvent (V1), recipientclientid … }`
 *  - flat CloudEvent (I/O Lead Activity): `{ specversion, type, source, id, time, data, … }`
 * Old and new field names, V1 (`data.user`) and V2 (`data.userId`), unknown types
 * and extra fields all pass; the event's own payload is kept unchanged in `data`.
 */
import { createHash } from 'node:crypto';
import { ACTIVITY_TYPE_PREFIX } from './activity-types';
import { normalizeActivity, type Normalized } from './activity';
import type { Envelope, Stream } from './envelope';
import { isObject, stringForm, text, type Json } from './fields';
import { toIsoUtc } from './time';

export interface IoContext {
  receivedAt: string;
  /** the receiver's stream, used when the type does not say */
  stream: Stream;
  /** x-adobe-event-id, trusted only for a single-event delivery */
  headerEventId?: string;
  transport?: 'io-events' | 'journal';
}

export function streamOfType(type: string | undefined, fallback: Stream): Stream {
  const t = type?.toLowerCase() ?? '';
  if (t.startsWith(ACTIVITY_TYPE_PREFIX)) return 'lead-activity';
  if (t.startsWith('com.adobe.platform.marketo.notification.')) return 'notification';
  if (t.startsWith('com.adobe.platform.marketo.audit.')) return 'user-audit';
  return fallback;
}

/** The CloudEvent inside a delivered element: `event.body` (V2), `event` (V1), or the element itself. */
export function cloudEventOf(element: Json): Json {
  const event = element.event;
  if (isObject(event)) return isObject(event.body) ? event.body : event;
  return element;
}

/** A stable id for an event that carries none: the hash of its content. */
const contentId = (element: Json): string =>
  `sha256-${createHash('sha256').update(JSON.stringify(element)).digest('base64url').slice(0, 32)}`;

export function normalizeIoEvent(element: Json, ctx: IoContext): Normalized {
  const ce = cloudEventOf(element);
  const type = text(ce.type) ?? 'unknown';
  const stream = streamOfType(type, ctx.stream);
  const data = isObject(ce.data) ? ce.data : {};
  const transport = ctx.transport ?? 'io-events';
  if (stream === 'lead-activity') {
    return normalizeActivity(data, { transport, receivedAt: ctx.receivedAt, id: text(ce.id), source: text(ce.source), time: ce.time });
  }
  const id = text(element.eventid) ?? text(element.event_id) ?? text(ce.id) ?? ctx.headerEventId ?? contentId(element);
  const envelope: Envelope = {
    id,
    stream,
    type,
    source: text(ce.source) ?? 'unknown',
    time: toIsoUtc(ce.time) ?? ctx.receivedAt,
    transport,
    receivedAt: ctx.receivedAt,
    data,
  };
  const munchkinId = text(data.munchkinId);
  const componentType = text(data.componentType);
  const eventAction = stringForm(data.eventAction);
  const subType = text(data.subType);
  if (munchkinId) envelope.munchkinId = munchkinId;
  if (componentType) envelope.componentType = componentType;
  if (eventAction) envelope.eventAction = eventAction;
  if (subType) envelope.subType = subType;
  return { ok: true, envelope };
}
