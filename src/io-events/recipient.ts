/**
 * Every I/O event names the registration's client id it was delivered for:
 * `recipientclientid` (current) and/or `recipient_client_id` (deprecated),
 * at the element's top level (batch samples, Lead Activity) or inside `event`
 * next to `body` (the User Audit single-event sample). Each element of a batch
 * is checked; every spelling present, wherever it stands, must be allowed.
 */
import { rejected, type Outcome } from '../outcome';

const FIELDS = ['recipientclientid', 'recipient_client_id'] as const;

export interface RecipientPolicy {
  /** false: an element that names no recipient anywhere passes (EVENTS_REQUIRE_RECIPIENT=false) */
  required?: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every recipient field an element carries: `[where, value]`, e.g. `['event.recipientclientid', 'abc']`. */
export function recipientsOf(element: Record<string, unknown>): [string, unknown][] {
  const found: [string, unknown][] = [];
  const places: [string, unknown][] = [['', element], ['event.', element.event]];
  for (const [prefix, place] of places) {
    if (!isRecord(place)) continue;
    for (const field of FIELDS) if (place[field] !== undefined) found.push([prefix + field, place[field]]);
  }
  return found;
}

/** undefined when every event is for one of `allowed`; otherwise the 403/500 to answer. */
export function checkRecipients(events: readonly unknown[], allowed: readonly string[], policy: RecipientPolicy = {}): Outcome | undefined {
  if (allowed.length === 0) {
    return rejected(500, 'config_invalid', 'EVENTS_CLIENT_ID is not set: no delivery can be attributed to this registration');
  }
  const required = policy.required ?? true;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const present = isRecord(event) ? recipientsOf(event) : [];
    if (present.length === 0) {
      if (!required) continue;
      return rejected(403, 'recipient_missing', `event ${i} carries no recipientclientid (top level or inside event); EVENTS_REQUIRE_RECIPIENT=false accepts such events`);
    }
    for (const [where, value] of present) {
      if (typeof value !== 'string' || !allowed.includes(value)) {
        return rejected(403, 'recipient_mismatch', `event ${i} is addressed to another client id (${where})`);
      }
    }
  }
  return undefined;
}
