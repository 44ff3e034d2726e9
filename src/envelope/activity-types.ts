/**
 * Lead Activity event types. The I/O form names them
 * `com.adobe.platform.marketo.activity.standard.<name lower-cased, no spaces>`
 * and `com.adobe.platform.marketo.activity.custom` for custom types (ids ≥ 100000).
 * The legacy push carries the name (`activityType`) and the id; when the name is
 * missing, the standard ids below supply it. Unknown ids are never rejected.
 */
export const ACTIVITY_TYPE_PREFIX = 'com.adobe.platform.marketo.activity.';
export const CUSTOM_ACTIVITY_TYPE = `${ACTIVITY_TYPE_PREFIX}custom`;
export const FIRST_CUSTOM_ACTIVITY_ID = 100000;

/** Marketo's standard activity type ids (GET /rest/v1/activities/types.json), the common ones. */
const STANDARD_NAMES: Record<number, string> = {
  1: 'Visit Webpage', 2: 'Fill Out Form', 3: 'Click Link', 6: 'Send Email', 7: 'Email Delivered',
  8: 'Email Bounced', 9: 'Unsubscribe Email', 10: 'Open Email', 11: 'Click Email', 12: 'New Lead',
  13: 'Change Data Value', 19: 'Sync Lead to SFDC', 21: 'Convert Lead', 22: 'Change Score',
  23: 'Change Owner', 24: 'Add to List', 25: 'Remove from List', 26: 'SFDC Activity',
  27: 'Email Bounced Soft', 32: 'Merge Leads', 34: 'Add to Opportunity', 35: 'Remove from Opportunity',
  36: 'Update Opportunity', 37: 'Delete Lead', 38: 'Send Alert', 39: 'Send Sales Email',
  40: 'Open Sales Email', 41: 'Click Sales Email', 42: 'Add to SFDC Campaign',
  43: 'Remove from SFDC Campaign', 44: 'Change Status in SFDC Campaign', 45: 'Receive Sales Email',
  46: 'Interesting Moment', 47: 'Request Campaign', 48: 'Sales Email Bounced',
  100: 'Change Lead Partition', 101: 'Change Revenue Stage', 102: 'Change Revenue Stage Manually',
  104: 'Change Status in Progression', 106: 'Enrich with Data.com', 108: 'Change Segment',
  110: 'Call Webhook', 111: 'Sent Forward to Friend Email', 112: 'Received Forward to Friend Email',
  113: 'Add to Nurture', 114: 'Change Nurture Track', 115: 'Change Nurture Cadence',
};

export const standardActivityName = (id: number): string | undefined => STANDARD_NAMES[id];

/** The CloudEvent type the I/O form gives an activity of this id and name. */
export function activityEventType(activityTypeId: number, activityType: string | undefined): string {
  if (activityTypeId >= FIRST_CUSTOM_ACTIVITY_ID) return CUSTOM_ACTIVITY_TYPE;
  const name = activityType ?? standardActivityName(activityTypeId) ?? `type${activityTypeId}`;
  return `${ACTIVITY_TYPE_PREFIX}standard.${name.toLowerCase().replace(/[^a-z0-9]/g, '')}`;
}
