/**
 * Lead Activity event types, as the I/O Events Lead Activity Data Stream setup
 * page documents them (AdobeDocs/adobe-io-events
 * src/pages/guides/using/marketo/marketo-lead-activity-data-stream-setup.md,
 * "Event List"; test/envelope/fixtures/lads-event-list.json pins this table to it).
 * The I/O form's `type` is `com.adobe.platform.marketo.activity.standard.` + the
 * Event Type name lower-cased with spaces removed; every customer-defined type
 * (ids 100000 and up, "Custom 100000+") is `com.adobe.platform.marketo.activity.custom`.
 * An I/O delivery keeps the type Adobe sent; only the legacy push, which carries
 * no type, gets one from here. Unknown ids are never rejected.
 */
export const ACTIVITY_TYPE_PREFIX = 'com.adobe.platform.marketo.activity.';
export const STANDARD_ACTIVITY_TYPE_PREFIX = `${ACTIVITY_TYPE_PREFIX}standard.`;
export const CUSTOM_ACTIVITY_TYPE = `${ACTIVITY_TYPE_PREFIX}custom`;
export const FIRST_CUSTOM_ACTIVITY_ID = 100000;

/** The page's Event List: Event ID → Event Type, names exactly as documented. */
export const STANDARD_ACTIVITY_TYPES: Readonly<Record<number, string>> = Object.freeze({
  1: 'Visit Webpage', 2: 'Fill Out Form', 3: 'Click Link', 6: 'Send Email', 7: 'Email Delivered',
  8: 'Email Bounced', 9: 'Unsubscribe Email', 10: 'Open Email', 11: 'Click Email', 12: 'New Lead',
  13: 'Change Data Value', 19: 'Sync Lead to SFDC', 21: 'Convert Lead', 22: 'Change Score',
  23: 'Change Owner', 24: 'Add To List', 25: 'Remove from List', 26: 'SFDC Activity',
  27: 'Email Bounced Soft', 28: 'Sync Lead Updates to SFDC', 29: 'Delete Lead from SFDC',
  30: 'SFDC Activity Updated', 31: 'SFDC Merge Leads', 32: 'Merge Leads', 34: 'Add to Opportunity',
  37: 'Delete Lead', 38: 'Send Alert', 39: 'Send Sales Email', 40: 'Open Sales Email',
  41: 'Click Sales Email', 42: 'Add to SFDC Campaign', 43: 'Remove from SFDC Campaign',
  44: 'Change Status in SFDC Campaign', 45: 'Receive Sales Email', 46: 'Interesting Moment',
  47: 'Request Campaign', 48: 'Sales Email Bounced', 100: 'Change Lead Partition',
  101: 'Change Revenue Stage', 104: 'Change Status In Progression', 108: 'Change Segment',
  110: 'Call Webhook', 111: 'Send Forward to Friend Email', 112: 'Receive Forward to Friend Email',
  113: 'Add To Nurture', 114: 'Change Nurture Track', 115: 'Change Nurture Cadence',
  123: 'Change Program Member Data', 131: 'Fill Out Facebook Lead Ads Form', 132: 'Click RTP Call to Action',
  133: 'Click Predictive Content', 145: 'Push Lead to Marketo', 147: 'Fill Out Linked Lead Gen Form',
  300: 'Sync Lead to Microsoft', 400: 'Share Content', 401: 'Vote in Poll', 402: 'Sign Up for Referral Offer',
  403: 'Achieve Goal In Referral', 405: 'Click Shared Link', 406: 'Win Sweepstakes', 407: 'Enter Sweepstakes',
  408: 'Disqualify Sweepstakes', 409: 'Earn Entry In Social App', 410: 'Refer to Social App',
});

export const standardActivityName = (id: number): string | undefined =>
  Object.prototype.hasOwnProperty.call(STANDARD_ACTIVITY_TYPES, id) ? STANDARD_ACTIVITY_TYPES[id] : undefined;

/** "Open Email" → "com.adobe.platform.marketo.activity.standard.openemail" (the page's rule). */
export const standardActivityEventType = (name: string): string =>
  `${STANDARD_ACTIVITY_TYPE_PREFIX}${name.toLowerCase().replace(/[^a-z0-9]/g, '')}`;

/**
 * The type the I/O form gives an activity of this id, for the legacy push.
 * A documented id takes the documented name (the activity's own `activityType`
 * is not what the type is built from: the page's table is); an undocumented id
 * takes the activity's name, else `type<id>`.
 */
export function activityEventType(activityTypeId: number, activityType: string | undefined): string {
  if (activityTypeId >= FIRST_CUSTOM_ACTIVITY_ID) return CUSTOM_ACTIVITY_TYPE;
  return standardActivityEventType(standardActivityName(activityTypeId) ?? activityType ?? `type${activityTypeId}`);
}
