/**
 * One Lead Activity → Envelope, whichever transport carried it. The legacy push
 * and the I/O form of the same activity give the same routing fields (id, type,
 * time, munchkinId, activityTypeId, activityType, leadId); each keeps its own
 * payload in `data` exactly as it was sent (the push's numeric leadId, the I/O
 * form's string one), and the I/O form adds what Adobe said about it.
 */
import { activityEventType, standardActivityName } from './activity-types';
import type { Envelope, Transport } from './envelope';
import { integer, text, type Json } from './fields';
import { eventTime, toIsoUtc } from './time';

export const ACTIVITY_SOURCE = 'urn:marketo_activity_stream';

export interface ActivityContext {
  transport: Transport;
  receivedAt: string;
  /** the I/O CloudEvent id, or undefined for the push (then marketoGUID) */
  id?: string;
  /** the I/O Events eventid: the id of last resort of an activity that has no other */
  eventid?: string;
  /** the type Adobe delivered (I/O form); the push has none and gets the documented one */
  type?: string;
  munchkinId?: string;
  source?: string;
  /** the CloudEvent time, used when activityDate is absent or unreadable */
  time?: unknown;
  /** where times without an offset are read (MARKETO_ZONELESS_TIME_ZONE; UTC when absent) */
  zonelessTimeZone?: string;
  /** what the I/O wrapper and CloudEvent said, copied onto the envelope as sent */
  io?: Pick<Envelope, 'eventid' | 'cloudEventId' | 'cloudEventTime' | 'dataschema' | 'deliveryEventId'>;
}

export type Normalized = { ok: true; envelope: Envelope } | { ok: false; reason: string };

export function normalizeActivity(activity: Json, ctx: ActivityContext): Normalized {
  const id = ctx.id ?? text(activity.marketoGUID) ?? text(activity.activityLogItemId) ?? ctx.eventid;
  if (!id) return { ok: false, reason: 'activity has neither marketoGUID nor activityLogItemId' };
  const activityTypeId = integer(activity.activityTypeId);
  if (activityTypeId === undefined) return { ok: false, reason: 'activityTypeId is missing or not an integer' };
  // an unreadable activityDate does not cost the activity: it is kept as timeText and the
  // envelope says which time it carries instead (identity never depends on the time)
  const date = toIsoUtc(activity.activityDate, ctx.zonelessTimeZone);
  const time = date !== undefined ? { time: date } : eventTime([{ value: activity.activityDate }, { value: ctx.time, source: 'cloudevent' }], ctx.receivedAt, ctx.zonelessTimeZone);
  const munchkinId = ctx.munchkinId ?? text(activity.munchkinId);
  const leadId = text(activity.leadId);
  const activityType = text(activity.activityType) ?? standardActivityName(activityTypeId);
  return {
    ok: true,
    envelope: {
      id,
      stream: 'lead-activity',
      type: ctx.type ?? activityEventType(activityTypeId, activityType),
      source: ctx.source ?? ACTIVITY_SOURCE,
      ...time,
      ...(munchkinId !== undefined ? { munchkinId } : {}),
      ...ctx.io,
      transport: ctx.transport,
      receivedAt: ctx.receivedAt,
      activityTypeId,
      ...(activityType !== undefined ? { activityType } : {}),
      ...(leadId !== undefined ? { leadId } : {}),
      // the parsed activity itself, as sent: a batch's activities were parsed for this
      // request alone, so neither a copy nor a change is needed
      data: activity,
    },
  };
}
