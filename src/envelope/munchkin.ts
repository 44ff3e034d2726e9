/**
 * A Marketo instance's Munchkin id: its account id, `XXX-XXX-XXX` (Marketo's examples:
 * `123-ABC-456`; Experience League writes it as the `XXX-XXX-XXX` of the console's URL,
 * and it is the first label of the instance's REST host, `<munchkinId>.mktorest.com`).
 * The case does not matter (host names), so an id is upper-cased where it names an instance.
 *
 * In a request it is sender data: an event is forwarded with its munchkinId exactly as
 * sent, but only an id of this shape names an instance where the relay counts or looks
 * things up by instance (status counters, the console's series, the activity catalog);
 * anything else — a 600,000-character string, `__proto__`, a control character — is
 * counted under the one bucket INVALID_MUNCHKIN and never becomes a key.
 */
export const MUNCHKIN_ID = /^[A-Za-z0-9]{3}-[A-Za-z0-9]{3}-[A-Za-z0-9]{3}$/;

/** The bucket of every munchkinId not of Marketo's shape (it cannot be one: no dashes). */
export const INVALID_MUNCHKIN = 'invalid';

/** The instance a munchkinId names (upper-cased), or INVALID_MUNCHKIN. */
export const munchkinKey = (id: string): string => (id.length === 11 && MUNCHKIN_ID.test(id) ? id.toUpperCase() : INVALID_MUNCHKIN);
