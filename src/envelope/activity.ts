/**
 * One Lead Activity → Envelope, whichever transport carried it. The legacy push
 * and the I/O form of the same activity produce the same envelope apart from
 * `transport` (and `receivedAt`): same id (the marketoGUID), type, time and data.
 * The activity object becomes the envelope's `data` (completed in place).
 */
import { activityEventType } from './activity-types';
import type { Envelope, Transport } from './envelope';
import { integer, text, type Json } from './fields';
import { toIsoUtc } from './time';

export const ACTIVITY_SOURCE = 'urn:marketo_activity_stream';

export interface ActivityContext {
  transport: Transport;
  receivedAt: string;
  /** the I/O CloudEvent id, or undefined for the push (then marketoGUID) */
  id?: string;
  munchkinId?: string;
  source?: string;
  /** the CloudEvent time, used when activityDate is absent */
  time?: unknown;
}

export type Normalized = { ok: true; envelope: Envelope } | { ok: false; reason: string };

export function normalizeActivity(activity: Json, ctx: ActivityContext): Normalized {
  const id = ctx.id ?? text(activity.marketoGUID) ?? text(activity.activityLogItemId);
  if (!id) return { ok: false, reason: 'activity has neither marketoGUID nor activityLogItemId' };
  const activityTypeId = integer(activity.activityTypeId);
  if (activityTypeId === undefined) return { ok: false, reason: 'activityTypeId is missing or not an integer' };
  const rawTime = activity.activityDate ?? ctx.time;
  const time = toIsoUtc(rawTime);
  if (!time) return { ok: false, reason: 'activityDate is missing or not a date' };
  const munchkinId = ctx.munchkinId ?? text(activity.munchkinId);
  const leadId = text(activity.leadId);
  const activityType = text(activity.activityType);
  // `data` is the parsed activity itself, completed in place: a batch's activities were
  // parsed for this request alone, and a copy of each would double what a push allocates
  const data = activity;
  data.marketoGUID = text(activity.marketoGUID) ?? id;
  if (munchkinId !== undefined) data.munchkinId = munchkinId;
  if (leadId !== undefined) data.leadId = leadId;
  return {
    ok: true,
    envelope: {
      id,
      stream: 'lead-activity',
      type: activityEventType(activityTypeId, activityType),
      source: ctx.source ?? ACTIVITY_SOURCE,
      time,
      ...(munchkinId !== undefined ? { munchkinId } : {}),
      transport: ctx.transport,
      receivedAt: ctx.receivedAt,
      activityTypeId,
      ...(activityType !== undefined ? { activityType } : {}),
      ...(leadId !== undefined ? { leadId } : {}),
      data,
    },
  };
}
