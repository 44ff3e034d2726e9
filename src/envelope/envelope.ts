/**
 * The one shape every Marketo event takes inside the relay, whatever stream
 * and transport it arrived on. Downstream actions receive arrays of these.
 */
import { jsonDigest } from './fields';
import type { TimeSource } from './time';

export type Stream = 'user-audit' | 'notification' | 'lead-activity' | 'observability';
export const STREAMS: readonly Stream[] = ['user-audit', 'notification', 'lead-activity', 'observability'];
/**
 * The streams with a receiver action of their own. Observability (the Marketo
 * Observability Data Stream) has none: its registration points at an I/O receiver
 * (e.g. notification) and its events are recognised by their type.
 */
export const RECEIVER_STREAMS: readonly Stream[] = ['user-audit', 'notification', 'lead-activity'];

export type Transport = 'io-events' | 'legacy-push' | 'journal';

export interface Envelope {
  /** stable across redeliveries: I/O event id, or the activity's marketoGUID */
  id: string;
  stream: Stream;
  /**
   * The CloudEvent type exactly as Adobe delivered it, e.g. com.adobe.platform.marketo.audit.user.smartcampaign
   * (never recomputed from the payload); the legacy push carries none, so it gets the type the I/O form documents
   */
  type: string;
  /** CloudEvent source (urn:mlm, …); "marketo" for the legacy push */
  source: string;
  /**
   * event time, ISO 8601 UTC: the activityDate of an activity, the CloudEvent time otherwise;
   * when that is missing or unreadable, the next one available, as `timeSource` says
   */
  time: string;
  /** absent: `time` is the event's own; "cloudevent": an activity's CloudEvent time; "received": the receipt time */
  timeSource?: TimeSource;
  /** the event's own time exactly as sent, when it could not be read */
  timeText?: string;
  munchkinId?: string;
  /** I/O Events' id of the delivered event (`eventid`, V1 `event_id`): the id the x-adobe-event-id header repeats */
  eventid?: string;
  /** x-adobe-event-id of a single-event delivery, as received: an unsigned header, kept to find the event by, never its id */
  deliveryEventId?: string;
  /** the CloudEvent's own `id`, when it has one (I/O Lead Activity: distinct from `eventid`) */
  cloudEventId?: string;
  /** the CloudEvent's `time` as sent (for activities `time` is the activityDate; this is the stream's time beside it) */
  cloudEventTime?: string;
  /** the CloudEvent's `dataschema` as sent (User Audit: "V1.0" / "V2.0") */
  dataschema?: string;
  /** the acting user: `userId` (V2, and a Notification's eventAction), else V1's numeric `user` as text */
  userId?: string;
  transport: Transport;
  /** when the relay received it, ISO 8601 UTC */
  receivedAt: string;
  /** routing fields lifted out of `data` (absent when the shape has none) */
  componentType?: string;
  /** string form: objects (Notification) are JSON-encoded */
  eventAction?: string;
  subType?: string;
  activityTypeId?: number;
  activityType?: string;
  leadId?: string;
  /**
   * With the instance's activity catalog (src/catalog): the activity's attributes keyed by name,
   * values converted by their data type; `data.attributes` keeps the list as sent
   */
  attributes?: Record<string, unknown>;
  /** with the catalog: the name of the activity type's primary attribute (its value: `attributes[primaryAttribute]`) */
  primaryAttribute?: string;
  /** the event's own payload exactly as sent: never copied, never completed */
  data: Record<string, unknown>;
}

/** What is known about the request that carried a batch of envelopes. */
export interface DeliveryMeta {
  stream: Stream;
  transport: Transport;
  /** x-adobe-delivery-id, or the push messageId, or a generated id */
  deliveryId: string;
  retryCount?: number;
  /** legacy push: the batch's messageId */
  messageId?: string;
}

export const isStream = (v: unknown): v is Stream => typeof v === 'string' && (STREAMS as readonly string[]).includes(v);

/**
 * What an event says, as a digest: its type and payload as sent. Two envelopes with one
 * id and one digest are the same event delivered twice; one id with two digests is a
 * collision (two events, one id), which must not be counted as a duplicate. Costs a
 * serialization: meant for the rare ids seen twice, not for every event.
 */
export const eventDigest = (e: Pick<Envelope, 'type' | 'data'>): string => jsonDigest([e.type, e.data]);

/** The stream a delivery's events belong to: theirs when they all share one, else the receiver's. */
export function streamOfDelivery(envelopes: readonly Envelope[], receiver: Stream): Stream {
  const first = envelopes[0]?.stream;
  return first !== undefined && envelopes.every((e) => e.stream === first) ? first : receiver;
}
