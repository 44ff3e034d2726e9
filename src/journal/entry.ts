/**
 * A Journaling API entry → the element its live delivery carries, so that both
 * normalize to the same envelope id and overlap between catch-up and live
 * delivery really is skipped by idempotency.
 *
 * The Journaling API documents an entry as `{ position, event: { header, body } }`
 * (journaling-api.md, sdk-journaling.md); the webhook delivers the body wrapped as
 * the stream delivers it — `{ eventid, event: { body }, recipientclientid }` for
 * User Audit and Notification, a flat CloudEvent with `eventid` for Lead Activity
 * — and the LADS migration page recovers events by re-posting an entry's `event`
 * as-is. So:
 *  - an entry whose `event` is not in the `{ header, body }` form is taken as the
 *    delivered element itself;
 *  - in the `{ header, body }` form, a body that is itself a delivered element is
 *    used as-is; a bare CloudEvent body gets the delivery's event id from the header
 *    (`eventid` / `event_id` / `eventId` / `x-adobe-event-id`, at the top level or
 *    under `_adobeio`) the way the live element carries it. No Marketo journal page
 *    is published, so where the id stands in `header` is read leniently.
 */
import { isObject, text, type Json } from '../envelope/fields';

const ID_FIELDS = ['eventid', 'event_id', 'eventId', 'x-adobe-event-id'] as const;

/** A delivered element names its event id or wraps its CloudEvent in `event`; a bare CloudEvent does neither. */
const isDeliveredElement = (v: Json): boolean => v.eventid !== undefined || v.event_id !== undefined || isObject(v.event);

function headerEventId(header: unknown): string | undefined {
  if (!isObject(header)) return undefined;
  for (const place of [header, header._adobeio]) {
    if (!isObject(place)) continue;
    for (const f of ID_FIELDS) {
      const id = text(place[f]);
      if (id) return id;
    }
  }
  return undefined;
}

/** The element to normalize for one journal entry, or undefined when the entry holds no event object. */
export function elementOfJournalEntry(entry: unknown): Json | undefined {
  if (!isObject(entry) || !isObject(entry.event)) return undefined;
  const event = entry.event;
  const wrapped = 'body' in event || 'header' in event;
  if (!wrapped) return event;
  if (!isObject(event.body)) return undefined;
  const body = event.body;
  if (isDeliveredElement(body)) return body;
  const eventid = headerEventId(event.header);
  // a CloudEvent body: Lead Activity delivers it flat, the other streams inside `event.body`
  const flat = typeof body.type === 'string' && body.type.toLowerCase().startsWith('com.adobe.platform.marketo.activity.');
  const element: Json = flat ? { ...body } : { event: { body } };
  if (eventid) element.eventid = eventid;
  return element;
}
