/**
 * Every I/O event names the registration's client id it was delivered for:
 * `recipientclientid` (current) and/or `recipient_client_id` (deprecated).
 * Each element of a batch is checked; every spelling present must be allowed.
 */
import { rejected, type Outcome } from '../outcome';

const FIELDS = ['recipientclientid', 'recipient_client_id'] as const;

/** undefined when every event is for one of `allowed`; otherwise the 403/500 to answer. */
export function checkRecipients(events: readonly unknown[], allowed: readonly string[]): Outcome | undefined {
  if (allowed.length === 0) {
    return rejected(500, 'config_invalid', 'EVENTS_CLIENT_ID is not set: no delivery can be attributed to this registration');
  }
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as Record<string, unknown>;
    const present = FIELDS.filter((f) => event[f] !== undefined);
    if (present.length === 0) {
      return rejected(403, 'recipient_missing', `event ${i} carries no recipientclientid`);
    }
    for (const field of present) {
      const value = event[field];
      if (typeof value !== 'string' || !allowed.includes(value)) {
        return rejected(403, 'recipient_mismatch', `event ${i} is addressed to another client id (${field})`);
      }
    }
  }
  return undefined;
}
