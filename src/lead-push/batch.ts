/**
 * The legacy Lead Activity push body:
 * `{ sourceApplication, munchkinId, messageId, messageCreatedDate, activities: [...] }`.
 * One odd activity must not cost the batch (three failed answers pause the
 * whole stream): what cannot be normalized is set aside with its reason for
 * the dead-letter store, and the rest proceed.
 */
import type { DeliveryMeta } from '../envelope/envelope';
import { normalizeActivity } from '../envelope/activity';
import { isObject, text, type Json } from '../envelope/fields';
import { MUNCHKIN_ID } from '../envelope/munchkin';
import type { Received } from '../io-events/receive';
import { rejected, ok, stop, type Step } from '../outcome';

export const MAX_ACTIVITIES = 5000;

/**
 * The most bytes a push's batch munchkinId may add to its envelopes when it is not of
 * Marketo's shape: the id is copied into every activity's envelope, so a 300,000-character
 * id on 5,000 activities (a 1 MB body) would become 1.5 GB of invocation params. Marketo's
 * own ids (11 characters) add at most 55 KB; past this bound the push is kept whole as one
 * dead letter instead of being multiplied (16 × the body limit: a few long ids still go through).
 */
export const MAX_COPIED_MUNCHKIN_BYTES = 16 * 1024 * 1024;

export interface PushBatch {
  munchkinId?: string;
  messageId?: string;
  activities: unknown[];
}

export function parsePushBatch(body: unknown): Step<PushBatch> {
  if (!isObject(body)) return stop(rejected(400, 'batch_invalid', 'the push body must be a JSON object with an activities array'));
  if (!Array.isArray(body.activities)) return stop(rejected(400, 'activities_missing', 'the push body has no activities array'));
  if (body.activities.length > MAX_ACTIVITIES) {
    return stop(rejected(413, 'batch_too_large', `a push may hold at most ${MAX_ACTIVITIES} activities; this one has ${body.activities.length}`));
  }
  return ok({ munchkinId: text(body.munchkinId), messageId: text(body.messageId), activities: body.activities });
}

/** Normalizes every activity of the batch; the unusable ones are kept whole with their reason. */
export function normalizePushBatch(batch: PushBatch, meta: DeliveryMeta, now: number, zonelessTimeZone?: string): Received {
  const receivedAt = new Date(now).toISOString();
  const received: Received = { meta, envelopes: [], unusable: [] };
  const id = batch.munchkinId;
  if (id !== undefined && !MUNCHKIN_ID.test(id) && id.length * batch.activities.length > MAX_COPIED_MUNCHKIN_BYTES) {
    const whole = { munchkinId: id, ...(batch.messageId !== undefined ? { messageId: batch.messageId } : {}), activities: batch.activities } as Json;
    const reason = `munchkin_amplified: a munchkinId of ${id.length} characters, not Marketo's XXX-XXX-XXX, copied into each of ${batch.activities.length} activities would exceed ${MAX_COPIED_MUNCHKIN_BYTES} bytes; the push is kept whole`;
    received.unusable.push({ element: whole, reason });
    return received;
  }
  for (const activity of batch.activities) {
    if (!isObject(activity)) {
      received.unusable.push({ element: { value: activity as Json[keyof Json] }, reason: 'activity is not a JSON object' });
      continue;
    }
    const n = normalizeActivity(activity, { transport: 'legacy-push', receivedAt, munchkinId: batch.munchkinId, zonelessTimeZone });
    if (n.ok) received.envelopes.push(n.envelope);
    else received.unusable.push({ element: activity, reason: n.reason });
  }
  return received;
}
